// native.cc: the native protocol's server and client codecs.
// Method names are interned per connection: sent in full once, then as a small id.
#include "codec/native.h"

#include <atomic>
#include <bit>
#include <cstring>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <utility>
#include <vector>

#include "codec/native_records.h"
#include "codec/native_type.h"
#include "codec/native_value.h"

namespace netrpc::codec {
namespace {

static_assert(std::endian::native == std::endian::little, "native codec assumes little-endian");

constexpr uint8_t kRequest = 1;
constexpr uint8_t kResponse = 2;
constexpr uint8_t kResponseX = 3;  // with extension records: only to a client that sent a hello
constexpr uint8_t kCancel = 4;     // only to a server that answered with a kResponseX
constexpr uint64_t kHelloSeq = std::numeric_limits<uint64_t>::max();
// seq' = seq << 2 | t << 1 | x (native.h).
constexpr uint64_t kHasRecords = 1;
constexpr uint64_t kWantsTypes = 2;
constexpr int kSeqShift = 2;
constexpr size_t kFrameHeader = 4;
constexpr size_t kMaxMethodIds = 1024;  // per connection; later names travel in full

Error TooLarge(size_t n, size_t limit) {
  return Error(ErrorCode::kTooLarge, "native: frame of " + std::to_string(n) +
                                         " bytes exceeds the limit of " + std::to_string(limit));
}

Error Malformed(std::string_view what) {
  return Error(ErrorCode::kProtocol, "native: malformed frame: " + std::string(what));
}

// SameName is a == b, without a call for the 8 to 16 bytes most "Service.Method" names have:
// the server compares each request's method name with the one before.
inline bool SameName(const std::string& a, const std::string& b) {
  size_t n = a.size();
  if (n != b.size()) return false;
  if (n < 8 || n > 16) return std::memcmp(a.data(), b.data(), n) == 0;
  uint64_t a0, a1, b0, b1;  // the first and the last 8 bytes, which overlap below 16
  std::memcpy(&a0, a.data(), 8);
  std::memcpy(&a1, a.data() + n - 8, 8);
  std::memcpy(&b0, b.data(), 8);
  std::memcpy(&b1, b.data() + n - 8, 8);
  return ((a0 ^ b0) | (a1 ^ b1)) == 0;
}

// FrameReader finds the next frame in `in`, after the preamble when it is still expected.
class FrameReader {
 public:
  // Only the client opens the stream with the preamble: servers answer with frames alone.
  FrameReader(const Limits& limits, bool expect_preamble)
      : limits_(limits), preamble_seen_(!expect_preamble) {}

  // Next sets *payload to the next frame's payload, and returns the bytes it spans.
  ReadResult Next(std::string_view in, std::string_view* payload) {
    size_t start = 0;
    if (!preamble_seen_) {
      if (in.size() < kNativePreamble.size()) {
        if (in != kNativePreamble.substr(0, in.size())) return {0, Malformed("bad preamble")};
        return {};
      }
      if (in.substr(0, kNativePreamble.size()) != kNativePreamble) {
        return {0, Malformed("bad preamble")};
      }
      start = kNativePreamble.size();
    }
    if (in.size() - start < kFrameHeader) return {};
    uint32_t n;
    std::memcpy(&n, in.data() + start, 4);
    if (n > limits_.max_message_bytes) return {0, TooLarge(n, limits_.max_message_bytes)};
    if (n == 0) return {0, Malformed("empty frame")};
    if (in.size() - start - kFrameHeader < n) return {};
    preamble_seen_ = true;
    *payload = in.substr(start + kFrameHeader, n);
    return {start + kFrameHeader + n, {}};
  }

