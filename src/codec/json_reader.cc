// json_reader.cc: JsonReader, which cuts one JSON object out of a stream as it arrives and
// parses it with exact float conversion, since Boost's own is off by an ulp for some doubles.
#include <algorithm>
#include <boost/json.hpp>
#include <boost/json/basic_parser_impl.hpp>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <exception>
#include <limits>
#include <string>

#include "codec/json_text.h"
#include "codec/json_value.h"
#include "types/hex.h"

namespace netrpc::codec {

using json::IsSpace;
using json::kHex;

namespace {

namespace bj = boost::json;

// ExactHandler is Boost.JSON's own value-building handler, except that floating-point literals
// are converted by std::from_chars from their full text: Boost 1.81's conversion is off by an
// ulp for many doubles, and Go's output must round-trip exactly.
class ExactHandler {
 public:
  static constexpr size_t max_object_size = bj::object::max_size();
  static constexpr size_t max_array_size = bj::array::max_size();
  static constexpr size_t max_key_size = bj::string::max_size();
  static constexpr size_t max_string_size = bj::string::max_size();

  bj::value_stack st;

  bool on_document_begin(bj::error_code&) { return true; }
  bool on_document_end(bj::error_code&) { return true; }
  bool on_object_begin(bj::error_code&) { return true; }
  bool on_object_end(size_t n, bj::error_code&) {
    st.push_object(n);
    return true;
  }
  bool on_array_begin(bj::error_code&) { return true; }
  bool on_array_end(size_t n, bj::error_code&) {
    st.push_array(n);
    return true;
  }
  bool on_key_part(bj::string_view s, size_t, bj::error_code&) {
    st.push_chars(s);
    return true;
  }
  bool on_key(bj::string_view s, size_t, bj::error_code&) {
    st.push_key(s);
    return true;
  }
  bool on_string_part(bj::string_view s, size_t, bj::error_code&) {
    st.push_chars(StringBytes(s));
    return true;
  }
  bool on_string(bj::string_view s, size_t, bj::error_code&) {
    st.push_string(StringBytes(s));
    string_start_ = true;
    return true;
  }
  bool on_number_part(bj::string_view s, bj::error_code&) {
    number_.append(s.data(), s.size());
    return true;
  }
  bool on_int64(int64_t i, bj::string_view s, bj::error_code&) {
    // "-0" must stay negative zero for floats; Decoder accepts it for integers too.
    bool negative_zero =
        i == 0 && (number_.empty() ? (!s.empty() && s[0] == '-') : number_[0] == '-');
    number_.clear();
    if (negative_zero) {
      st.push_double(-0.0);
    } else {
      st.push_int64(i);
    }
    return true;
  }
  bool on_uint64(uint64_t u, bj::string_view, bj::error_code&) {
    number_.clear();
    st.push_uint64(u);
    return true;
  }
  bool on_double(double boost_value, bj::string_view s, bj::error_code&) {
    number_.append(s.data(), s.size());
    if (keep_literals_) {
      number_.insert(number_.begin(), json::kNumberMark);
      st.push_string(number_);
      number_.clear();
      return true;
    }
    double d = 0;
    auto r = std::from_chars(number_.data(), number_.data() + number_.size(), d);
    if (r.ec == std::errc::result_out_of_range) {
      // Overflow becomes infinity (the decoder rejects it, as Go's ParseFloat does) and
      // underflow becomes zero, keeping the sign; Boost's estimate tells which one it was.
      bool negative = number_[0] == '-';
      d = std::fabs(boost_value) > 1 ? std::numeric_limits<double>::infinity() : 0.0;
      if (negative) d = -d;
    } else if (r.ec != std::errc()) {
      d = boost_value;
    }
    number_.clear();
    st.push_double(d);
    return true;
  }
  bool on_bool(bool b, bj::error_code&) {
    st.push_bool(b);
    return true;
  }
  bool on_null(bj::error_code&) {
    st.push_null();
    return true;
  }
  bool on_comment_part(bj::string_view, bj::error_code&) { return true; }
  bool on_comment(bj::string_view, bj::error_code&) { return true; }

