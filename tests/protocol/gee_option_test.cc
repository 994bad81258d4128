// gee_option_test.cc: GeeRPC's Option preamble, written byte for byte as Go's json.Encoder
// writes it and read back however it arrives, with the codec's bytes after it left alone.
#include "protocol/gee_option.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace {

using netrpc::ErrorCode;
using netrpc::ReadResult;
using netrpc::protocol::GeeOption;
using netrpc::protocol::GeeOptionJson;
using netrpc::protocol::GeeOptionReader;
using netrpc::protocol::kGeeGob;
using netrpc::protocol::kGeeJson;
using netrpc::protocol::kGeeMagicNumber;

// Captured from Go 1.19: json.NewEncoder(&buf).Encode(struct{MagicNumber int; CodecType string}
// {0x3bef5c, "application/gob"}), and the same with "application/json".
constexpr std::string_view kGoGobOption =
    "{\"MagicNumber\":3927900,\"CodecType\":\"application/gob\"}\n";
constexpr std::string_view kGoJsonOption =
    "{\"MagicNumber\":3927900,\"CodecType\":\"application/json\"}\n";

struct Outcome {
  ReadResult r;
  GeeOption option;
};

Outcome ReadOnce(std::string_view in) {
  GeeOptionReader reader;
  Outcome o;
  o.r = reader.Read(in, &o.option);
  return o;
}