  // Partial sets *payload to the part of the next frame's payload that has arrived, when its
  // length is known but not all of it is there, and returns the whole payload's size (else 0).
  // Nothing is consumed: the frame is still the next one.
  size_t Partial(std::string_view in, std::string_view* payload) const {
    size_t start = preamble_seen_ ? 0 : kNativePreamble.size();
    if (in.size() < start + kFrameHeader) return 0;
    if (!preamble_seen_ && in.substr(0, start) != kNativePreamble) return 0;
    uint32_t n;
    std::memcpy(&n, in.data() + start, 4);
    if (n > limits_.max_message_bytes || n == 0 || in.size() - start - kFrameHeader >= n) return 0;
    *payload = in.substr(start + kFrameHeader);
    return n;
  }
  // Skip accounts for a frame read in part as if Next had returned it.
  void Skip() { preamble_seen_ = true; }

 private:
  const Limits& limits_;
  bool preamble_seen_;
};

// FrameWriter appends a frame whose length is patched in once the payload is written; the
// length counts the bytes the payload borrowed, which are sent in their place.
class FrameWriter {
 public:
  FrameWriter(std::string* out, bool preamble, Borrowed* borrowed = nullptr)
      : out_(out), borrowed_(borrowed), begin_(out->size()) {
    if (borrowed_) {
      spans_before_ = borrowed_->spans.size();
      borrowed_before_ = borrowed_->bytes;
    }
    if (preamble) out_->append(kNativePreamble);
    len_at_ = out_->size();
    out_->append(kFrameHeader, '\0');
  }
  Error Finish(const Limits& limits) {
    size_t n = out_->size() - len_at_ - kFrameHeader;
    if (borrowed_) n += borrowed_->bytes - borrowed_before_;
    if (n > limits.max_message_bytes) {
      out_->resize(begin_);
      if (borrowed_) borrowed_->Truncate(spans_before_);
      return TooLarge(n, limits.max_message_bytes);
    }
    uint32_t n32 = static_cast<uint32_t>(n);
    std::memcpy(out_->data() + len_at_, &n32, 4);
    return {};
  }

 private:
  std::string* out_;
  Borrowed* borrowed_;
  size_t begin_;
  size_t len_at_;
  size_t spans_before_ = 0;
  size_t borrowed_before_ = 0;
};

// LargeHeader is what a Large*Header call parsed of a message that has not all arrived, so
// that the calls after it on the same message do not parse its header again.
struct LargeHeader {
  size_t whole = 0;      // the frame's payload size; 0: nothing parsed
  size_t body_at = 0;    // where the body starts in the payload
  bool interns = false;  // a request that introduces a method id, committed once it is read
  bool records = false;  // a request whose extension records follow its body
  size_t method_id = 0;  // the request's method id, once known; 0: its name came in full
  std::string name;      // the method's name, if interned now or sent in full with records
};

// kMaxLargeRecords bounds the records a large request may carry after its tail (a type, a
// deadline, metadata): a request with more is read through the buffer.
constexpr size_t kMaxLargeRecords = 64 << 10;

class NativeServerCodec final : public ServerCodec, public LargeMessages, public NativeServer {
 public:
  NativeServerCodec(const Limits& limits, Conn conn, NativeVersion version)
      : ServerCodec(std::move(conn)),
        limits_(limits),
        frames_(limits_, true),
        v1_(version == NativeVersion::kV1) {}

  LargeMessages* Large() override { return this; }

  ReadResult ReadRequestHeader(std::string_view in, Request* header) override {
    std::string_view payload;
    ReadResult r = frames_.Next(in, &payload);
    if (r.consumed == 0) return r;
    large_.whole = 0;  // a large header looked at before is this message's, and now stale
    size_t body_at = 0;
    size_t body_end = 0;
    if (Error err = ParseHeader(payload, header, &body_at, &body_end)) return {0, err};
    body_ = std::string_view(payload.data() + body_at, body_end - body_at);  // both checked
    return r;
  }

  size_t LargeRequestHeader(std::string_view in, Request* header) override {
    std::string_view part;
    size_t whole = frames_.Partial(in, &part);
    large_ = {};
    if (whole == 0 || ParseHeader(part, header, &large_.body_at, nullptr, &large_)) return 0;
    large_.whole = whole;
    if (large_.interns || (large_.records && large_.method_id == 0)) {
      large_.name = header->service_method;
    }
    return in.size() - part.size() + whole;
  }

