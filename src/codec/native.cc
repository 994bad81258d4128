// native.cc: the native protocol's server and client codecs.
// Method names are interned per connection: sent in full once, then as a small id.
#include "codec/native.h"

#include <bit>
#include <cstring>
#include <unordered_map>
#include <utility>
#include <vector>

#include "codec/native_value.h"

namespace netrpc::codec {
namespace {

static_assert(std::endian::native == std::endian::little, "native codec assumes little-endian");

constexpr uint8_t kRequest = 1;
constexpr uint8_t kResponse = 2;
constexpr size_t kFrameHeader = 4;
constexpr size_t kMaxMethodIds = 1024;  // per connection; later names travel in full

Error TooLarge(size_t n, size_t limit) {
  return Error(ErrorCode::kTooLarge, "native: frame of " + std::to_string(n) +
                                         " bytes exceeds the limit of " + std::to_string(limit));
}

Error Malformed(std::string_view what) {
  return Error(ErrorCode::kProtocol, "native: malformed frame: " + std::string(what));
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
  std::string name;      // that method's name
};

class NativeServerCodec final : public ServerCodec, public LargeMessages {
 public:
  NativeServerCodec(const Limits& limits, Conn conn)
      : ServerCodec(std::move(conn)), limits_(limits), frames_(limits_, true) {}

  LargeMessages* Large() override { return this; }

  ReadResult ReadRequestHeader(std::string_view in, Request* header) override {
    std::string_view payload;
    ReadResult r = frames_.Next(in, &payload);
    if (r.consumed == 0) return r;
    large_.whole = 0;  // a large header looked at before is this message's, and now stale
    size_t body_at = 0;
    if (Error err = ParseHeader(payload, header, true, &body_at)) return {0, err};
    body_ = payload.substr(body_at);
    return r;
  }

  size_t LargeRequestHeader(std::string_view in, Request* header) override {
    std::string_view part;
    size_t whole = frames_.Partial(in, &part);
    large_ = {};
    if (whole == 0 || ParseHeader(part, header, false, &large_.body_at, &large_.interns)) return 0;
    large_.whole = whole;
    if (large_.interns) large_.name = header->service_method;
    return in.size() - part.size() + whole;
  }

  ReadResult LargeRequestBody(std::string_view in, Value body, Tail* tail) override {
    std::string_view part;
    if (large_.whole == 0 || frames_.Partial(in, &part) != large_.whole) return {};
    *tail = {};
    NativeReader reader(part.substr(large_.body_at), large_.whole - large_.body_at, tail, limits_);
    if (reader.ReadValue(body) || tail->object == nullptr) return {};
    if (large_.interns) names_.push_back(std::move(large_.name));  // now the name counts
    large_ = {};
    frames_.Skip();
    return {in.size(), {}};
  }

  Error ReadRequestBody(Value body) override {
    if (body.object == nullptr) return {};
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
    out->push_back(static_cast<char>(kResponse));
    AppendVarint(header.seq, out);
    AppendVarint(header.error.size(), out);
    out->append(header.error);
    if (header.error.empty() && body.object != nullptr) AppendNativeValue(body, out, borrowed);
    return frame.Finish(limits_);
  }

 private:
  // ParseHeader reads a request's header from the start of its payload; `commit` makes a
  // newly interned method name count (a peek must not).
  Error ParseHeader(std::string_view payload, Request* header, bool commit, size_t* body_at,
                    bool* interns = nullptr) {
    NativeReader reader(payload, limits_);
    std::string_view kind;
    uint64_t tag = 0;
    if (!reader.ReadBytes(1, &kind) || kind[0] != kRequest) return Malformed("not a request");
    if (!reader.ReadVarint(&header->seq) || !reader.ReadVarint(&tag)) {
      return Malformed("truncated request header");
    }
    uint64_t id = tag >> 1;
    if (tag & 1) {  // the name follows; a non-zero id asks us to remember it
      uint64_t len = 0;
      std::string_view name;
      if (!reader.ReadVarint(&len) || !reader.ReadBytes(len, &name)) {
        return Malformed("truncated method name");
      }
      header->service_method.assign(name);
      if (id != 0) {
        if (id != names_.size() + 1 || id > kMaxMethodIds) return Malformed("bad method id");
        if (commit) names_.emplace_back(name);
        if (interns) *interns = true;
      }
    } else {
      if (id == 0 || id > names_.size()) return Malformed("unknown method id");
      header->service_method = names_[id - 1];
    }
    *body_at = reader.Position();
    return {};
  }

