// error.h: netrpc::Error, the value every call path returns instead of throwing.
// Like Go's error: false when ok, a code to branch on and a message to print.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>
#include <type_traits>
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
  // operator<< prints the message, as Go prints an error, and "ok" for no error.
  friend std::ostream& operator<<(std::ostream& os, const Error& e) {
    if (e.ok()) return os << "ok";
    if (e.message_.empty()) return os << "error code " << static_cast<int>(e.code_);
    return os << e.message_;
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

namespace detail {

// ResultMisused ends the program: a Result's value was used while it held an error (or, for
// ->, a null pointer). That is a bug in the caller, like dereferencing an empty
// std::optional, so it is not returned as an Error; the message says which error was ignored.
[[noreturn]] inline void ResultMisused(const char* accessor, const Error* error) {
  std::string line = std::string("netrpc: Result::") + accessor + " on ";
  if (error == nullptr) {
    line += "a null pointer";
  } else {
    line += "an error: ";
    line += error->message().empty() ? "code " + std::to_string(static_cast<int>(error->code()))
                                     : error->message();
  }
  line += '\n';
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::abort();
}

template <class T>
struct IsUniquePtr : std::false_type {};
template <class T, class D>
struct IsUniquePtr<std::unique_ptr<T, D>> : std::true_type {};

}  // namespace detail

// Result holds a value or the error that prevented it: a handler may return Result<Reply>
// instead of filling a Reply*, and Dial returns Result<std::unique_ptr<Client>>. Check it
// first (`if (!client)`); using the value of a Result that holds an error (*, ->, value())
// prints that error to stderr and aborts.
//
// When the value is a std::unique_ptr<U>, -> reaches through to the U, so a dialed client
// reads `client->Call(...)`; * and value() still give the unique_ptr itself, to move it out
// (`std::unique_ptr<Client> c = std::move(*client)`) or to write `(*client)->Call(...)`.
template <class T>
class Result {
  static constexpr bool kPointer = detail::IsUniquePtr<T>::value;

 public:
  // An empty Result holds an error until a value is assigned (for futures and containers).
  Result() : error_(ErrorCode::kUsage, "netrpc: empty Result") {}
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit, like returning a value in Go
  Result(Error error) : error_(std::move(error)) {}  // NOLINT

  bool ok() const { return !error_; }
  explicit operator bool() const { return ok(); }
  const Error& error() const { return error_; }

  T& value() & { return Checked("value()"); }
  T&& value() && { return std::move(Checked("value()")); }
  const T& value() const& { return Checked("value()"); }
  T& operator*() & { return Checked("operator*"); }
  T&& operator*() && { return std::move(Checked("operator*")); }
  const T& operator*() const& { return Checked("operator*"); }
  auto operator->() { return Arrow(Checked("operator->")); }
  auto operator->() const { return Arrow(Checked("operator->")); }

 private:
  T& Checked(const char* accessor) {
    if (error_) detail::ResultMisused(accessor, &error_);
    return value_;
  }
  const T& Checked(const char* accessor) const {
    if (error_) detail::ResultMisused(accessor, &error_);
    return value_;
  }
  // -> gives the address of the value, or for a unique_ptr the object it owns (as its own ->
  // would, const or not).
  template <class V>
  static auto Arrow(V& value) {
    if constexpr (kPointer) {
      if (value == nullptr) detail::ResultMisused("operator->", nullptr);
      return value.get();
    } else {
      return &value;
    }
  }

  T value_{};
  Error error_;
};

}  // namespace netrpc