  ReadResult LargeRequestBody(std::string_view in, Value body, Tail* tail) override {
    std::string_view part;
    if (large_.whole == 0 || frames_.Partial(in, &part) != large_.whole) return {};
    // A type the client's does not match is refused by the usual path, with its error.
    if (check_ != nullptr && check_->matched != body.type &&
        NativeFingerprint(body.type) != check_->client_type) {
      return {};
    }
    *tail = {};
    NativeReader reader(part.substr(large_.body_at), large_.whole - large_.body_at, tail, limits_);
    // Records follow the body: the tail ends before the frame, by their size and trailer.
    if (large_.records) reader.AllowAfter(kRecordsTrailer, kMaxLargeRecords);
    if (reader.ReadValue(body) || tail->object == nullptr) return {};
    if (large_.interns) {
      large_.method_id = AddMethod(std::move(large_.name));
    }
    large_end_ = std::exchange(large_, {});
    frames_.Skip();
    return {in.size(), {}};
  }

  Error LargeRequestEnd(const Tail& tail, Value body, Error* call_err) override {
    LargeHeader end = std::exchange(large_end_, {});
    if (!end.records) return {};
    // As SplitCallRecords on the whole payload, from the trailer at the end of tail.after.
    std::string_view after = tail.after;
    if (after.size() < kRecordsTrailer) return Malformed("truncated records");
    uint32_t n = 0;
    std::memcpy(&n, after.data() + after.size() - kRecordsTrailer, 4);
    if (n > end.whole - end.body_at - kRecordsTrailer) return Malformed("bad records size");
    // Records that reach back into the body's last value: the usual path would fail the call
    // on its bytes. Only a broken client sends them; its stream is taken as broken.
    if (n > after.size() - kRecordsTrailer) return Malformed("records overlap the body");
    MethodTypes* method = end.method_id != 0 ? &methods_[end.method_id - 1] : nullptr;
    std::string_view records = after.substr(after.size() - kRecordsTrailer - n, n);
    if (Error err = ApplyRecords(records, method, end.name)) return err;
    if (check_ != nullptr && check_->matched != body.type) *call_err = CheckArgs(body.type);
    return {};
  }

  Error ReadRequestBody(Value body) override {
    if (body.object == nullptr) return {};
    // One compare once the types agreed; an error is then the bytes' own fault.
    if (body.type != expect_) [[unlikely]]
      return ReadChecked(body);
    NativeReader reader(body_, limits_);
    return reader.ReadValue(body);
  }

  // The client's half of the capability has no use on a server.
  size_t LargeResponseHeader(std::string_view, Response*) override { return 0; }
  bool LargeResponseTail(std::string_view, const TypeInfo*, TailPlan*) override { return false; }
  Error LargeResponseBody(std::string_view, Value, void*) override {
    return Malformed("not a client");
  }

  Error WriteResponse(const Response& header, ConstValue body, std::string* out) override {
    return WriteResponse(header, body, out, nullptr);
  }
  Error WriteResponse(const Response& header, ConstValue body, std::string* out,
                      Borrowed* borrowed) override {
    FrameWriter frame(out, false, borrowed);
    // seq' of a client that sent its hello says whether the answer takes records; an older
    // client's seq is a plain number and its answers are always type 2.
    if ((header.seq & kHasRecords) && extended_.load(std::memory_order_acquire)) {
      out->push_back(static_cast<char>(kResponseX));
      AppendVarint(header.seq, out);
      bool typed = (header.seq & kWantsTypes) && header.error.empty() && body.object != nullptr;
      AppendReplyRecords(typed ? std::string_view(NativeFingerprint(body.type)) : "", out);
    } else {
      out->push_back(static_cast<char>(kResponse));
      AppendVarint(header.seq, out);
    }
    AppendVarint(header.error.size(), out);
    out->append(header.error);
    if (header.error.empty() && body.object != nullptr) AppendNativeValue(body, out, borrowed);
    return frame.Finish(limits_);
  }

