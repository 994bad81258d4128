// native_records.h: the extension records a native request or reply carries once the
// client has sent its hello (native.h): their keys, and writing and reading them in one place.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "codec/native.h"

namespace netrpc::codec {

// Record keys (native.h). A reader skips a key it does not know.
inline constexpr uint8_t kRecordType = 1;
inline constexpr uint8_t kRecordTimeout = 2;
inline constexpr uint8_t kRecordMetadata = 3;
// kRecordsTrailer is the little-endian u32 closing a request's records: their size.
inline constexpr size_t kRecordsTrailer = 4;

// AppendCallRecords appends a request's records and their trailer: the args type's
// fingerprint unless empty, the caller's remaining time if positive, its metadata if any.
void AppendCallRecords(std::string_view args_type, std::chrono::nanoseconds timeout,
                       const Metadata* metadata, std::string* out);

// CallRecords is what a request's records said.
struct CallRecords {
  bool has_type = false;
  std::string_view type;  // the args type's fingerprint, inside the records' bytes
};

// SplitCallRecords finds the records at the end of a request's payload whose body starts at
// body_at: *body_end is where the body ends and *records the records' bytes.
Error SplitCallRecords(std::string_view payload, size_t body_at, size_t* body_end,
                       std::string_view* records);

// ReadCallRecords reads a request's records: the type into *call, the timeout and metadata
// into *extras (which it only adds to). A malformed record is an error; the frame is broken.
Error ReadCallRecords(std::string_view records, const Limits& limits, CallRecords* call,
                      NativeRequest* extras);

// AppendReplyRecords appends a type-3 reply's records, preceded by their size: the reply
// type's fingerprint unless empty.
void AppendReplyRecords(std::string_view reply_type, std::string* out);

// ReadReplyRecords reads records of a type-3 reply (their size already taken off): the reply
// type, if they hold one, into *reply_type.
Error ReadReplyRecords(std::string_view records, const Limits& limits,
                       std::string_view* reply_type);

// TypeMismatch is the error of a call whose two sides disagree on a type: "native: M: first
// theirs, second ours".
Error TypeMismatch(std::string_view method, std::string_view first, std::string_view theirs,
                   std::string_view second, std::string_view ours);

}  // namespace netrpc::codec
