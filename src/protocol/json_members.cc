// json_members.cc: a small walker over a JSON object's top level that tolerates input that is
// not complete yet, for the sniffer's look-ahead and GeeRPC's Option; the JSON-RPC codec does
// the full parsing of whatever the sniffer hands it.
#include "protocol/json_members.h"

#include "types/hex.h"

namespace netrpc::protocol {
namespace {

// A folded key is Go's comparison made once: ASCII in lower case, the two runes that fold to
// ASCII letters as those letters, and any other rune as kOther, which matches no field name.
constexpr char kOther = '\x80';
constexpr size_t kMaxFoldedKey = 64;  // longer than any field name: kept only as "no match"

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

char FoldAscii(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

void AppendFolded(std::string* key, char c) {
  if (key->size() < kMaxFoldedKey) {
    key->push_back(c);
  } else {
    key->back() = kOther;
  }
}

char FoldRune(uint32_t r) {
  if (r < 0x80) return FoldAscii(static_cast<char>(r));
  if (r == 0x17F) return 's';   // LATIN SMALL LETTER LONG S
  if (r == 0x212A) return 'k';  // KELVIN SIGN
  return kOther;
}

// ScanString reads the string whose opening quote is at in[*i], leaving *i past its closing
// quote; with key, it appends the folded text.
JsonWalk ScanString(std::string_view in, size_t* i, std::string* key) {
  size_t p = *i + 1;
  while (p < in.size()) {
    auto c = static_cast<unsigned char>(in[p]);
    if (c == '"') {
      *i = p + 1;
      return JsonWalk::kDone;
    }
    if (c < 0x20) return JsonWalk::kBad;  // Go: invalid character in string literal
    if (c == '\\') {
      if (p + 1 >= in.size()) return JsonWalk::kNeedMore;
      char e = in[p + 1];
      if (e == 'u') {
        uint32_t r = 0;
        for (size_t k = 0; k < 4; ++k) {
          if (p + 2 + k >= in.size()) return JsonWalk::kNeedMore;
          int d = HexDigit(in[p + 2 + k]);
          if (d < 0) return JsonWalk::kBad;
          r = r * 16 + static_cast<uint32_t>(d);
        }
        if (key) AppendFolded(key, FoldRune(r));  // a surrogate folds to kOther
        p += 6;
        continue;
      }
      static constexpr std::string_view kEscapes = "\"\\/bfnrt";
      static constexpr std::string_view kEscaped = "\"\\/\b\f\n\r\t";
      size_t at = kEscapes.find(e);
      if (at == std::string_view::npos) return JsonWalk::kBad;
      if (key) AppendFolded(key, kEscaped[at]);
      p += 2;
      continue;
    }
    if (c < 0x80) {
      if (key) AppendFolded(key, FoldAscii(static_cast<char>(c)));
      ++p;
      continue;
    }
    // A raw multi-byte rune: the two that fold to ASCII letters, or anything else.
    std::string_view rest = in.substr(p);
    for (auto [bytes, folded] : {std::pair<std::string_view, char>{"\xC5\xBF", 's'},
                                 std::pair<std::string_view, char>{"\xE2\x84\xAA", 'k'}}) {
      if (rest.size() < bytes.size() && bytes.substr(0, rest.size()) == rest) {
        return JsonWalk::kNeedMore;
      }
      if (rest.substr(0, bytes.size()) == bytes) {
        if (key) AppendFolded(key, folded);
        p += bytes.size();
        c = 0;
        break;
      }
    }
    if (c != 0) {
      if (key) AppendFolded(key, kOther);
      ++p;
      while (p < in.size() && (static_cast<unsigned char>(in[p]) & 0xC0) == 0x80) ++p;
    }
  }
  return JsonWalk::kNeedMore;
}

// ScanValue skips the value at in[*i]: a string, a nested object or array, or a literal
// (number, true, false, null), which ends at the first delimiter.
JsonWalk ScanValue(std::string_view in, size_t* i) {
  size_t p = *i;
  if (p >= in.size()) return JsonWalk::kNeedMore;
  if (in[p] == '"') return ScanString(in, i, nullptr);
  if (in[p] == '{' || in[p] == '[') {
    size_t depth = 0;
    while (p < in.size()) {
      char c = in[p];
      if (c == '"') {
        JsonWalk s = ScanString(in, &p, nullptr);
        if (s != JsonWalk::kDone) return s;
        continue;
      }
      if (c == '{' || c == '[') ++depth;
      if (c == '}' || c == ']') {
        if (--depth == 0) {
          *i = p + 1;
          return JsonWalk::kDone;
        }
      }
      ++p;
    }
    return JsonWalk::kNeedMore;
  }
  while (p < in.size() && !IsSpace(in[p]) && in[p] != ',' && in[p] != '}' && in[p] != ']' &&
         in[p] != ':' && in[p] != '{' && in[p] != '[' && in[p] != '"') {
    ++p;
  }
  if (p == in.size()) return JsonWalk::kNeedMore;  // a number may go on
  if (p == *i) return JsonWalk::kBad;
  *i = p;
  return JsonWalk::kDone;
}

void SkipSpace(std::string_view in, size_t* i) {
  while (*i < in.size() && IsSpace(in[*i])) ++*i;
}

}  // namespace

JsonWalk WalkJsonObject(std::string_view in, const std::function<bool(const JsonMember&)>& visit,
                        size_t* end) {
  size_t i = 0;
  SkipSpace(in, &i);
  if (i == in.size()) return JsonWalk::kNeedMore;
  if (in[i] != '{') return JsonWalk::kBad;
  ++i;
  for (bool first = true;; first = false) {
    SkipSpace(in, &i);
    if (i == in.size()) return JsonWalk::kNeedMore;
    if (first && in[i] == '}') {
      if (end) *end = i + 1;
      return JsonWalk::kDone;
    }
    if (in[i] != '"') return JsonWalk::kBad;
    JsonMember member;
    if (JsonWalk s = ScanString(in, &i, &member.folded_key); s != JsonWalk::kDone) return s;
    SkipSpace(in, &i);
    if (i == in.size()) return JsonWalk::kNeedMore;
    if (in[i] != ':') return JsonWalk::kBad;
    ++i;
    SkipSpace(in, &i);
    size_t value_start = i;
    if (JsonWalk s = ScanValue(in, &i); s != JsonWalk::kDone) return s;
    member.value = in.substr(value_start, i - value_start);
    if (!visit(member)) return JsonWalk::kStopped;
    SkipSpace(in, &i);
    if (i == in.size()) return JsonWalk::kNeedMore;
    if (in[i] == '}') {
      if (end) *end = i + 1;
      return JsonWalk::kDone;
    }
    if (in[i] != ',') return JsonWalk::kBad;
    ++i;
  }
}

bool GoKeyIs(std::string_view folded_key, std::string_view field) {
  if (folded_key.size() != field.size()) return false;
  for (size_t i = 0; i < field.size(); ++i) {
    if (folded_key[i] != FoldAscii(field[i])) return false;
  }
  return true;
}

}  // namespace netrpc::protocol