  // NativeServer.
  const NativeRequest& Last() const override { return last_; }
  uint64_t CallSeq(uint64_t wire_seq) const override {
    return extended_.load(std::memory_order_relaxed) ? wire_seq >> kSeqShift : wire_seq;
  }

 private:
  // What the server knows of a method's argument type as the client described it.
  struct MethodTypes {
    std::string name;
    std::string client_type;            // empty: never described (an older client)
    const TypeInfo* matched = nullptr;  // our type that equals it, once compared
  };

  // CheckArgs compares our argument type with the one the client described, once per type.
  [[gnu::noinline]] Error CheckArgs(const TypeInfo* t) {
    const std::string& ours = NativeFingerprint(t);
    if (ours != check_->client_type) {
      return TypeMismatch(check_->name, "client sends", check_->client_type, "server expects",
                          ours);
    }
    check_->matched = t;  // later calls compare the pointer only
    return {};
  }

  // ReadChecked reads a body whose type has not been found equal to the client's: compared
  // now if the client described it, else (an older client) an error names the type it did
  // not decode as.
  [[gnu::noinline]] Error ReadChecked(Value body) {
    if (check_ != nullptr && check_->matched != body.type) {
      if (Error err = CheckArgs(body.type)) return err;
    }
    NativeReader reader(body_, limits_);
    Error err = reader.ReadValue(body);
    if (err && check_ == nullptr) AddTypeHint(&err, body.type);
    return err;
  }

  // AddTypeHint names the type a body did not decode as: a client of another type that sent
  // no fingerprint (an older one) gets that said, not only where the bytes ran out.
  [[gnu::noinline, gnu::cold]] static void AddTypeHint(Error* err, const TypeInfo* t) {
    *err = Error(err->code(), err->message() + " (decoding " + NativeFingerprint(t) +
                                  ": the client sent another type?)");
  }

  // ParseHeader reads a request's header from the start of its payload, and its records from
  // the end. With `large` (a peek at a part, body_end null), a newly interned method name does
  // not count yet and the records are left for LargeRequestEnd: *large says what was found.
  // Inlined: it is most of a call's header cost, and its Error is then built only on failure.
  [[gnu::always_inline]] Error ParseHeader(std::string_view payload, Request* header,
                                           size_t* body_at, size_t* body_end,
                                           LargeHeader* large = nullptr) {
    const bool commit = large == nullptr;
    NativeReader reader(payload, limits_);
    std::string_view kind;
    uint64_t tag = 0;
    check_ = nullptr;
    expect_ = nullptr;
    if (extras_) [[unlikely]] {
      extras_ = false;
      last_.control = NativeRequest::Control::kNone;
      last_.timeout = {};
      last_.metadata.clear();
    }
    if (!reader.ReadBytes(1, &kind)) return Malformed("not a request");
    if (kind[0] != kRequest) [[unlikely]] {
      if (kind[0] != kCancel || !extended_.load(std::memory_order_relaxed)) {
        return Malformed("not a request");
      }
      uint64_t seq = 0;
      if (!reader.ReadVarint(&seq)) return Malformed("truncated cancel");
      if (body_end == nullptr) return Malformed("a cancel");  // never large
      if (commit) {
        extras_ = true;
        last_.control = NativeRequest::Control::kCancel;
        last_.cancel_seq = seq;
      }
      *body_at = *body_end = reader.Position();
      return {};
    }
    if (!reader.ReadVarint(&header->seq) || !reader.ReadVarint(&tag)) {
      return Malformed("truncated request header");
    }
    uint64_t id = tag >> 1;
    MethodTypes* method = nullptr;
    if (tag & 1) {  // the name follows; a non-zero id asks us to remember it
      uint64_t len = 0;
      std::string_view name;
      if (!reader.ReadVarint(&len) || !reader.ReadBytes(len, &name)) {
        return Malformed("truncated method name");
      }
      header->service_method.assign(name);
      if (id != 0) {
        if (id != method_count_ + 1 || id > kMaxMethodIds) return Malformed("bad method id");
        if (commit) {
          method = &methods_[AddMethod(std::string(name)) - 1];
        }
        if (large != nullptr) large->interns = true;
      } else if (header->seq == kHelloSeq && name == kNativeHello && !v1_) {
        if (commit) {
          extended_.store(true, std::memory_order_release);
          extras_ = true;
          last_.control = NativeRequest::Control::kHello;
        }
        *body_at = reader.Position();
        if (body_end != nullptr) *body_end = payload.size();
        return {};
      }
    } else {
      // A count of our own: methods_.size() would divide by the entry's size every request.
      if (id - 1 >= method_count_) return Malformed("unknown method id");
      method = &methods_[id - 1];
      if (large != nullptr) large->method_id = id;
      // Most requests repeat the method of the one before: comparing costs less than copying.
      if (!SameName(header->service_method, method->name)) header->service_method = method->name;
    }
    *body_at = reader.Position();
    if (method != nullptr) {
      check_ = method->client_type.empty() ? nullptr : method;
      expect_ = method->matched;
    }
    if (!(header->seq & kHasRecords) || !extended_.load(std::memory_order_relaxed)) [[likely]] {
      if (body_end != nullptr) *body_end = payload.size();
      return {};
    }
    if (large != nullptr) {
      large->records = true;
      return {};
    }
    return ParseRecords(payload, header, method, body_at, body_end);
  }

