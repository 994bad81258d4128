// sniff.cc: first-bytes detection. Every rule is a prefix test and Sniff never guesses, so an
// answer never changes as more bytes arrive (the sniff fuzz target checks exactly that).
// JSON is decided by its keys within the first kMaxSniffBytes (1024) bytes.
// An RPC gob stream opens with a type definition: a length byte, then a negative type id
// whose first byte is 0xF8..0xFF. No JSON text, HTTP request or native preamble does that.
#include "protocol/sniff.h"

#include <array>

#include "codec/native.h"
#include "protocol/json_members.h"

namespace netrpc::protocol {
namespace {

bool IsJsonSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// Match says whether `in` starts with `word`, or could still.
enum class Match { kNo, kPartial, kYes };
Match MatchPrefix(std::string_view in, std::string_view word) {
  size_t n = std::min(in.size(), word.size());
  if (in.substr(0, n) != word.substr(0, n)) return Match::kNo;
  return in.size() >= word.size() ? Match::kYes : Match::kPartial;
}

constexpr std::array<std::string_view, 8> kHttpMethods{"GET ",    "POST ",    "HEAD ",  "PUT ",
                                                       "DELETE ", "OPTIONS ", "PATCH ", "TRACE "};

// SniffJson decides by the keys of the first object, in the order they come, compared as Go's
// decoders compare them (case-insensitively): the first that names a field of GeeRPC's Option
// makes it GeeRPC, the first that names one of a JSON-RPC request (Go's jsonrpc serverRequest)
// makes it JSON-RPC. Anything else that starts like JSON goes to the JSON-RPC codec, which
// says what is wrong; so does an object still undecided after kMaxSniffBytes.
Detected SniffJson(std::string_view in, bool at_bound) {
  size_t i = 0;
  while (i < in.size() && IsJsonSpace(in[i])) ++i;
  if (i == in.size()) return Detected::kNeedMore;  // the server refuses this at the bound
  if (in[i] != '{') return Detected::kJsonRpc;
  Detected found = Detected::kJsonRpc;
  JsonWalk walk = WalkJsonObject(in, [&](const JsonMember& m) {
    for (std::string_view field : {"MagicNumber", "CodecType", "ConnectTimeout", "HandleTimeout"}) {
      if (GoKeyIs(m.folded_key, field)) {
        found = Detected::kGeeOption;
        return false;
      }
    }
    for (std::string_view field : {"method", "params", "id"}) {
      if (GoKeyIs(m.folded_key, field)) return false;
    }
    return true;
  });
  if (walk == JsonWalk::kStopped) return found;
  if (walk == JsonWalk::kNeedMore && !at_bound) return Detected::kNeedMore;
  return Detected::kJsonRpc;
}

}  // namespace

Detected Sniff(std::string_view in) {
  if (in.empty()) return Detected::kNeedMore;
  // Only the first kMaxSniffBytes count, so that the answer for any longer input is theirs.
  bool at_bound = in.size() >= kMaxSniffBytes;
  in = in.substr(0, kMaxSniffBytes);
  switch (MatchPrefix(in, codec::kNativePreamble)) {
    case Match::kYes:
      return Detected::kNative;
    case Match::kPartial:
      return Detected::kNeedMore;
    case Match::kNo:
      break;
  }
  bool partial = false;
  switch (MatchPrefix(in, "CONNECT ")) {
    case Match::kYes:
      return Detected::kHttpConnect;
    case Match::kPartial:
      partial = true;
      break;
    case Match::kNo:
      break;
  }
  for (std::string_view m : kHttpMethods) {
    switch (MatchPrefix(in, m)) {
      case Match::kYes:
        return Detected::kHttp;
      case Match::kPartial:
        partial = true;
        break;
      case Match::kNo:
        break;
    }
  }
  if (partial) return Detected::kNeedMore;
  if (in[0] == '{' || in[0] == '[' || IsJsonSpace(in[0])) {
    if (in.size() < 2) return Detected::kNeedMore;
    if (static_cast<unsigned char>(in[1]) >= 0xF8) return Detected::kGob;
    return SniffJson(in, at_bound);
  }
  return Detected::kGob;
}

TlsStart SniffTls(std::string_view in) {
  constexpr unsigned char kHandshake = 0x16, kMajor = 0x03, kMaxMinor = 0x04;
  if (in.empty()) return TlsStart::kNeedMore;
  if (static_cast<unsigned char>(in[0]) != kHandshake) return TlsStart::kNotTls;
  if (in.size() < 2) return TlsStart::kNeedMore;
  if (static_cast<unsigned char>(in[1]) != kMajor) return TlsStart::kNotTls;
  if (in.size() < kTlsSniffBytes) return TlsStart::kNeedMore;
  return static_cast<unsigned char>(in[2]) <= kMaxMinor ? TlsStart::kClientHello
                                                        : TlsStart::kNotTls;
}

}  // namespace netrpc::protocol
