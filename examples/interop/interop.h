// interop.h: the Interop conformance service of /work/shared/interop/SPEC.md, shared by the
// server and the client. Field names and kinds are Go's, since gob and JSON match them by name.
#pragma once

#include <netrpc/netrpc.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace interop {

// Color travels as a Go int (type Color int), as every C++ enum does.
enum class Color : int64_t { kRed = 0, kGreen = 1, kBlue = 2 };

// Every member has an initializer so that designated initializers may leave any of them out
// (g++'s -Wmissing-field-initializers asks for that).
struct Scalars {
  int8_t I8 = 0;
  int16_t I16 = 0;
  int32_t I32 = 0;
  int64_t I64 = 0;
  uint8_t U8 = 0;
  uint16_t U16 = 0;
  uint32_t U32 = 0;
  uint64_t U64 = 0;
  float F32 = 0;
  double F64 = 0;
  bool B = false;
  std::string S{};
  netrpc::Bytes Bytes{};
  Color C = Color::kRed;
};
NETRPC_STRUCT(Scalars, I8, I16, I32, I64, U8, U16, U32, U64, F32, F64, B, S, Bytes, C);

struct Inner {
  std::string Name{};
  std::vector<std::string> Tags{};
  std::map<std::string, double> Weights{};
};
NETRPC_STRUCT(Inner, Name, Tags, Weights);

struct Composite {
  uint64_t ID = 0;
  std::vector<Inner> Items{};
  std::map<int64_t, Inner> ByID{};
  std::optional<Inner> Opt{};  // Go's *Inner: nil travels as absent
  std::vector<std::vector<int32_t>> Matrix{};
  std::map<std::string, std::string> Labels{};
};
NETRPC_STRUCT(Composite, ID, Items, ByID, Opt, Matrix, Labels);

// BlobByte is byte i of Blob's reply, so that both sides can check a blob byte for byte.
inline uint8_t BlobByte(int64_t i) { return static_cast<uint8_t>(i * 7 % 251); }

// Interop implements SPEC.md's methods. Plain handlers run on the server's worker pool, so a
// sleeping call holds one worker thread and never the connection.
class Interop {
 public:
  netrpc::Error EchoScalars(const Scalars& args, Scalars* reply) {
    *reply = args;
    return {};
  }
  netrpc::Error EchoComposite(const Composite& args, Composite* reply) {
    *reply = args;
    return {};
  }
  // Upper changes ASCII letters only; the bytes of UTF-8 sequences are all >= 0x80.
  netrpc::Error Upper(const std::string& args, std::string* reply) {
    *reply = args;
    for (char& c : *reply) {
      if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    }
    return {};
  }
  // Sum wraps on overflow like Go's int64 addition; unsigned arithmetic makes that defined.
  netrpc::Error Sum(const std::vector<int64_t>& args, int64_t* reply) {
    uint64_t sum = 0;
    for (int64_t v : args) sum += static_cast<uint64_t>(v);
    *reply = static_cast<int64_t>(sum);
    return {};
  }
  netrpc::Error Concat(const std::vector<std::string>& args, std::string* reply) {
    reply->clear();
    for (const std::string& s : args) *reply += s;
    return {};
  }
  netrpc::Error Fail(const std::string& args, int64_t*) { return netrpc::Error(args); }
  netrpc::Error Sleep(const int64_t& args, int64_t* reply) {
    if (args > 0) std::this_thread::sleep_for(std::chrono::milliseconds(args));
    *reply = args;
    return {};
  }
  netrpc::Error Blob(const int64_t& args, netrpc::Bytes* reply) {
    if (args < 0 || args > kMaxBlob) {
      return netrpc::Error("Blob: size " + std::to_string(args) + " out of range [0, " +
                           std::to_string(kMaxBlob) + "]");
    }
    reply->resize(static_cast<size_t>(args));
    for (int64_t i = 0; i < args; ++i) (*reply)[i] = BlobByte(i);
    return {};
  }
  // Count is called from many worker threads at once: the map needs its lock.
  netrpc::Error Count(const std::string& args, int64_t* reply) {
    std::lock_guard lock(mu_);
    *reply = ++counts_[args];
    return {};
  }

 private:
  static constexpr int64_t kMaxBlob = int64_t{256} << 20;  // refuse sizes that exhaust memory

  std::mutex mu_;  // guards counts_
  std::map<std::string, int64_t> counts_;
};
NETRPC_SERVICE(Interop, EchoScalars, EchoComposite, Upper, Sum, Concat, Fail, Sleep, Blob, Count);

}  // namespace interop