  // ParseRecords reads the records at the end of a request: the type the client describes
  // becomes its method's (or, for a name sent in full, this request's), the rest last_'s.
  [[gnu::noinline]] Error ParseRecords(std::string_view payload, Request* header,
                                       MethodTypes* method, size_t* body_at, size_t* body_end) {
    std::string_view bytes;
    if (Error err = SplitCallRecords(payload, *body_at, body_end, &bytes)) return err;
    return ApplyRecords(bytes, method, header->service_method);
  }

  // AddMethod interns a method name under the next id, which it returns.
  size_t AddMethod(std::string name) {
    methods_.push_back({std::move(name), {}, nullptr});
    return ++method_count_;
  }

  // ApplyRecords takes in a request's records; `name` is its method's, for a name sent in full.
  Error ApplyRecords(std::string_view bytes, MethodTypes* method, const std::string& name) {
    CallRecords call;
    extras_ = true;
    if (Error err = ReadCallRecords(bytes, limits_, &call, &last_)) return err;
    if (call.has_type) {
      if (method == nullptr) {
        scratch_ = {name, std::string(call.type), nullptr};
        method = &scratch_;
      } else if (method->client_type != call.type) {
        method->client_type.assign(call.type);
        method->matched = nullptr;
      }
      check_ = method;
      expect_ = method->matched;
    }
    return {};
  }

  Limits limits_;
  FrameReader frames_;
  std::vector<MethodTypes> methods_;  // method id - 1 → its name and the client's type
  size_t method_count_ = 0;           // methods_.size()
  MethodTypes scratch_;               // of a request whose name came in full
  MethodTypes* check_ = nullptr;      // the request's method, if its client described a type
  const TypeInfo* expect_ = nullptr;  // check_'s type once found equal to ours: no check then
  std::string_view body_;             // of the request just parsed, inside the caller's buffer
  LargeHeader large_;                 // LargeRequestHeader's parse, for LargeRequestBody
  LargeHeader large_end_;             // LargeRequestBody's message, for LargeRequestEnd
  // The client sent its hello. Set by the reader before any request that relies on it is
  // dispatched; read by WriteResponse, which may run on another thread.
  std::atomic<bool> extended_{false};
  bool v1_;  // never extended: as an older server
  NativeRequest last_;
  bool extras_ = false;  // last_ holds more than kNone: clear it before the next request
};

class NativeClientCodec final : public ClientCodec, public LargeMessages, public NativeClient {
 public:
  NativeClientCodec(const Limits& limits, Conn conn, NativeVersion version)
      : ClientCodec(std::move(conn)), limits_(limits), frames_(limits_, false) {
    if (version == NativeVersion::kV1) {  // as an older client: no hello, plain seqs
      hello_sent_ = true;
      v1_ = true;
      server_.store(Server::kOld);
      seq_shift_ = 0;
    }
  }

