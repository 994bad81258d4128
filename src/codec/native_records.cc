// native_records.cc: the extension records of the native protocol (native_records.h).
// Records are u8 key, varint size, bytes; their reader never reads past the bytes given.
#include "codec/native_records.h"

#include <algorithm>
#include <cstring>
#include <limits>

#include "codec/native_value.h"

namespace netrpc::codec {
namespace {

Error Malformed(std::string_view what) {
  return Error(ErrorCode::kProtocol, "native: malformed frame: " + std::string(what));
}

void AppendRecord(uint8_t key, std::string_view bytes, std::string* out) {
  out->push_back(static_cast<char>(key));
  AppendVarint(bytes.size(), out);
  out->append(bytes);
}

size_t VarintSize(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

// RecordReader walks records; a record whose key it does not know is the caller's to skip.
struct Record {
  uint8_t key;
  std::string_view bytes;
};
class RecordReader {
 public:
  RecordReader(std::string_view in, const Limits& limits) : reader_(in, limits) {}
  // Next: true with *r set, false at the end; *err is set when the records are malformed.
  bool Next(Record* r, Error* err) {
    if (reader_.Remaining() == 0) return false;
    std::string_view key;
    uint64_t n = 0;
    if (!reader_.ReadBytes(1, &key) || !reader_.ReadVarint(&n) ||
        !reader_.ReadBytes(n, &r->bytes)) {
      *err = Malformed("truncated extension record");
      return false;
    }
    r->key = static_cast<uint8_t>(key[0]);
    return true;
  }

 private:
  NativeReader reader_;
};

}  // namespace

void AppendCallRecords(std::string_view args_type, std::chrono::nanoseconds timeout,
                       const Metadata* metadata, std::string* out) {
  size_t start = out->size();
  if (!args_type.empty()) AppendRecord(kRecordType, args_type, out);
  if (timeout.count() > 0) {
    std::string v;
    AppendVarint(static_cast<uint64_t>(timeout.count()), &v);
    AppendRecord(kRecordTimeout, v, out);
  }
  if (metadata != nullptr && !metadata->empty()) {
    std::string v;
    AppendVarint(metadata->size(), &v);
    for (const auto& [key, value] : *metadata) {
      AppendVarint(key.size(), &v);
      v.append(key);
      AppendVarint(value.size(), &v);
      v.append(value);
    }
    AppendRecord(kRecordMetadata, v, out);
  }
  uint32_t n = static_cast<uint32_t>(out->size() - start);
  out->append(reinterpret_cast<const char*>(&n), kRecordsTrailer);
}

Error SplitCallRecords(std::string_view payload, size_t body_at, size_t* body_end,
                       std::string_view* records) {
  uint32_t n = 0;
  if (payload.size() - body_at < kRecordsTrailer) return Malformed("truncated records");
  std::memcpy(&n, payload.data() + payload.size() - kRecordsTrailer, 4);
  if (n > payload.size() - body_at - kRecordsTrailer) return Malformed("bad records size");
  *body_end = payload.size() - kRecordsTrailer - n;
  *records = payload.substr(*body_end, n);
  return {};
}

Error ReadCallRecords(std::string_view records, const Limits& limits, CallRecords* call,
                      NativeRequest* extras) {
  RecordReader reader(records, limits);
  Record r;
  Error err;
  while (reader.Next(&r, &err)) {
    switch (r.key) {
      case kRecordType:
        call->has_type = true;
        call->type = r.bytes;
        break;
      case kRecordTimeout: {
        NativeReader v(r.bytes, limits);
        uint64_t ns = 0;
        if (!v.ReadVarint(&ns)) return Malformed("bad timeout record");
        extras->timeout = std::chrono::nanoseconds(
            static_cast<int64_t>(std::min<uint64_t>(ns, std::numeric_limits<int64_t>::max())));
        break;
      }
      case kRecordMetadata: {
        NativeReader v(r.bytes, limits);
        uint64_t count = 0;
        if (!v.ReadVarint(&count) || count > v.Remaining() / 2) {
          return Malformed("bad metadata record");
        }
        extras->metadata.reserve(count);
        for (uint64_t i = 0; i < count; ++i) {
          uint64_t kn = 0, vn = 0;
          std::string_view key, value;
          if (!v.ReadVarint(&kn) || !v.ReadBytes(kn, &key) || !v.ReadVarint(&vn) ||
              !v.ReadBytes(vn, &value)) {
            return Malformed("bad metadata record");
          }
          extras->metadata.emplace_back(key, value);
        }
        break;
      }
      default:
        break;  // a later version's record
    }
  }
  return err;
}

void AppendReplyRecords(std::string_view reply_type, std::string* out) {
  if (reply_type.empty()) {
    AppendVarint(0, out);
    return;
  }
  AppendVarint(1 + VarintSize(reply_type.size()) + reply_type.size(), out);
  AppendRecord(kRecordType, reply_type, out);
}

Error ReadReplyRecords(std::string_view records, const Limits& limits,
                       std::string_view* reply_type) {
  RecordReader reader(records, limits);
  Record r;
  Error err;
  while (reader.Next(&r, &err)) {
    if (r.key == kRecordType) *reply_type = r.bytes;
  }
  return err;
}

Error TypeMismatch(std::string_view method, std::string_view first, std::string_view theirs,
                   std::string_view second, std::string_view ours) {
  std::string m("native: ");
  m.append(method).append(": ").append(first).append(" ").append(theirs).append(", ");
  m.append(second).append(" ").append(ours);
  return Error(ErrorCode::kCodec, std::move(m));
}

}  // namespace netrpc::codec
