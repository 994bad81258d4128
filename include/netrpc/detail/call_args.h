// detail/call_args.h: what Client::Call, Go and AsyncCall send for their args and reply.
// Go's habits compile here (a string literal, &args), and the misuses stop with a plain message.
#pragma once

#include <algorithm>
#include <cstddef>
#include <string_view>
#include <type_traits>

#include "netrpc/describe.h"

namespace netrpc::detail {

// StringViewType describes a std::string_view as a kString that encoders read through
// seq.size and seq.data, as they read a std::string. It has no decoding operations: only
// Call's args use it, and args are only encoded.
inline const TypeInfo* StringViewType() {
  static const TypeInfo info = [] {
    TypeInfo t{};
    t.kind = Kind::kString;
    t.seq.size = [](const void* p) { return static_cast<const std::string_view*>(p)->size(); };
    t.seq.data = [](const void* p) { return static_cast<const std::string_view*>(p)->data(); };
    return t;
  }();
  return &info;
}

template <class T>
inline constexpr bool kIsChar = std::is_same_v<std::remove_cv_t<T>, char>;
template <class T>
inline constexpr bool kIsByte =
    std::is_same_v<std::remove_cv_t<T>, unsigned char> ||
    std::is_same_v<std::remove_cv_t<T>, signed char> ||
    std::is_same_v<std::remove_cv_t<T>, std::byte> || std::is_same_v<std::remove_cv_t<T>, char8_t>;

// ArgsCanTravel<A> is false for the args Call refuses; the static_asserts test it so that the
// compiler prints A with the message.
template <class A>
inline constexpr bool ArgsCanTravel = false;

// SentArgs<A> is Call's args as they travel, made and used within one Call, Go or AsyncCall
// (which encode the args before they return):
//   a string literal, a char array (up to its first NUL), a const char* (a C string) or a
//   std::string_view travels as a string, without a copy: the server's std::string;
//   a pointer to any other type that travels travels as what it points to, as Go's &args;
//   a null pointer fails the call with kUsage (Go's gob cannot encode a nil pointer either);
//   anything else travels as itself.
template <class A>
class SentArgs {
 public:
  explicit SentArgs(const A& args) {
    if constexpr (std::is_same_v<A, std::nullptr_t>) {
      static_assert(ArgsCanTravel<A>,
                    "netrpc: args cannot be nullptr (Go's gob cannot encode nil either); pass a"
                    " value or a pointer to one");
    } else if constexpr (std::is_array_v<A> && kIsChar<std::remove_extent_t<A>>) {
      view_ = std::string_view(args, std::find(args, args + std::extent_v<A>, '\0') - args);
      value_ = {StringViewType(), &view_};
    } else if constexpr (std::is_same_v<A, std::string_view>) {
      value_ = {StringViewType(), &args};
    } else if constexpr (std::is_pointer_v<A> && kIsChar<std::remove_pointer_t<A>>) {
      if (args != nullptr) {
        view_ = args;
        value_ = {StringViewType(), &view_};
      } else {
        value_ = {StringViewType(), nullptr};
      }
    } else if constexpr (std::is_pointer_v<A> && kIsByte<std::remove_pointer_t<A>>) {
      static_assert(ArgsCanTravel<A>,
                    "netrpc: a pointer to bytes has no length; send netrpc::Bytes (Go's []byte)");
    } else if constexpr (std::is_pointer_v<A>) {
      value_ = {TypeOf<std::remove_pointer_t<A>>(), args};
    } else {
      value_ = {TypeOf<A>(), &args};
    }
  }
  SentArgs(const SentArgs&) = delete;
  SentArgs& operator=(const SentArgs&) = delete;

  // value is what Start encodes; its object is null for a null pointer.
  ConstValue value() const { return value_; }

 private:
  std::string_view view_;
  ConstValue value_;
};

// ReplyValue is where a reply is decoded. Reply is what Reply* deduced, so a pointer to const
// would be written through: refuse it.
template <class Reply>
Value ReplyValue(Reply* reply) {
  static_assert(!std::is_const_v<Reply>,
                "netrpc: the reply is written: pass a pointer to a non-const variable, as Go's"
                " &reply");
  // A char buffer decays to char*, which would receive one integer: say what receives a string.
  static_assert(!kIsChar<Reply>,
                "netrpc: a char buffer cannot receive a reply; pass a std::string* for Go's"
                " *string");
  return {TypeOf<Reply>(), const_cast<std::remove_cv_t<Reply>*>(reply)};
}

// ReplyByPointer stops a reply passed by value or by reference, which Call could not fill,
// with the shape to use; ReplyIsPointer<Reply> names the type in the diagnostic.
template <class Reply>
inline constexpr bool ReplyIsPointer = false;
template <class Reply>
constexpr void ReplyByPointer() {
  if constexpr (std::is_same_v<Reply, std::nullptr_t>) {
    static_assert(ReplyIsPointer<Reply>,
                  "netrpc: the reply cannot be nullptr; pass a pointer to a variable of the"
                  " reply's type, as Go's &reply");
  } else {
    static_assert(ReplyIsPointer<Reply>, "netrpc: pass the reply by pointer, as Go's &reply");
  }
}

}  // namespace netrpc::detail