  LargeMessages* Large() override { return this; }
  // The server's half of the capability has no use on a client.
  size_t LargeRequestHeader(std::string_view, Request*) override { return 0; }
  ReadResult LargeRequestBody(std::string_view, Value, Tail*) override { return {}; }
  Error LargeRequestEnd(const Tail&, Value, Error*) override { return Malformed("not a server"); }
  Error WriteResponse(const Response&, ConstValue, std::string*, Borrowed*) override {
    return Malformed("not a server");
  }

  Error WriteRequest(const Request& header, ConstValue body, std::string* out) override {
    return WriteCall(header, body, NativeCallExtras{}, out);
  }

  Error WriteCall(const Request& header, ConstValue body, const NativeCallExtras& extras,
                  std::string* out) override {
    size_t begin = out->size();
    bool preamble = !preamble_sent_;
    if (!hello_sent_) {
      FrameWriter hello(out, preamble);
      preamble = false;
      out->push_back(static_cast<char>(kRequest));
      AppendVarint(kHelloSeq, out);
      AppendVarint(1, out);  // id 0, the name in full: no id is taken from the calls
      AppendVarint(kNativeHello.size(), out);
      out->append(kNativeHello);
      if (Error err = hello.Finish(limits_)) return err;
    }
    FrameWriter frame(out, preamble);
    out->push_back(static_cast<char>(kRequest));
    Server server = server_.load(std::memory_order_acquire);
    MethodTypes* method = nullptr;
    bool interned_now = false;
    auto it = ids_.find(header.service_method);
    if (it != ids_.end()) method = &it->second;
    // The types travel until a reply has shown both sides agree; not to an older server.
    bool types = server != Server::kOld && body.object != nullptr &&
                 (method == nullptr || !method->agreed.load(std::memory_order_acquire) ||
                  method->args_type != body.type || method->reply_type != extras.reply_type);
    bool records =
        types ||
        (server != Server::kOld &&
         (extras.timeout.count() > 0 || (extras.metadata != nullptr && !extras.metadata->empty())));
    AppendVarint(
        v1_ ? header.seq
            : header.seq << kSeqShift | (types ? kWantsTypes : 0) | (records ? kHasRecords : 0),
        out);
    if (method != nullptr) {
      AppendVarint(method->id << 1, out);
    } else {
      uint64_t id = 0;
      if (ids_.size() < kMaxMethodIds) {
        id = ids_.size() + 1;
        method = &ids_[header.service_method];
        method->id = id;
        interned_now = true;
      }
      AppendVarint((id << 1) | 1, out);
      AppendVarint(header.service_method.size(), out);
      out->append(header.service_method);
    }
    if (body.object != nullptr) AppendNativeValue(body, out);
    if (records) {
      AppendCallRecords(types ? std::string_view(NativeFingerprint(body.type)) : "", extras.timeout,
                        extras.metadata, out);
    }
    if (Error err = frame.Finish(limits_)) {
      // the server never saw it: send the name again next time
      if (interned_now) ids_.erase(header.service_method);
      out->resize(begin);
      return err;
    }
    if (types) {
      std::lock_guard lock(mu_);
      if (method != nullptr &&
          (method->args_type != body.type || method->reply_type != extras.reply_type)) {
        method->args_type = body.type;
        method->reply_type = extras.reply_type;
        method->agreed.store(false, std::memory_order_release);
      }
      typed_calls_[header.seq] = {method, header.service_method, body.type, extras.reply_type};
    }
    hello_sent_ = true;
    preamble_sent_ = true;
    return {};
  }