  void Reset() {
    number_.clear();
    string_start_ = true;
    st.reset();
  }

  void KeepLiterals(bool keep) { keep_literals_ = keep; }

 private:
  // StringBytes keeps kNumberMark from starting a string when literals are kept: a string that
  // starts with that (invalid) byte gets U+FFFD there, as DecodeJson would write anyway.
  bj::string_view StringBytes(bj::string_view s) {
    if (!string_start_ || s.empty()) return s;
    string_start_ = false;
    if (!keep_literals_ || s[0] != json::kNumberMark) return s;
    st.push_chars("\xEF\xBF\xBD");
    return s.substr(1);
  }

  std::string number_;  // the number literal so far, when a buffer boundary splits it
  bool keep_literals_ = false;
  bool string_start_ = true;  // the next string bytes begin a string
};

int Hex4(std::string_view s, size_t i) {
  int r = 0;
  for (size_t k = i; k < i + 4; ++k) {
    const char c = s[k];
    int d = HexDigit(c);
    if (d < 0) return -1;
    r = r * 16 + d;
  }
  return r;
}

// SurrogateFixer rewrites each \uXXXX escape that is a surrogate but not the first half of a
// valid pair into \ufffd before Boost sees it: Boost 1.81 rejects such escapes, Go's unquote
// reads them as U+FFFD (a high surrogate followed by a valid low one is the pair's rune). The
// two spellings have the same length, so offsets into the message do not move. It scans the
// bytes the reader feeds, in order, and keeps whether it is inside a string between calls.
class SurrogateFixer {
 public:
  void Reset() { in_string_ = false; }

  // Scan looks at in[from, end) and returns how far the parser may be fed: up to the end, or
  // to the start of an escape whose bytes are not all there yet (then the message is not
  // complete, since its string is still open). Fixed bytes go to *fixed, which is empty when
  // in[from, limit) needs no change.
  size_t Scan(std::string_view in, size_t from, size_t end, std::string* fixed) {
    fixed->clear();
    const std::string_view span = in.substr(from, end - from);
    if (span.find('\\') == std::string_view::npos) {
      // No escapes (the usual case): every quote opens or closes a string.
      if (std::count(span.begin(), span.end(), '"') % 2 != 0) in_string_ = !in_string_;
      return end;
    }
    size_t i = from;
    while (i < end) {
      const char c = in[i];
      if (!in_string_) {
        in_string_ = c == '"';
        ++i;
        continue;
      }
      if (c == '"') {
        in_string_ = false;
        ++i;
        continue;
      }
      if (c != '\\') {
        ++i;
        continue;
      }
      if (i + 2 > end) break;
      if (in[i + 1] != 'u') {
        i += 2;
        continue;
      }
      if (i + 6 > end) break;
      const int r = Hex4(in, i + 2);
      if (r < 0xD800 || r > 0xDFFF) {  // not a surrogate, or bad hex the parser reports
        i += 6;
        continue;
      }
      if (r < 0xDC00) {
        // A high surrogate: a pair only if a low-surrogate escape follows at once.
        if (i + 7 > end || (in[i + 6] == '\\' && i + 8 > end)) break;
        if (in[i + 6] == '\\' && in[i + 7] == 'u') {
          if (i + 12 > end) break;
          const int low = Hex4(in, i + 8);
          if (low >= 0xDC00 && low <= 0xDFFF) {
            i += 12;
            continue;
          }
        }
      }
      if (fixed->empty()) fixed->assign(in.substr(from, end - from));
      fixed->replace(i - from + 2, 4, "fffd");
      i += 6;
    }
    if (!fixed->empty()) fixed->resize(i - from);
    return i;
  }

