// client.cc: runs SPEC.md's 13 Interop cases against a netrpc or Go server over one protocol,
// the C++ twin of the Go reference client. Usage:
//   interop_client [--tls-ca FILE [--tls-cert FILE --tls-key FILE]] --addr HOST:PORT --proto P
//
// P is native, gob, json, http (DialHTTP, then gob) or geerpc (GeeRPC's Option, then gob);
// with --tls-ca each runs inside TLS (DialTLS, DialHTTPTLS), --tls-cert being for mTLS.
// It prints `PASS name` or `FAIL name: why` per case, then `N passed, M failed`, and exits 1
// when anything failed. Each case dials its own connection, so one broken case hides no other.
#include <netrpc/tls.h>
#include <unistd.h>

#include <bit>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <functional>
#include <future>
#include <iostream>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "interop.h"

namespace {

using namespace std::chrono_literals;
using interop::Color;
using interop::Composite;
using interop::Inner;
using interop::Scalars;

std::string proto;  // the --proto flag

// GobFamily: everything but json and native travels as gob.
bool GobFamily() { return proto == "gob" || proto == "http" || proto == "geerpc"; }

// tls is set by --tls-ca (and --tls-cert, --tls-key): every protocol then runs inside TLS.
std::optional<netrpc::TlsDialOptions> tls;

netrpc::Result<std::unique_ptr<netrpc::Client>> DialTlsProto(const std::string& addr) {
  if (proto == "native") return netrpc::DialTLS("tcp", addr, *tls);
  if (proto == "gob")
    return netrpc::DialTLS("tcp", addr, *tls, {.protocol = netrpc::Protocol::kGob});
  if (proto == "json") {
    return netrpc::DialTLS("tcp", addr, *tls, {.protocol = netrpc::Protocol::kJson});
  }
  if (proto == "http") return netrpc::DialHTTPTLS("tcp", addr, *tls);
  return netrpc::DialTLS("tcp", addr, *tls,
                         {.protocol = netrpc::Protocol::kGob, .gee_option = true});  // geerpc
}

netrpc::Result<std::unique_ptr<netrpc::Client>> DialProto(const std::string& addr) {
  if (tls) return DialTlsProto(addr);
  if (proto == "native") return netrpc::Dial("tcp", addr);
  if (proto == "gob") return netrpc::Dial("tcp", addr, {.protocol = netrpc::Protocol::kGob});
  if (proto == "json") return netrpc::Dial("tcp", addr, {.protocol = netrpc::Protocol::kJson});
  if (proto == "http") return netrpc::DialHTTP("tcp", addr);  // CONNECT /_goRPC_, then gob
  if (proto == "geerpc") {
    return netrpc::Dial("tcp", addr, {.protocol = netrpc::Protocol::kGob, .gee_option = true});
  }
  return netrpc::Error(netrpc::ErrorCode::kUsage, "unknown --proto " + proto);
}

// ---- Field-by-field comparison, as the Go reference client does it: floats by bits (so -0.0
// differs from +0.0), NaN as NaN; a nil and an empty slice or map are equal (gob cannot tell).

// Diff collects the differences of one case and keeps the first few to print.
class Diff {
 public:
  void Add(std::string message) {
    ++count_;
    if (messages_.size() < 4) messages_.push_back(std::move(message));
  }
  bool Empty() const { return count_ == 0; }
  std::string Text() const {
    std::string s;
    for (const std::string& m : messages_) s += (s.empty() ? "" : "; ") + m;
    if (count_ > messages_.size()) s += "; " + std::to_string(count_) + " differences in all";
    return s;
  }

 private:
  size_t count_ = 0;
  std::vector<std::string> messages_;
};

// Show prints a string short enough for one line, escaping what is not printable ASCII.
std::string Show(const std::string& s) {
  std::string out = "\"";
  for (size_t i = 0; i < s.size() && i < 40; ++i) {
    unsigned char c = s[i];
    if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
      out += static_cast<char>(c);
    } else {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02x", c);
      out += hex;
    }
  }
  out += "\"";
  if (s.size() > 40) out += "...(" + std::to_string(s.size()) + " bytes)";
  return out;
}