TEST(GeeOption, JsonIsWhatGeeRpcsClientWrites) {
  // Captured from Go 1.19: json.NewEncoder(os.Stdout).Encode(&Option{...}) with GeeRPC's day-4
  // Option {MagicNumber int; CodecType codec.Type; ConnectTimeout, HandleTimeout
  // time.Duration}: its DefaultOption (10s), then application/json with 2s and 1.5s.
  EXPECT_EQ(GeeOptionJson(kGeeGob, 10'000'000'000, 0),
            "{\"MagicNumber\":3927900,\"CodecType\":\"application/gob\",\"ConnectTimeout\":"
            "10000000000,\"HandleTimeout\":0}\n");
  EXPECT_EQ(GeeOptionJson(kGeeJson, 2'000'000'000, 1'500'000'000),
            "{\"MagicNumber\":3927900,\"CodecType\":\"application/json\",\"ConnectTimeout\":"
            "2000000000,\"HandleTimeout\":1500000000}\n");
  GeeOptionReader reader;
  GeeOption option;
  std::string json = GeeOptionJson(kGeeJson, 2'000'000'000, 1'500'000'000);
  ASSERT_EQ(reader.Read(json, &option).consumed, json.size());
  EXPECT_EQ(option.connect_timeout_ns, 2'000'000'000);
  EXPECT_EQ(option.handle_timeout_ns, 1'500'000'000);
}

TEST(GeeOption, ReadsWhatGoWrites) {
  for (std::string_view in : {kGoGobOption, kGoJsonOption}) {
    Outcome o = ReadOnce(in);
    ASSERT_FALSE(o.r.error) << o.r.error.message();
    EXPECT_EQ(o.r.consumed, in.size());  // the newline included
    EXPECT_EQ(o.option.magic_number, kGeeMagicNumber);
  }
  EXPECT_EQ(ReadOnce(kGoGobOption).option.codec_type, "application/gob");
  EXPECT_EQ(ReadOnce(kGoJsonOption).option.codec_type, "application/json");
}

TEST(GeeOption, WhitespaceAroundAndInsideIsAccepted) {
  std::string in =
      " \n\t{ \"MagicNumber\" : 3927900 ,\n \"CodecType\" : \"application/json\" } \r\n";
  Outcome o = ReadOnce(in);
  ASSERT_FALSE(o.r.error) << o.r.error.message();
  EXPECT_EQ(o.r.consumed, in.size());
  EXPECT_EQ(o.option.magic_number, kGeeMagicNumber);
  EXPECT_EQ(o.option.codec_type, "application/json");
}

TEST(GeeOption, BytesAfterTheOptionAreLeftForTheCodec) {
  // A GeeRPC gob stream opens with the 0x38-byte type definition of its Header.
  std::string in = std::string(kGoGobOption) + std::string("\x38\xff\x81\x03\x01", 5);
  Outcome o = ReadOnce(in);
  ASSERT_FALSE(o.r.error) << o.r.error.message();
  EXPECT_EQ(o.r.consumed, kGoGobOption.size());
  EXPECT_EQ(o.option.codec_type, "application/gob");

  std::string json_follows = std::string(kGoJsonOption) + "{\"ServiceMethod\":\"Foo.Sum\"}";
  EXPECT_EQ(ReadOnce(json_follows).r.consumed, kGoJsonOption.size());
}

// One reader, fed a longer prefix of the same bytes each time, as the server's buffer grows.
TEST(GeeOption, OneReaderNeedsMoreUntilTheObjectClosesThenReadsIt) {
  const std::string_view in = kGoGobOption;
  const size_t close = in.find('}');
  GeeOptionReader reader;
  GeeOption option;
  for (size_t n = 0; n <= close; ++n) {
    ReadResult r = reader.Read(in.substr(0, n), &option);
    ASSERT_TRUE(r.NeedMore()) << "prefix " << n << ": " << r.error.message();
  }
  ReadResult r = reader.Read(in, &option);
  ASSERT_FALSE(r.error) << r.error.message();
  EXPECT_EQ(r.consumed, in.size());
  EXPECT_EQ(option.magic_number, kGeeMagicNumber);
  EXPECT_EQ(option.codec_type, "application/gob");
}

// A fresh reader for each split point: one read of the first part, then the whole.
TEST(GeeOption, SplitAtAnyByteBeforeTheCloseReadsTheSameOption) {
  const std::string in = std::string(kGoJsonOption) + "{\"id\":0}";
  const size_t close = in.find('}');
  for (size_t split = 0; split <= close; ++split) {
    GeeOptionReader reader;
    GeeOption option;
    ASSERT_TRUE(reader.Read(std::string_view(in).substr(0, split), &option).NeedMore()) << split;
    ReadResult r = reader.Read(in, &option);
    ASSERT_FALSE(r.error) << "split " << split << ": " << r.error.message();
    EXPECT_EQ(r.consumed, kGoJsonOption.size()) << split;
    EXPECT_EQ(option.codec_type, "application/json") << split;
  }
}

TEST(GeeOption, WrongMagicNumberIsRefused) {
  Outcome o = ReadOnce("{\"MagicNumber\":1234,\"CodecType\":\"application/gob\"}\n");
  EXPECT_EQ(o.r.consumed, 0u);
  EXPECT_EQ(o.r.error.code(), ErrorCode::kProtocol);
  EXPECT_EQ(o.r.error.message(), "geerpc: invalid magic number 1234, want 3927900");
  // Go keeps the last of duplicate keys (checked with Go 1.19's json.Decoder), so this is 1.
  o = ReadOnce("{\"MagicNumber\":3927900,\"MagicNumber\":1,\"CodecType\":\"application/gob\"}\n");
  EXPECT_EQ(o.r.error.message(), "geerpc: invalid magic number 1, want 3927900");
}

// Each input with the error Go 1.19's json.NewDecoder(r).Decode(&opt) returned for it, into
// GeeRPC's day-4 Option {MagicNumber int; CodecType codec.Type; ConnectTimeout, HandleTimeout
// time.Duration} (a Go program decoding each and printing err); GeeRPC's server then closes.
TEST(GeeOption, ValuesOfAWrongTypeAreRefusedWithGoText) {
  struct Case {
    std::string_view in, go_error;
  } cases[] = {
      {"{\"MagicNumber\":3927900.0,\"CodecType\":\"application/gob\"}",
       "json: cannot unmarshal number 3927900.0 into Go struct field Option.MagicNumber of type "
       "int"},
      {"{\"MagicNumber\":3.9279e6,\"CodecType\":\"application/gob\"}",
       "json: cannot unmarshal number 3.9279e6 into Go struct field Option.MagicNumber of type "
       "int"},
      {"{\"MagicNumber\":\"3927900\",\"CodecType\":\"application/gob\"}",
       "json: cannot unmarshal string into Go struct field Option.MagicNumber of type int"},
      {"{\"MagicNumber\":9223372036854775808,\"CodecType\":\"application/gob\"}",
       "json: cannot unmarshal number 9223372036854775808 into Go struct field Option.MagicNumber "
       "of type int"},
      {"{\"MagicNumber\":3927900,\"CodecType\":42}",
       "json: cannot unmarshal number into Go struct field Option.CodecType of type codec.Type"},
      {"{\"MagicNumber\":3927900,\"CodecType\":\"application/gob\",\"ConnectTimeout\":\"10s\"}",
       "json: cannot unmarshal string into Go struct field Option.ConnectTimeout of type "
       "time.Duration"},
      {"{\"MagicNumber\":3927900,\"CodecType\":\"application/gob\",\"HandleTimeout\":1e9}",
       "json: cannot unmarshal number 1e9 into Go struct field Option.HandleTimeout of type "
       "time.Duration"},
      {"{\"MagicNumber\":3927900,\"CodecType\":\"application/gob\",\"HandleTimeout\":true}",
       "json: cannot unmarshal bool into Go struct field Option.HandleTimeout of type "
       "time.Duration"},
      {"{\"MagicNumber\":3927900,\"CodecType\":\"application/gob\",\"HandleTimeout\":{}}",
       "json: cannot unmarshal object into Go struct field Option.HandleTimeout of type "
       "time.Duration"},
      // The value is overwritten by a good one, but Go still returns the first type error.
      {"{\"MagicNumber\":\"x\",\"MagicNumber\":3927900,\"CodecType\":\"application/gob\"}",
       "json: cannot unmarshal string into Go struct field Option.MagicNumber of type int"},
  };
  for (const Case& c : cases) {
    Outcome o = ReadOnce(std::string(c.in) + "\n");
    EXPECT_EQ(o.r.consumed, 0u) << c.in;
    EXPECT_EQ(o.r.error,
              netrpc::Error(ErrorCode::kProtocol, "geerpc: option: " + std::string(c.go_error)))
        << c.in;
  }
}

// Go decoded each of these without error (same program); then the magic number decides.
TEST(GeeOption, KeysMatchAsGoMatchesThem) {
  struct Case {
    std::string_view in;
    int64_t magic, handle_timeout_ns;
  } cases[] = {
      {"{\"magicNumber\":3927900,\"codecType\":\"application/gob\"}", 3927900, 0},
      {"{\"CodecType\":\"application/gob\",\"MagicNumber\":3927900}", 3927900, 0},
      {"{\"MAGICNUMBER\":3927900,\"codectype\":\"application/gob\",\"handletimeout\":1500000000}",
       3927900, 1500000000},
      {"{\"\\u004dagicNumber\":3927900,\"CodecType\":\"application/gob\"}", 3927900, 0},
      {"{\"MagicNumber\":1,\"magicNumber\":2,\"MagicNumber\":3927900,\"CodecType\":\"application/"
       "gob\"}",
       3927900, 0},
      {"{\"MagicNumber\":3927900,\"CodecType\":\"application/gob\",\"HandleTimeout\":-1}", 3927900,
       -1},
      {"{\"MagicNumber\":3927900,\"CodecType\":\"application/gob\",\"Extra\":{\"a\":[1,2,{\"b\":"
       "\"}\"}]}}",
       3927900, 0},
  };
  for (const Case& c : cases) {
    Outcome o = ReadOnce(std::string(c.in) + "\n");
    ASSERT_FALSE(o.r.error) << c.in << ": " << o.r.error.message();
    EXPECT_EQ(o.r.consumed, c.in.size() + 1) << c.in;
    EXPECT_EQ(o.option.magic_number, c.magic) << c.in;
    EXPECT_EQ(o.option.codec_type, "application/gob") << c.in;
    EXPECT_EQ(o.option.handle_timeout_ns, c.handle_timeout_ns) << c.in;
  }
  // Go leaves a field at null as it is: here 0, a wrong magic number; -0 is 0 too.
  for (std::string_view in : {"{\"MagicNumber\":null,\"CodecType\":\"application/gob\"}\n",
                              "{\"MagicNumber\":-0,\"CodecType\":\"application/gob\"}\n",
                              "{\"CodecType\":\"application/gob\"}\n"}) {
    EXPECT_EQ(ReadOnce(in).r.error,
              netrpc::Error(ErrorCode::kProtocol, "geerpc: invalid magic number 0, want 3927900"))
        << in;
  }
}

TEST(GeeOption, UnknownOrMissingCodecTypeIsRefused) {
  Outcome o = ReadOnce("{\"MagicNumber\":3927900,\"CodecType\":\"application/xml\"}\n");
  EXPECT_EQ(o.r.consumed, 0u);
  EXPECT_EQ(o.r.error,
            netrpc::Error(ErrorCode::kProtocol, "geerpc: invalid codec type \"application/xml\""));
  o = ReadOnce("{\"MagicNumber\":3927900}\n");
  EXPECT_EQ(o.r.error, netrpc::Error(ErrorCode::kProtocol, "geerpc: invalid codec type \"\""));
  o = ReadOnce("{\"MagicNumber\":3927900,\"CodecType\":null}\n");
  EXPECT_EQ(o.r.error, netrpc::Error(ErrorCode::kProtocol, "geerpc: invalid codec type \"\""));
}

TEST(GeeOption, LaterGeeRpcFieldsAreRead) {
  // GeeRPC's day-4 client sends its DefaultOption: ConnectTimeout 10s, HandleTimeout 0.
  std::string in =
      "{\"MagicNumber\":3927900,\"CodecType\":\"application/gob\",\"ConnectTimeout\":10000000000,"
      "\"HandleTimeout\":0}\n";
  Outcome o = ReadOnce(in);
  ASSERT_FALSE(o.r.error) << o.r.error.message();
  EXPECT_EQ(o.r.consumed, in.size());
  EXPECT_EQ(o.option.codec_type, "application/gob");
  EXPECT_EQ(o.option.connect_timeout_ns, 10000000000);
  EXPECT_EQ(o.option.handle_timeout_ns, 0);
}

TEST(GeeOption, SeparatorIsTheWhitespaceBeforeTheCodecStream) {
  EXPECT_EQ(netrpc::protocol::SkipGeeSeparator("\n"), 1u);
  EXPECT_EQ(netrpc::protocol::SkipGeeSeparator(" \r\n\t\x2c\xff"), 4u);
  EXPECT_EQ(netrpc::protocol::SkipGeeSeparator("\x2c\n"), 0u);
  EXPECT_EQ(netrpc::protocol::SkipGeeSeparator(""), 0u);
}

TEST(GeeOption, BadJsonIsAProtocolError) {
  for (std::string_view in : {"{\"MagicNumber\":}\n", "{\"MagicNumber\":3927900,}\n", "[1]\n",
                              "nonsense\n", "\"application/gob\"\n"}) {
    Outcome o = ReadOnce(in);
    EXPECT_EQ(o.r.consumed, 0u) << in;
    EXPECT_EQ(o.r.error.code(), ErrorCode::kProtocol) << in << ": " << o.r.error.message();
  }
}

TEST(GeeOption, OptionOver4096BytesIsTooLarge) {
  std::string in = "{\"MagicNumber\":3927900,\"CodecType\":\"application/gob\",\"Pad\":\"" +
                   std::string(4096, 'a') + "\"}\n";
  Outcome o = ReadOnce(in);
  EXPECT_EQ(o.r.consumed, 0u);
  EXPECT_EQ(o.r.error.code(), ErrorCode::kTooLarge);
  // However it arrives: the limit holds before the object closes.
  GeeOptionReader reader;
  GeeOption option;
  EXPECT_EQ(reader.Read(std::string_view(in).substr(0, 4200), &option).error.code(),
            ErrorCode::kTooLarge);
}

}  // namespace