  Limits limits_;
  FrameReader frames_;
  std::vector<std::string> names_;  // method id - 1 → "Service.Method"
  std::string_view body_;           // of the request just parsed, inside the caller's buffer
  LargeHeader large_;               // LargeRequestHeader's parse, for LargeRequestBody
};

class NativeClientCodec final : public ClientCodec, public LargeMessages {
 public:
  NativeClientCodec(const Limits& limits, Conn conn)
      : ClientCodec(std::move(conn)), limits_(limits), frames_(limits_, false) {}

  LargeMessages* Large() override { return this; }
  // The server's half of the capability has no use on a client.
  size_t LargeRequestHeader(std::string_view, Request*) override { return 0; }
  ReadResult LargeRequestBody(std::string_view, Value, Tail*) override { return {}; }
  Error WriteResponse(const Response&, ConstValue, std::string*, Borrowed*) override {
    return Malformed("not a server");
  }

  Error WriteRequest(const Request& header, ConstValue body, std::string* out) override {
    FrameWriter frame(out, !preamble_sent_);
    out->push_back(static_cast<char>(kRequest));
    AppendVarint(header.seq, out);
    auto it = ids_.find(header.service_method);
    if (it != ids_.end()) {
      AppendVarint(it->second << 1, out);
    } else {
      uint64_t id = 0;
      if (ids_.size() < kMaxMethodIds) {
        id = ids_.size() + 1;
        ids_.emplace(header.service_method, id);
      }
      AppendVarint((id << 1) | 1, out);
      AppendVarint(header.service_method.size(), out);
      out->append(header.service_method);
    }
    if (body.object != nullptr) AppendNativeValue(body, out);
    if (Error err = frame.Finish(limits_)) {
      ids_.erase(header.service_method);  // the server never saw it: send the name again next time
      return err;
    }
    preamble_sent_ = true;
    return {};
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
    if (whole == 0 || ParseHeader(part, header, &large_.body_at)) return 0;
    if (header->error.empty()) large_.whole = whole;  // an error reply has no tail to read
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
    if (body.object == nullptr) return {};
    NativeReader reader(body_, limits_);
    return reader.ReadValue(body);
  }

 private:
  Error ParseHeader(std::string_view payload, Response* header, size_t* body_at) {
    NativeReader reader(payload, limits_);
    std::string_view kind, error;
    uint64_t len = 0;
    if (!reader.ReadBytes(1, &kind) || kind[0] != kResponse) return Malformed("not a response");
    if (!reader.ReadVarint(&header->seq) || !reader.ReadVarint(&len) ||
        !reader.ReadBytes(len, &error)) {
      return Malformed("truncated response header");
    }
    header->error.assign(error);
    *body_at = reader.Position();
    return {};
  }

  Limits limits_;
  FrameReader frames_;
  bool preamble_sent_ = false;
  std::unordered_map<std::string, uint64_t> ids_;
  std::string_view body_;
  LargeHeader large_;  // LargeResponseHeader's parse, for LargeResponseTail and -Body
};

}  // namespace

std::unique_ptr<ServerCodec> NewNativeServerCodec(const Limits& limits, Conn conn) {
  return std::make_unique<NativeServerCodec>(limits, std::move(conn));
}
std::unique_ptr<ClientCodec> NewNativeClientCodec(const Limits& limits, Conn conn) {
  return std::make_unique<NativeClientCodec>(limits, std::move(conn));
}

}  // namespace netrpc::codec