template <class A, class B>
size_t FirstDiff(const A& a, const B& b) {
  size_t i = 0;
  while (i < a.size() && i < b.size() && a[i] == b[i]) ++i;
  return i;
}

template <class T>
void Eq(Diff& d, const std::string& path, T got, T want) {
  if (got == want) return;
  if constexpr (std::is_enum_v<T>) {
    d.Add(path + " = " + std::to_string(static_cast<int64_t>(got)) + ", want " +
          std::to_string(static_cast<int64_t>(want)));
  } else {
    d.Add(path + " = " + std::to_string(+got) + ", want " + std::to_string(+want));
  }
}

void Str(Diff& d, const std::string& path, const std::string& got, const std::string& want) {
  if (got == want) return;
  d.Add(path + " = " + Show(got) + ", want " + Show(want) + " (first difference at byte " +
        std::to_string(FirstDiff(got, want)) + ")");
}

void ByteSlice(Diff& d, const std::string& path, const netrpc::Bytes& got,
               const netrpc::Bytes& want) {
  if (got == want) return;
  d.Add(path + ": got " + std::to_string(got.size()) + " bytes, want " +
        std::to_string(want.size()) + "; first difference at byte " +
        std::to_string(FirstDiff(got, want)));
}

template <class F>
void Float(Diff& d, const std::string& path, F got, F want) {
  using Bits = std::conditional_t<sizeof(F) == 4, uint32_t, uint64_t>;
  if ((std::isnan(got) && std::isnan(want)) ||
      std::bit_cast<Bits>(got) == std::bit_cast<Bits>(want)) {
    return;
  }
  std::ostringstream s;
  s.precision(17);
  s << path << " = " << got << " (bits 0x" << std::hex << std::bit_cast<Bits>(got) << std::dec
    << "), want " << want << " (bits 0x" << std::hex << std::bit_cast<Bits>(want) << ")";
  d.Add(s.str());
}

void DiffScalars(Diff& d, const std::string& p, const Scalars& got, const Scalars& want) {
  Eq(d, p + "I8", got.I8, want.I8);
  Eq(d, p + "I16", got.I16, want.I16);
  Eq(d, p + "I32", got.I32, want.I32);
  Eq(d, p + "I64", got.I64, want.I64);
  Eq(d, p + "U8", got.U8, want.U8);
  Eq(d, p + "U16", got.U16, want.U16);
  Eq(d, p + "U32", got.U32, want.U32);
  Eq(d, p + "U64", got.U64, want.U64);
  Float(d, p + "F32", got.F32, want.F32);
  Float(d, p + "F64", got.F64, want.F64);
  Eq(d, p + "B", got.B, want.B);
  Str(d, p + "S", got.S, want.S);
  ByteSlice(d, p + "Bytes", got.Bytes, want.Bytes);
  Eq(d, p + "C", got.C, want.C);
}

void DiffInner(Diff& d, const std::string& p, const Inner& got, const Inner& want) {
  Str(d, p + ".Name", got.Name, want.Name);
  if (got.Tags.size() != want.Tags.size()) {
    d.Add(p + ".Tags has " + std::to_string(got.Tags.size()) + " entries, want " +
          std::to_string(want.Tags.size()));
  } else {
    for (size_t i = 0; i < want.Tags.size(); ++i) {
      Str(d, p + ".Tags[" + std::to_string(i) + "]", got.Tags[i], want.Tags[i]);
    }
  }
  if (got.Weights.size() != want.Weights.size()) {
    d.Add(p + ".Weights has " + std::to_string(got.Weights.size()) + " entries, want " +
          std::to_string(want.Weights.size()));
  }
  for (const auto& [k, w] : want.Weights) {
    auto it = got.Weights.find(k);
    if (it == got.Weights.end()) {
      d.Add(p + ".Weights[" + Show(k) + "] missing");
    } else {
      Float(d, p + ".Weights[" + Show(k) + "]", it->second, w);
    }
  }
}