 private:
  bool in_string_ = false;
};

bj::parse_options ReaderOptions(const Limits& limits, size_t extra_depth) {
  bj::parse_options opt;
  opt.max_depth = limits.max_depth + extra_depth;
  opt.allow_invalid_utf8 = true;  // Go accepts it and decodes the bad bytes as U+FFFD
  return opt;
}

}  // namespace

struct JsonReader::Impl {
  Impl(const Limits& l, size_t extra_depth, Numbers numbers)
      : limits(l), parser(ReaderOptions(l, extra_depth)) {
    parser.handler().KeepLiterals(numbers == Numbers::kLiterals);
    parser.handler().Reset();
  }
  void Restart() {
    parser.reset();
    parser.handler().Reset();
    surrogates.Reset();
    fed = 0;
  }

  Limits limits;
  bj::basic_parser<ExactHandler> parser;
  SurrogateFixer surrogates;
  std::string fixed;  // the bytes to feed when SurrogateFixer changed them
  size_t fed = 0;     // bytes of the current message already given to the parser
};

JsonReader::JsonReader(const Limits& limits, size_t extra_depth, Numbers numbers)
    : impl_(std::make_unique<Impl>(limits, extra_depth, numbers)) {}
JsonReader::~JsonReader() = default;

ReadResult JsonReader::Read(std::string_view in, boost::json::value* out, std::string_view* text) {
  Impl& m = *impl_;
  ReadResult result;
  try {
    if (in.size() < m.fed) m.Restart();  // not the buffer we saw last time
    if (m.fed == 0) {
      // Reject anything but an object at once, instead of waiting for the end of a number.
      size_t i = 0;
      while (i < in.size() && IsSpace(in[i])) ++i;
      if (i == in.size()) return result;
      if (in[i] != '{') {
        std::string shown =
            static_cast<uint8_t>(in[i]) >= 0x20 && static_cast<uint8_t>(in[i]) < 0x7F
                ? std::string(1, in[i])
                : "\\x" + std::string(1, kHex[static_cast<uint8_t>(in[i]) >> 4]) +
                      kHex[in[i] & 0xF];
        result.error = Error(ErrorCode::kProtocol,
                             "jsonrpc: message is not a JSON object (starts with '" + shown + "')");
        return result;
      }
    }
    const size_t end =
        m.surrogates.Scan(in, m.fed, std::min(in.size(), m.limits.max_message_bytes), &m.fixed);
    if (end > m.fed) {
      bj::error_code ec;
      const char* bytes = m.fixed.empty() ? in.data() + m.fed : m.fixed.data();
      m.fed += m.parser.write_some(true, bytes, end - m.fed, ec);
      if (ec) {
        if (ec == bj::error::too_deep) {
          result.error = Error(ErrorCode::kTooLarge, "jsonrpc: JSON nested deeper than " +
                                                         std::to_string(m.limits.max_depth));
        } else {
          result.error = Error(ErrorCode::kProtocol, "jsonrpc: " + ec.message());
        }
        m.Restart();
        return result;
      }
    }
    if (!m.parser.done()) {
      // Not done within the limit, counting bytes held back in an unfinished escape, which
      // cannot finish the message either.
      if (in.size() >= m.limits.max_message_bytes) {
        result.error =
            Error(ErrorCode::kTooLarge, "jsonrpc: message larger than " +
                                            std::to_string(m.limits.max_message_bytes) + " bytes");
        m.Restart();
      }
      return result;  // NeedMore
    }
    *out = m.parser.handler().st.release();
    *text = in.substr(0, m.fed);
    size_t consumed = m.fed;
    while (consumed < in.size() && IsSpace(in[consumed])) ++consumed;
    m.Restart();
    result.consumed = consumed;
    return result;
  } catch (const std::exception& e) {
    m.Restart();
    result.consumed = 0;
    result.error = Error(ErrorCode::kProtocol, std::string("jsonrpc: ") + e.what());
    return result;
  }
}

}  // namespace netrpc::codec
