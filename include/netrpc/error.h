// error.h: netrpc::Error, the value every call path returns instead of throwing.
// Like Go's error: false when ok, a code to branch on and a message to print.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

namespace netrpc {

enum class ErrorCode : uint8_t {
  kOk = 0,
  kGeneric,        // made from a message, e.g. by a handler: Error("divide by zero")
  kServerError,    // the server answered with an error string (Go's rpc.ServerError)
  kShutdown,       // the client was closed (Go's rpc.ErrShutdown)
  kUnexpectedEof,  // the connection ended with calls in flight (io.ErrUnexpectedEOF)
  kTimeout,        // the call's deadline passed; the call was removed
  kCanceled,       // the caller canceled the call; the call was removed
  kConnect,        // dialing failed or timed out
  kIo,             // a socket error
  kProtocol,       // the peer broke the framing or a handshake
  kCodec,          // a body could not be encoded or decoded
  kTooLarge,       // a message over the configured size limit
  kUsage,          // the API was used wrongly (bad address, duplicate service, ...)
};

class Error {
 public:
  Error() = default;
  // Error(message) is what a handler returns; the caller receives it as a ServerError.
  explicit Error(std::string message) : code_(ErrorCode::kGeneric), message_(std::move(message)) {}
  Error(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}

  explicit operator bool() const { return code_ != ErrorCode::kOk; }
  bool ok() const { return code_ == ErrorCode::kOk; }
  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }

  friend bool operator==(const Error& a, const Error& b) {
    return a.code_ == b.code_ && a.message_ == b.message_;
  }

 private:
  ErrorCode code_ = ErrorCode::kOk;
  std::string message_;
};

// ServerError is how an error string sent by the server reaches the caller.
inline Error ServerError(std::string message) {
  return Error(ErrorCode::kServerError, std::move(message));
}

// Go's net/rpc messages, kept word for word so logs read the same on both sides.
inline const Error ErrShutdown{ErrorCode::kShutdown, "connection is shut down"};
inline const Error ErrUnexpectedEof{ErrorCode::kUnexpectedEof, "unexpected EOF"};
inline const Error ErrTimeout{ErrorCode::kTimeout, "rpc: call timeout"};
inline const Error ErrCanceled{ErrorCode::kCanceled, "rpc: call canceled"};

// Result holds a value or the error that prevented it: a handler may return Result<Reply>
// instead of filling a Reply*, and Dial returns Result<std::unique_ptr<Client>>.
template <class T>
class Result {
 public:
  // An empty Result holds an error until a value is assigned (for futures and containers).
  Result() : error_(ErrorCode::kUsage, "netrpc: empty Result") {}
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit, like returning a value in Go
  Result(Error error) : error_(std::move(error)) {}  // NOLINT

  bool ok() const { return !error_; }
  explicit operator bool() const { return ok(); }
  const Error& error() const { return error_; }
  T& value() & { return value_; }
  T&& value() && { return std::move(value_); }
  const T& value() const& { return value_; }
  T* operator->() { return &value_; }
  T& operator*() { return value_; }

 private:
  T value_{};
  Error error_;
};

}  // namespace netrpc
