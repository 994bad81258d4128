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

// GeeOption is GeeRPC's Option (geerpc/server.go, day 4 on). The timeouts are Go
// time.Durations: nanoseconds, 0 for none.
struct GeeOption {
  int64_t magic_number = 0;
  std::string codec_type;
  int64_t connect_timeout_ns = 0;  // the client's own dial limit; a server ignores it
  int64_t handle_timeout_ns = 0;   // the server answers a call that runs longer with an error
};

// GeeOptionReader parses the Option at the start of a stream as GeeRPC's server does with
// json.NewDecoder(conn).Decode(&opt): keys in any case and order, unknown keys ignored, the
// first value of a wrong type (a float or string MagicNumber, a quoted duration) an error.
// Like JsonReader it keeps its progress across NeedMore; consumed includes the whitespace
// after the object that has arrived so far (see SkipGeeSeparator for the rest).
class GeeOptionReader {
 public:
  GeeOptionReader();
  // Read returns an error for bad JSON, a wrong magic number or an unknown codec type.
  ReadResult Read(std::string_view in, GeeOption* option);

 private:
  codec::Limits limits_;
  codec::JsonReader reader_;
};

// SkipGeeSeparator counts the whitespace at the start of in: what may still separate the
// Option from the codec's stream (json.Encoder's '\n' can arrive in a later read). No codec
// stream starts with whitespace: a GeeRPC gob stream opens with a type definition longer
// than 32 bytes, so its first byte, the length, is none of 9, 10, 13 or 32.
size_t SkipGeeSeparator(std::string_view in);

// GeeOptionJson is the Option as GeeRPC's client writes it with Go's json.Encoder (day 4 on,
// whose fields earlier GeeRPC servers ignore), newline included; the timeouts in nanoseconds.
std::string GeeOptionJson(std::string_view codec_type, int64_t connect_timeout_ns,
                          int64_t handle_timeout_ns);

}  // namespace netrpc::protocol