void DiffComposite(Diff& d, const std::string& p, const Composite& got, const Composite& want) {
  Eq(d, p + "ID", got.ID, want.ID);
  if (got.Items.size() != want.Items.size()) {
    d.Add(p + "Items has " + std::to_string(got.Items.size()) + " entries, want " +
          std::to_string(want.Items.size()));
  } else {
    for (size_t i = 0; i < want.Items.size(); ++i) {
      DiffInner(d, p + "Items[" + std::to_string(i) + "]", got.Items[i], want.Items[i]);
    }
  }
  if (got.ByID.size() != want.ByID.size()) {
    d.Add(p + "ByID has " + std::to_string(got.ByID.size()) + " entries, want " +
          std::to_string(want.ByID.size()));
  }
  for (const auto& [k, w] : want.ByID) {
    auto it = got.ByID.find(k);
    if (it == got.ByID.end()) {
      d.Add(p + "ByID[" + std::to_string(k) + "] missing");
    } else {
      DiffInner(d, p + "ByID[" + std::to_string(k) + "]", it->second, w);
    }
  }
  if (got.Opt.has_value() != want.Opt.has_value()) {
    d.Add(p + "Opt is " + (got.Opt ? "set" : "absent") + ", want " + (want.Opt ? "set" : "absent"));
  } else if (want.Opt) {
    DiffInner(d, p + "Opt", *got.Opt, *want.Opt);
  }
  if (got.Matrix.size() != want.Matrix.size()) {
    d.Add(p + "Matrix has " + std::to_string(got.Matrix.size()) + " rows, want " +
          std::to_string(want.Matrix.size()));
  } else {
    for (size_t i = 0; i < want.Matrix.size(); ++i) {
      if (got.Matrix[i].size() != want.Matrix[i].size()) {
        d.Add(p + "Matrix[" + std::to_string(i) + "] has " + std::to_string(got.Matrix[i].size()) +
              " entries, want " + std::to_string(want.Matrix[i].size()));
        continue;
      }
      for (size_t j = 0; j < want.Matrix[i].size(); ++j) {
        Eq(d, p + "Matrix[" + std::to_string(i) + "][" + std::to_string(j) + "]", got.Matrix[i][j],
           want.Matrix[i][j]);
      }
    }
  }
  if (got.Labels.size() != want.Labels.size()) {
    d.Add(p + "Labels has " + std::to_string(got.Labels.size()) + " entries, want " +
          std::to_string(want.Labels.size()));
  }
  for (const auto& [k, w] : want.Labels) {
    auto it = got.Labels.find(k);
    if (it == got.Labels.end()) {
      d.Add(p + "Labels[" + Show(k) + "] missing");
    } else {
      Str(d, p + "Labels[" + Show(k) + "]", it->second, w);
    }
  }
}

// ---- Call helpers. A call that fails where it should not is a difference like any other.

bool EchoScalars(netrpc::Client& c, Diff& d, const std::string& path, const Scalars& sent,
                 const Scalars& want) {
  Scalars got;
  if (netrpc::Error err = c.Call("Interop.EchoScalars", sent, &got)) {
    d.Add(path + ": " + err.message());
    return false;
  }
  DiffScalars(d, path + ".", got, want);
  return true;
}

bool EchoComposite(netrpc::Client& c, Diff& d, const std::string& path, const Composite& sent) {
  Composite got;
  if (netrpc::Error err = c.Call("Interop.EchoComposite", sent, &got)) {
    d.Add(path + ": " + err.message());
    return false;
  }
  DiffComposite(d, path + ".", got, sent);
  return true;
}

// ServerErrorIs is "" when err is a ServerError with exactly the text want, else why not.
std::string ServerErrorIs(const netrpc::Error& err, const std::string& want) {
  if (!err) return "no error, want ServerError " + Show(want);
  if (err.code() != netrpc::ErrorCode::kServerError) {
    return "error " + Show(err.message()) + " (code " +
           std::to_string(static_cast<int>(err.code())) + "), want ServerError " + Show(want);
  }
  if (err.message() != want) return "ServerError " + Show(err.message()) + ", want " + Show(want);
  return "";
}

std::string AsciiUpper(std::string s) {
  for (char& c : s) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return s;
}

netrpc::Bytes BlobWant(int64_t n) {
  netrpc::Bytes b(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) b[i] = interop::BlobByte(i);
  return b;
}

