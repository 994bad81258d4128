// msgpack_message.cc: framing without a length prefix: scan one value for the header and one
// for the body to find where the message ends; decode the header only once both are whole.
#include "msgpack_message.h"

#include <string>

#include "msgpack_reader.h"
#include "msgpack_scan.h"

namespace msgpackrpc {

using netrpc::Error;
using netrpc::ErrorCode;
using netrpc::ReadResult;

ReadResult MessageReader::Next(std::string_view in, netrpc::Value header) {
  body_ = {};
  if (in.size() < need_) return {};  // what arrived since the last scan cannot finish it
  ScanResult h = ScanValue(in, 0, limits_.max_depth);
  ScanResult b =
      h.status == ScanResult::Status::kComplete ? ScanValue(in, h.end, limits_.max_depth) : h;
  if (b.status == ScanResult::Status::kMalformed) {
    return {0, Error(ErrorCode::kProtocol, "msgpackrpc: " + b.error)};
  }
  const size_t size = b.status == ScanResult::Status::kComplete ? b.end : b.need;
  if (size > limits_.max_message_bytes) {
    return {0, Error(ErrorCode::kTooLarge, "msgpackrpc: message of " +
                                               (b.status == ScanResult::Status::kComplete
                                                    ? std::to_string(size)
                                                    : "at least " + std::to_string(size)) +
                                               " bytes is over the limit of " +
                                               std::to_string(limits_.max_message_bytes))};
  }
  if (b.status == ScanResult::Status::kNeedMore) {
    need_ = size;
    return {};
  }
  need_ = 0;
  if (Error e = ReadValue(in.substr(0, h.end), header, limits_.max_depth)) {
    return {0, Error(ErrorCode::kProtocol, "msgpackrpc: bad header: " + e.message())};
  }
  body_ = in.substr(h.end, b.end - h.end);
  return {b.end, {}};
}

Error MessageReader::ReadBody(netrpc::Value body) {
  std::string_view bytes = body_;
  body_ = {};
  return ReadValue(bytes, body, limits_.max_depth);  // a null body reads nothing
}

}  // namespace msgpackrpc
