// sniff.cc: first-bytes detection. Every rule is a prefix test and Sniff never guesses, so an
// answer never changes as more bytes arrive (the sniff fuzz target checks exactly that).
// An RPC gob stream opens with a type definition: a length byte, then a negative type id
// whose first byte is 0xF8..0xFF. No JSON text, HTTP request or native preamble does that.
#include "protocol/sniff.h"

#include <array>

#include "codec/native.h"

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

// SniffJson looks at the first key of an object: GeeRPC's Option starts with MagicNumber.
// Anything else that starts like JSON goes to the JSON-RPC codec, which says what is wrong.
Detected SniffJson(std::string_view in) {
  size_t i = 0;
  while (i < in.size() && IsJsonSpace(in[i])) ++i;
  if (i == in.size()) return Detected::kNeedMore;
  if (in[i] != '{') return Detected::kJsonRpc;
  ++i;
  while (i < in.size() && IsJsonSpace(in[i])) ++i;
  if (i == in.size()) return Detected::kNeedMore;
  if (in[i] != '"') return Detected::kJsonRpc;
  switch (MatchPrefix(in.substr(i + 1), "MagicNumber\"")) {
    case Match::kYes:
      return Detected::kGeeOption;
    case Match::kPartial:
      return Detected::kNeedMore;
    case Match::kNo:
      return Detected::kJsonRpc;
  }
  return Detected::kJsonRpc;
}

}  // namespace

Detected Sniff(std::string_view in) {
  if (in.empty()) return Detected::kNeedMore;
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
    return SniffJson(in);
  }
  return Detected::kGob;
}

}  // namespace netrpc::protocol