// StillWorks checks that the connection serves a plain call after an error reply.
void StillWorks(netrpc::Client& c, Diff& d) {
  std::string up;
  if (netrpc::Error err = c.Call("Interop.Upper", std::string("still alive"), &up)) {
    d.Add("next call failed: " + err.message());
  } else if (up != "STILL ALIVE") {
    d.Add("next call: Upper = " + Show(up) + ", want \"STILL ALIVE\"");
  }
}

// ---- SPEC.md's cases, in order. Each returns a note for the PASS line and fills d on failure.

std::string ScalarsZero(netrpc::Client& c, Diff& d) {
  EchoScalars(c, d, "zero", Scalars{}, Scalars{});
  return "";
}

std::string ScalarsExtremes(netrpc::Client& c, Diff& d) {
  using std::numeric_limits;
  Scalars min{.I8 = numeric_limits<int8_t>::min(),
              .I16 = numeric_limits<int16_t>::min(),
              .I32 = numeric_limits<int32_t>::min(),
              .I64 = numeric_limits<int64_t>::min(),
              .F32 = -numeric_limits<float>::max(),
              .F64 = -numeric_limits<double>::max(),
              .S = "min",
              .C = Color::kRed};
  Scalars max{.I8 = numeric_limits<int8_t>::max(),
              .I16 = numeric_limits<int16_t>::max(),
              .I32 = numeric_limits<int32_t>::max(),
              .I64 = numeric_limits<int64_t>::max(),
              .U8 = numeric_limits<uint8_t>::max(),
              .U16 = numeric_limits<uint16_t>::max(),
              .U32 = numeric_limits<uint32_t>::max(),
              .U64 = numeric_limits<uint64_t>::max(),
              .F32 = numeric_limits<float>::max(),
              .F64 = numeric_limits<double>::max(),
              .B = true,
              .S = "max",
              .C = Color::kBlue};
  if (!EchoScalars(c, d, "extremes[0]", min, min)) return "";
  if (!EchoScalars(c, d, "extremes[1]", max, max)) return "";
  struct FloatCase {
    const char* name;
    float f32;
    double f64;
    bool in_json;  // JSON has no NaN or infinity
  };
  const FloatCase floats[] = {
      {"denormal", numeric_limits<float>::denorm_min(), numeric_limits<double>::denorm_min(), true},
      {"-denormal", -numeric_limits<float>::denorm_min(), -numeric_limits<double>::denorm_min(),
       true},
      {"-0.0", -0.0f, -0.0, true},
      {"+Inf", numeric_limits<float>::infinity(), numeric_limits<double>::infinity(), false},
      {"-Inf", -numeric_limits<float>::infinity(), -numeric_limits<double>::infinity(), false},
      {"NaN", numeric_limits<float>::quiet_NaN(), numeric_limits<double>::quiet_NaN(), false},
  };
  for (const FloatCase& f : floats) {
    if (!f.in_json && proto == "json") continue;
    Scalars sent{.F32 = f.f32, .F64 = f.f64, .S = f.name};
    Scalars want = sent;
    // gob omits a struct field equal to zero, and -0.0 == 0: the field comes back +0.0, exactly
    // as between two Go programs. native and JSON keep the sign.
    if (GobFamily() && f.f64 == 0) {
      want.F32 = 0;
      want.F64 = 0;
    }
    if (!EchoScalars(c, d, f.name, sent, want)) return "";
  }
  if (GobFamily()) return "gob omits zero fields: -0.0 comes back +0.0";
  if (proto == "json") return "json: +Inf, -Inf, NaN skipped";
  return "";
}

std::string Strings(netrpc::Client& c, Diff& d) {
  std::string big(1 << 20, ' ');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(' ' + i % 95);
  const std::string inputs[] = {"", "héllo, 世界 🚀", std::string("nul\0inside\0", 11), big};
  for (size_t i = 0; i < std::size(inputs); ++i) {
    std::string path = "strings[" + std::to_string(i) + "]";
    if (!EchoScalars(c, d, path, Scalars{.S = inputs[i]}, Scalars{.S = inputs[i]})) return "";
    std::string up;
    if (netrpc::Error err = c.Call("Interop.Upper", inputs[i], &up)) {
      d.Add("Upper(" + path + "): " + err.message());
      return "";
    }
    Str(d, "Upper(" + path + ")", up, AsciiUpper(inputs[i]));
  }
  return "";
}

