// gee_option.h: GeeRPC's connection preamble, a JSON Option that names the codec:
// {"MagicNumber":3927900,"CodecType":"application/gob"} and a newline, then that codec.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "codec/codec.h"
#include "codec/json_value.h"

namespace netrpc::protocol {

inline constexpr int64_t kGeeMagicNumber = 0x3bef5c;  // 3927900
inline constexpr std::string_view kGeeGob = "application/gob";
inline constexpr std::string_view kGeeJson = "application/json";

struct GeeOption {
  int64_t magic_number = 0;
  std::string codec_type;
};

// GeeOptionReader parses the Option at the start of a stream; like JsonReader it keeps its
// progress across NeedMore. consumed includes the whitespace after the object.
class GeeOptionReader {
 public:
  GeeOptionReader();
  // Read returns an error for bad JSON, a wrong magic number or an unknown codec type.
  ReadResult Read(std::string_view in, GeeOption* option);

 private:
  codec::Limits limits_;
  codec::JsonReader reader_;
};

// GeeOptionJson is the Option as Go's json.Encoder writes it, newline included.
std::string GeeOptionJson(std::string_view codec_type);

}  // namespace netrpc::protocol