  bool WriteCancel(uint64_t seq, std::string* out) override {
    if (server_.load(std::memory_order_acquire) != Server::kNew) return false;
    FrameWriter frame(out, false);
    out->push_back(static_cast<char>(kCancel));
    AppendVarint(seq, out);
    return !frame.Finish(limits_);
  }

  ReadResult ReadResponseHeader(std::string_view in, Response* header) override {
    std::string_view payload;
    ReadResult r = frames_.Next(in, &payload);
    if (r.consumed == 0) return r;
    large_.whole = 0;  // a large header looked at before is this message's, and now stale
    size_t body_at = 0;
    if (Error err = ParseHeader(payload, header, &body_at)) return {0, err};
    body_ = payload.substr(body_at);
    return r;
  }

  size_t LargeResponseHeader(std::string_view in, Response* header) override {
    std::string_view part;
    size_t whole = frames_.Partial(in, &part);
    large_ = {};
    if (whole == 0 || ParseHeader(part, header, &large_.body_at, false)) return 0;
    // An error reply has no tail to read; a reply still to be type-checked takes the usual path.
    if (header->error.empty() && !typed_) large_.whole = whole;
    return in.size() - part.size() + whole;
  }

  bool LargeResponseTail(std::string_view in, const TypeInfo* type, TailPlan* plan) override {
    std::string_view part;
    if (large_.whole == 0 || frames_.Partial(in, &part) != large_.whole) return false;
    Tail unused;
    NativeReader reader(part.substr(large_.body_at), large_.whole - large_.body_at, &unused,
                        limits_);
    *plan = {};
    return reader.PlanTail(type, plan);
  }

  Error LargeResponseBody(std::string_view in, Value body, void* staged) override {
    std::string_view part;
    LargeHeader large = std::exchange(large_, {});
    if (large.whole == 0 || frames_.Partial(in, &part) != large.whole) {
      return Malformed("staged response without its start");
    }
    frames_.Skip();  // the message counts as read, whatever its body holds
    if (body.object == nullptr) return {};
    Tail taken;
    NativeReader reader(part.substr(large.body_at), large.whole - large.body_at, &taken, limits_);
    reader.SetStaged(staged);
    if (Error err = reader.ReadValue(body)) return err;
    if (taken.object == nullptr) return Malformed("staged value not where planned");
    return {};
  }

  Error ReadResponseBody(Value body) override {
    bool checked = typed_ && !reply_type_.empty();
    if (typed_) {
      typed_ = false;
      if (body.object != nullptr && !reply_type_.empty()) {
        const std::string& ours = NativeFingerprint(body.type);
        if (ours != reply_type_) {
          return TypeMismatch(typed_call_.name, "server replies", std::string(reply_type_),
                              "client expects", ours);
        }
        std::lock_guard lock(mu_);
        MethodTypes* m = typed_call_.method;
        if (m != nullptr && m->args_type == typed_call_.args_type &&
            m->reply_type == typed_call_.reply_type && typed_call_.reply_type == body.type) {
          m->agreed.store(true, std::memory_order_release);
        }
      }
    }
    if (body.object == nullptr) return {};
    NativeReader reader(body_, limits_);
    Error err = reader.ReadValue(body);
    if (err && !checked && server_.load(std::memory_order_relaxed) != Server::kNew) {
      // An older server sends no reply type: say what was being decoded.
      return Error(err.code(), err.message() + " (decoding " + NativeFingerprint(body.type) +
                                   ": the server sent another type?)");
    }
    return err;
  }