std::string BytesCase(netrpc::Client& c, Diff& d) {
  netrpc::Bytes all(256);
  for (size_t i = 0; i < all.size(); ++i) all[i] = static_cast<uint8_t>(i);
  netrpc::Bytes big(2 << 20);
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<uint8_t>(i * 31 + (i >> 13));
  const netrpc::Bytes inputs[] = {{}, all, big};
  for (size_t i = 0; i < std::size(inputs); ++i) {
    Scalars s{.Bytes = inputs[i]};
    if (!EchoScalars(c, d, "bytes[" + std::to_string(i) + "]", s, s)) return "";
  }
  return "";
}

std::string CompositeFull(netrpc::Client& c, Diff& d) {
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  Composite sent{
      .ID = 0xDEADBEEFCAFEF00D,
      .Items =
          {
              // A map value is always sent, so unlike a struct field -0.0 keeps its sign on gob.
              {"first", {"a", "b", "c"}, {{"x", 1.5}, {"y", -2.25}, {"z", 0}, {"-0", -0.0}}},
              {"second ü", {""}, {{"tiny", 1e-300}}},
              {"third", {"t"}, {{"max", std::numeric_limits<double>::max()}, {"neg", -1}}},
          },
      .ByID = {{kMin, {"min", {}, {}}},
               {-7, {"neg", {"n"}, {}}},
               {0, {"zero", {}, {}}},
               {42, {"pos", {}, {{"w", 3}}}},
               {kMax, {"max", {}, {}}}},
      .Opt = Inner{"opt", {"o1", "o2"}, {{"p", 0.5}}},
      .Matrix = {{1, 2, 3},
                 {},
                 {-4},
                 {std::numeric_limits<int32_t>::min(), std::numeric_limits<int32_t>::max(), 0, 5,
                  6}},
      .Labels = {{"env", "test"}, {"empty", ""}, {"ünï", "cödé"}},
  };
  EchoComposite(c, d, "full", sent);
  return "";
}

std::string CompositeEmpty(netrpc::Client& c, Diff& d) {
  // C++ has no nil: empty containers and an absent Opt are what Go's nil and empty both become.
  EchoComposite(c, d, "empty", Composite{});
  return "";
}

std::string BuiltinTypes(netrpc::Client& c, Diff& d) {
  std::string up;
  if (netrpc::Error err =
          c.Call("Interop.Upper", std::string("hello, World! ünïcode 123 ~{}"), &up)) {
    d.Add("Upper: " + err.message());
    return "";
  }
  Str(d, "Upper", up, "HELLO, WORLD! üNïCODE 123 ~{}");

  std::vector<int64_t> values(100000);
  uint64_t want = 0;  // unsigned: wraps as Go's int64 does
  for (size_t i = 0; i < values.size(); ++i) {
    values[i] = static_cast<int64_t>((i + 1) * 0x9E3779B97F4A7C15ull);  // spans the whole range
    want += static_cast<uint64_t>(values[i]);
  }
  struct SumCase {
    std::string name;
    std::vector<int64_t> args;
    int64_t want;
  };
  const SumCase sums[] = {
      {"Sum(100000 values)", values, static_cast<int64_t>(want)},
      {"Sum(MaxInt64, 1)",
       {std::numeric_limits<int64_t>::max(), 1},
       std::numeric_limits<int64_t>::min()},
      {"Sum()", {}, 0},
  };
  for (const SumCase& s : sums) {
    int64_t got = 0;
    if (netrpc::Error err = c.Call("Interop.Sum", s.args, &got)) {
      d.Add(s.name + ": " + err.message());
      return "";
    }
    Eq(d, s.name, got, s.want);
  }

  struct ConcatCase {
    std::vector<std::string> args;
    std::string want;
  };
  const ConcatCase concats[] = {
      {{"con", "", "cat", "世界", std::string(1, '\0'), "!"},
       std::string("concat世界") + '\0' + "!"},
      {{}, ""},
  };
  for (const ConcatCase& s : concats) {
    std::string got;
    std::string name = "Concat(" + std::to_string(s.args.size()) + " strings)";
    if (netrpc::Error err = c.Call("Interop.Concat", s.args, &got)) {
      d.Add(name + ": " + err.message());
      return "";
    }
    Str(d, name, got, s.want);
  }
  return "";
}

std::string HandlerError(netrpc::Client& c, Diff& d) {
  int64_t r = 0;
  std::string why = ServerErrorIs(c.Call("Interop.Fail", std::string("bad thing: ünïcode"), &r),
                                  "bad thing: ünïcode");
  if (!why.empty()) {
    d.Add(why);
    return "";
  }
  StillWorks(c, d);
  return "";
}

std::string Unknown(netrpc::Client& c, Diff& d) {
  struct UnknownCase {
    const char* method;
    const char* want;
  };
  for (const UnknownCase& u : {UnknownCase{"Interop.Nope", "rpc: can't find method Interop.Nope"},
                               UnknownCase{"Nope.Echo", "rpc: can't find service Nope.Echo"}}) {
    std::string r;
    std::string why = ServerErrorIs(c.Call(u.method, std::string("x"), &r), u.want);
    if (!why.empty()) {
      d.Add(std::string(u.method) + ": " + why);
      return "";
    }
  }
  StillWorks(c, d);
  return "";
}

// Deadline: netrpc's client gives up by itself and removes the call. The next call is still in
// flight when the late reply (1000) arrives, so a client that handed it on would see 1000.
std::string Deadline(netrpc::Client& c, Diff& d) {
  auto start = std::chrono::steady_clock::now();
  int64_t late = 0;
  netrpc::Error err = c.Call("Interop.Sleep", int64_t{1000}, &late, {.timeout = 100ms});
  auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - start);
  if (err != netrpc::ErrTimeout) {
    d.Add("Sleep(1000) with a 100 ms deadline: got " +
          (err ? Show(err.message()) : std::string("a reply")) + ", want ErrTimeout");
    return "";
  }
  if (elapsed > 300ms) {
    d.Add("deadline noticed after " + std::to_string(elapsed.count()) + " ms, want within 300");
    return "";
  }
  int64_t next = 0;
  if (netrpc::Error next_err = c.Call("Interop.Sleep", int64_t{1200}, &next)) {
    d.Add("next call: " + next_err.message());
  } else if (next != 1200) {
    d.Add("next call: Sleep(1200) = " + std::to_string(next) + " (the late reply?)");
  }
  if (late != 0) d.Add("the timed-out call's reply was written after its deadline");
  return "ErrTimeout after " + std::to_string(elapsed.count()) + " ms";
}

std::string Blob4MiB(netrpc::Client& c, Diff& d) {
  netrpc::Bytes got;
  if (netrpc::Error err = c.Call("Interop.Blob", int64_t{4194304}, &got)) {
    d.Add(err.message());
    return "";
  }
  ByteSlice(d, "Blob(4194304)", got, BlobWant(4194304));
  return "";
}