 private:
  enum class Server : uint8_t { kUnknown, kOld, kNew };  // what the hello's answer said
  // What the client has sent of a method: its id, and the types it last described.
  struct MethodTypes {
    uint64_t id = 0;
    const TypeInfo* args_type = nullptr;
    const TypeInfo* reply_type = nullptr;
    std::atomic<bool> agreed{false};  // a reply showed the server's types equal these
  };
  // A call sent with its types, until its reply comes.
  struct TypedCall {
    MethodTypes* method = nullptr;  // null for a name sent in full
    std::string name;
    const TypeInfo* args_type = nullptr;
    const TypeInfo* reply_type = nullptr;
  };

  // ParseHeader reads a response's header; `commit` takes its typed call from the table (a
  // peek at a part must not).
  Error ParseHeader(std::string_view payload, Response* header, size_t* body_at,
                    bool commit = true) {
    NativeReader reader(payload, limits_);
    std::string_view kind, error;
    uint64_t len = 0;
    uint64_t seq = 0;
    typed_ = false;
    if (!reader.ReadBytes(1, &kind) || (kind[0] != kResponse && (v1_ || kind[0] != kResponseX))) {
      return Malformed("not a response");
    }
    if (!reader.ReadVarint(&seq)) return Malformed("truncated response header");
    reply_type_ = {};
    if (kind[0] == kResponseX) {
      uint64_t n = 0;
      std::string_view bytes;
      if (!reader.ReadVarint(&n) || !reader.ReadBytes(n, &bytes)) {
        return Malformed("truncated response records");
      }
      if (Error err = ReadReplyRecords(bytes, limits_, &reply_type_)) return err;
    }
    if (v1_) {
      // an older client reads type 3 as it did: not a response
    } else if (seq == kHelloSeq) {
      server_.store(kind[0] == kResponseX ? Server::kNew : Server::kOld, std::memory_order_release);
    } else if (seq & kWantsTypes) {
      std::lock_guard lock(mu_);
      auto it = typed_calls_.find(seq >> kSeqShift);
      if (it != typed_calls_.end()) {
        typed_ = true;
        if (commit) {
          typed_call_ = std::move(it->second);
          typed_calls_.erase(it);
        }
      }
    }
    if (!reader.ReadVarint(&len) || !reader.ReadBytes(len, &error)) {
      return Malformed("truncated response header");
    }
    header->seq = seq >> seq_shift_;
    header->error.assign(error);
    *body_at = reader.Position();
    return {};
  }

  Limits limits_;
  FrameReader frames_;
  bool v1_ = false;
  int seq_shift_ = kSeqShift;
  bool preamble_sent_ = false;  // writer only, as are hello_sent_ and ids_'s shape
  bool hello_sent_ = false;
  std::unordered_map<std::string, MethodTypes> ids_;
  std::atomic<Server> server_{Server::kUnknown};
  // Guards the types in ids_'s entries and typed_calls_: the writer sets them, the reader
  // compares them with replies.
  std::mutex mu_;
  std::unordered_map<uint64_t, TypedCall> typed_calls_;  // by seq
  // The reader's state of the response just parsed.
  std::string_view body_;
  std::string_view reply_type_;  // the server's, if the response carried it
  bool typed_ = false;           // typed_call_ is this response's call
  TypedCall typed_call_;
  LargeHeader large_;  // LargeResponseHeader's parse, for LargeResponseTail and -Body
};

}  // namespace

std::unique_ptr<ServerCodec> NewNativeServerCodec(const Limits& limits, Conn conn,
                                                  NativeVersion version) {
  return std::make_unique<NativeServerCodec>(limits, std::move(conn), version);
}
std::unique_ptr<ClientCodec> NewNativeClientCodec(const Limits& limits, Conn conn,
                                                  NativeVersion version) {
  return std::make_unique<NativeClientCodec>(limits, std::move(conn), version);
}
NativeClient* AsNativeClient(ClientCodec* codec) { return dynamic_cast<NativeClient*>(codec); }
NativeServer* AsNativeServer(ServerCodec* codec) { return dynamic_cast<NativeServer*>(codec); }

}  // namespace netrpc::codec