// Concurrent200 puts 200 mixed calls in flight on one connection before waiting for any.
std::string Concurrent200(netrpc::Client& c, Diff& d) {
  struct Pending {
    std::shared_ptr<netrpc::Call> call;
    std::function<std::string(const netrpc::Error&)> check;  // "" when the reply is right
  };
  std::mutex mu;  // guards done
  std::condition_variable cv;
  int done = 0;
  // A done callback runs on the client's I/O thread: count and wake, never block. Each reply
  // lives in a shared_ptr owned by its check, which outlives the call.
  auto on_done = [&](netrpc::Call&) {
    std::lock_guard lock(mu);
    ++done;
    cv.notify_one();
  };
  auto expect = [](auto got, auto want) {
    return [got, want](const netrpc::Error& err) -> std::string {
      if (err) return err.message();
      if (*got != want) return "got " + std::to_string(*got) + ", want " + std::to_string(want);
      return "";
    };
  };
  std::vector<Pending> calls(200);
  for (int i = 0; i < 200; ++i) {
    Pending& p = calls[i];
    switch (i % 8) {
      case 0: {
        std::string arg = "call " + std::to_string(i) + ": mixed Case ü";
        auto r = std::make_shared<std::string>();
        p.call = c.Go("Interop.Upper", arg, r.get(), {}, on_done);
        p.check = [r, arg](const netrpc::Error& err) -> std::string {
          if (err) return err.message();
          return *r == AsciiUpper(arg) ? "" : "got " + Show(*r);
        };
        break;
      }
      case 1: {
        auto r = std::make_shared<int64_t>();
        std::vector<int64_t> args{i, -2 * i, 3 * i, std::numeric_limits<int64_t>::max()};
        p.call = c.Go("Interop.Sum", args, r.get(), {}, on_done);
        // 2i + MaxInt64 wraps, as in Go.
        int64_t want =
            static_cast<int64_t>(uint64_t(2 * i) + uint64_t(std::numeric_limits<int64_t>::max()));
        p.check = expect(r, want);
        break;
      }
      case 2: {
        auto r = std::make_shared<std::string>();
        std::vector<std::string> args{"c", std::to_string(i), "", "世"};
        p.call = c.Go("Interop.Concat", args, r.get(), {}, on_done);
        std::string want = "c" + std::to_string(i) + "世";
        p.check = [r, want](const netrpc::Error& err) -> std::string {
          if (err) return err.message();
          return *r == want ? "" : "got " + Show(*r);
        };
        break;
      }
      case 3: {
        Scalars s{.I64 = -i,
                  .U32 = static_cast<uint32_t>(i),
                  .F64 = i / 3.0,
                  .S = "s" + std::to_string(i),
                  .Bytes = BlobWant(i),
                  .C = Color::kGreen};
        auto r = std::make_shared<Scalars>();
        p.call = c.Go("Interop.EchoScalars", s, r.get(), {}, on_done);
        p.check = [r, s](const netrpc::Error& err) -> std::string {
          if (err) return err.message();
          Diff sd;
          DiffScalars(sd, "", *r, s);
          return sd.Text();
        };
        break;
      }
      case 4: {
        auto r = std::make_shared<int64_t>();
        p.call = c.Go("Interop.Sleep", int64_t{i % 20}, r.get(), {}, on_done);
        p.check = expect(r, int64_t{i % 20});
        break;
      }
      case 5: {
        std::string text = "error " + std::to_string(i);
        auto r = std::make_shared<int64_t>();
        p.call = c.Go("Interop.Fail", text, r.get(), {}, on_done);
        p.check = [r, text](const netrpc::Error& err) { return ServerErrorIs(err, text); };
        break;
      }
      case 6: {
        auto r = std::make_shared<netrpc::Bytes>();
        p.call = c.Go("Interop.Blob", int64_t{i * 100}, r.get(), {}, on_done);
        p.check = [r, i](const netrpc::Error& err) -> std::string {
          if (err) return err.message();
          Diff bd;
          ByteSlice(bd, "", *r, BlobWant(i * 100));
          return bd.Text();
        };
        break;
      }
      case 7: {
        Composite s{.ID = static_cast<uint64_t>(i),
                    .Items = {Inner{std::to_string(i), {"x"}, {}}},
                    .Labels = {{"i", std::to_string(i)}}};
        auto r = std::make_shared<Composite>();
        p.call = c.Go("Interop.EchoComposite", s, r.get(), {}, on_done);
        p.check = [r, s](const netrpc::Error& err) -> std::string {
          if (err) return err.message();
          Diff cd;
          DiffComposite(cd, "", *r, s);
          return cd.Text();
        };
        break;
      }
    }
  }
  {
    std::unique_lock lock(mu);
    if (!cv.wait_for(lock, 30s, [&] { return done == 200; })) {
      d.Add("only " + std::to_string(done) + " of 200 replies within 30 s");
      lock.unlock();
      c.Close();  // completes the rest with ErrShutdown; each then runs its callback
      lock.lock();
      cv.wait(lock, [&] { return done == 200; });  // before mu and cv go away
      return "";
    }
  }
  for (int i = 0; i < 200; ++i) {
    std::string why = calls[i].check(calls[i].call->Wait());
    if (!why.empty()) {
      d.Add("call " + std::to_string(i) + " (" + calls[i].call->ServiceMethod() + "): " + why);
    }
  }
  return "";
}

std::string Count(netrpc::Client& c, Diff& d) {
  // A fresh key per run: the server counts for its whole life, across every client.
  std::string key = "count/cpp/" + proto + "/" + std::to_string(::getpid()) + "/" +
                    std::to_string(std::chrono::steady_clock::now().time_since_epoch().count());
  for (int64_t i = 1; i <= 5; ++i) {
    int64_t n = 0;
    if (netrpc::Error err = c.Call("Interop.Count", key, &n)) {
      d.Add("call " + std::to_string(i) + ": " + err.message());
      return "";
    }
    if (n != i) {
      d.Add("call " + std::to_string(i) + " returned " + std::to_string(n));
      return "";
    }
  }
  return "";
}

struct Case {
  const char* name;
  std::string (*run)(netrpc::Client&, Diff&);
};

constexpr Case kCases[] = {
    {"scalars-zero", ScalarsZero},
    {"scalars-extremes", ScalarsExtremes},
    {"strings", Strings},
    {"bytes", BytesCase},
    {"composite-full", CompositeFull},
    {"composite-empty", CompositeEmpty},
    {"builtin-types", BuiltinTypes},
    {"handler-error", HandlerError},
    {"unknown", Unknown},
    {"deadline", Deadline},
    {"blob-4MiB", Blob4MiB},
    {"concurrent-200", Concurrent200},
    {"count", Count},
};

constexpr auto kCaseTimeout = 60s;

// RunCase dials a connection for one case and gives up on it after kCaseTimeout; closing the
// client then fails whatever the case still waits for, so the case thread always ends.
bool RunCase(const std::string& addr, const Case& tc, std::string* note, std::string* why) {
  auto client = DialProto(addr);
  if (!client.ok()) {
    *why = "dial: " + client.error().message();
    return false;
  }
  Diff d;
  std::packaged_task<std::string()> task([&] { return tc.run(**client, d); });
  auto result = task.get_future();
  std::thread runner(std::move(task));
  if (result.wait_for(kCaseTimeout) != std::future_status::ready) {
    client->Close();
    runner.join();
    *why = "no result within 60 s";
    return false;
  }
  runner.join();
  *note = result.get();
  *why = d.Text();
  return d.Empty();
}

}  // namespace

int main(int argc, char** argv) {
  std::string addr;
  proto = "native";
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--addr" || flag == "-addr") {
      addr = argv[i + 1];
    } else if (flag == "--proto" || flag == "-proto") {
      proto = argv[i + 1];
    } else if (flag == "--tls-ca") {
      if (!tls) tls.emplace();
      tls->ca_file = argv[i + 1];
    } else if (flag == "--tls-cert") {
      if (!tls) tls.emplace();
      tls->certificate.cert_file = argv[i + 1];
    } else if (flag == "--tls-key") {
      if (!tls) tls.emplace();
      tls->certificate.key_file = argv[i + 1];
    }
  }
  if (addr.empty() || (proto != "native" && proto != "gob" && proto != "json" && proto != "http" &&
                       proto != "geerpc")) {
    std::cerr << "usage: interop_client [--tls-ca FILE [--tls-cert FILE --tls-key FILE]] "
                 "--addr HOST:PORT --proto native|gob|json|http|geerpc\n";
    return 2;
  }
  int passed = 0, failed = 0;
  for (const Case& tc : kCases) {
    std::string note, why;
    if (RunCase(addr, tc, &note, &why)) {
      ++passed;
      std::cout << "PASS " << tc.name << (note.empty() ? "" : " (" + note + ")") << std::endl;
    } else {
      ++failed;
      std::cout << "FAIL " << tc.name << ": " << why << std::endl;
    }
  }
  std::cout << passed << " passed, " << failed << " failed" << std::endl;
  return failed > 0 ? 1 : 0;
}
