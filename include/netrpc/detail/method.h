// detail/method.h: turns a user's method, function or lambda into a type-erased MethodStub.
// The signature is checked here, at compile time, with a message that says what is wrong.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <type_traits>

#include "netrpc/describe.h"
#include "netrpc/error.h"

namespace netrpc::detail {

// CallSlot holds one call's decoded arguments and its reply, side by side in one allocation.
// The server keeps the request's header in it too, so one call costs one allocation.
struct CallSlot {
  virtual ~CallSlot() = default;
  void* args = nullptr;
  void* reply = nullptr;
  uint64_t seq = 0;
  std::string service_method;
};
template <class A, class R>
struct TypedSlot final : CallSlot {
  A a{};
  R r{};
  TypedSlot() {
    args = &a;
    reply = &r;
  }
};

struct MethodStub {
  std::string name;  // "Multiply"
  const TypeInfo* args_type = nullptr;
  const TypeInfo* reply_type = nullptr;
  std::unique_ptr<CallSlot> (*new_slot)() = nullptr;
  std::function<Error(CallSlot&)> invoke;                                // plain handlers
  std::function<boost::asio::awaitable<Error>(CallSlot&)> invoke_async;  // coroutine handlers
};

// Awaited<T> is what co_await on T yields, or T itself; ResultValue<Result<R>> is R.
template <class T>
struct Awaited {
  using type = T;
  static constexpr bool kAsync = false;
};
template <class T, class E>
struct Awaited<boost::asio::awaitable<T, E>> {
  using type = T;
  static constexpr bool kAsync = true;
};
template <class T>
struct ResultValue {
  using type = void;
  static constexpr bool kIsResult = false;
};
template <class T>
struct ResultValue<Result<T>> {
  using type = T;
  static constexpr bool kIsResult = true;
};

// Signature<Ret(P...)> classifies the four handler shapes net/rpc users can write:
//   Error M(const Args&, Reply*)                 Result<Reply> M(const Args&)
//   awaitable<Error> M(const Args&, Reply*)      awaitable<Result<Reply>> M(const Args&)
// Args may also be taken by value, and is then moved in.
template <class Sig>
struct Signature {
  static constexpr bool kValid = false;
};
template <class Ret, class P1, class P2>
struct Signature<Ret(P1, P2)> {
  using Out = typename Awaited<Ret>::type;
  static constexpr bool kValid =
      std::is_same_v<Out, Error> && std::is_pointer_v<P2> &&
      !std::is_const_v<std::remove_pointer_t<P2>> &&
      (!std::is_reference_v<P1> || std::is_const_v<std::remove_reference_t<P1>>);
  static constexpr bool kAsync = Awaited<Ret>::kAsync;
  static constexpr bool kReplyByValue = false;
  static constexpr bool kArgsByValue = !std::is_reference_v<P1>;
  using Args = std::remove_cvref_t<P1>;
  using Reply = std::remove_pointer_t<P2>;
};
template <class Ret, class P1>
struct Signature<Ret(P1)> {
  using Out = typename Awaited<Ret>::type;
  static constexpr bool kValid =
      ResultValue<Out>::kIsResult &&
      (!std::is_reference_v<P1> || std::is_const_v<std::remove_reference_t<P1>>);
  static constexpr bool kAsync = Awaited<Ret>::kAsync;
  static constexpr bool kReplyByValue = true;
  static constexpr bool kArgsByValue = !std::is_reference_v<P1>;
  using Args = std::remove_cvref_t<P1>;
  using Reply = typename ResultValue<Out>::type;
};

// SignatureOf strips the class from a member function pointer or a lambda's call operator.
template <class M>
struct SignatureOf;
template <class Ret, class... P>
struct SignatureOf<Ret(P...)> {
  using type = Ret(P...);
};
template <class Ret, class... P>
struct SignatureOf<Ret (*)(P...)> : SignatureOf<Ret(P...)> {};
#define NETRPC_DETAIL_MEMBER_SIGNATURE(QUALS) \
  template <class C, class Ret, class... P>   \
  struct SignatureOf<Ret (C::*)(P...) QUALS> : SignatureOf<Ret(P...)> {};
NETRPC_DETAIL_MEMBER_SIGNATURE()
NETRPC_DETAIL_MEMBER_SIGNATURE(const)
NETRPC_DETAIL_MEMBER_SIGNATURE(noexcept)
NETRPC_DETAIL_MEMBER_SIGNATURE(const noexcept)
#undef NETRPC_DETAIL_MEMBER_SIGNATURE

template <class Sig>
constexpr void CheckSignature() {
  static_assert(Signature<Sig>::kValid,
                "netrpc: a handler must have one of net/rpc's shapes: "
                "`netrpc::Error M(const Args&, Reply*)`, `netrpc::Result<Reply> M(const Args&)`, "
                "or either wrapped in boost::asio::awaitable<...> for a coroutine handler");
}

// Invoke calls fn with the slot's arguments; a handler's exception becomes an Error.
// A handler that takes its arguments by value owns them: they are moved in, not copied, so
// that `*reply = std::move(args)` echoes a payload without copying it.
template <class S, class F>
auto Invoke(F& fn, CallSlot& slot) {
  auto& stored = *static_cast<typename S::Args*>(slot.args);
  auto&& args = [&]() -> decltype(auto) {
    if constexpr (S::kArgsByValue) {
      return std::move(stored);
    } else {
      return stored;
    }
  }();
  auto* reply = static_cast<typename S::Reply*>(slot.reply);
  if constexpr (S::kReplyByValue) {
    (void)reply;
    return fn(std::forward<decltype(args)>(args));
  } else {
    return fn(std::forward<decltype(args)>(args), reply);
  }
}

template <class S, class R>
Error Store(R&& result, CallSlot& slot) {
  if constexpr (S::kReplyByValue) {
    if (!result.ok()) return result.error();
    *static_cast<typename S::Reply*>(slot.reply) = std::move(result).value();
    return {};
  } else {
    return std::forward<R>(result);
  }
}

// MakeStub erases fn, a callable taking (args) or (args, reply*), into a MethodStub.
template <class Sig, class F>
MethodStub MakeStub(std::string name, F fn) {
  CheckSignature<Sig>();
  using S = Signature<Sig>;
  MethodStub stub;
  stub.name = std::move(name);
  stub.args_type = TypeOf<typename S::Args>();
  stub.reply_type = TypeOf<typename S::Reply>();
  stub.new_slot = [] {
    return std::unique_ptr<CallSlot>(new TypedSlot<typename S::Args, typename S::Reply>());
  };
  if constexpr (S::kAsync) {
    stub.invoke_async =
        [fn = std::move(fn)](CallSlot& slot) mutable -> boost::asio::awaitable<Error> {
      try {
        co_return Store<S>(co_await Invoke<S>(fn, slot), slot);
      } catch (const std::exception& e) {
        co_return Error(std::string("handler threw: ") + e.what());
      }
    };
  } else {
    stub.invoke = [fn = std::move(fn)](CallSlot& slot) mutable -> Error {
      try {
        return Store<S>(Invoke<S>(fn, slot), slot);
      } catch (const std::exception& e) {
        return Error(std::string("handler threw: ") + e.what());
      }
    };
  }
  return stub;
}

// MethodStubs lists the stubs of every method NETRPC_SERVICE named for T, bound to obj.
template <class T>
std::vector<MethodStub> MethodStubs(T* obj) {
  static_assert(boost::describe::has_describe_members<T>::value,
                "netrpc: describe the service first: NETRPC_SERVICE(Type, Method1, Method2, ...)");
  std::vector<MethodStub> stubs;
  using Methods = boost::describe::describe_members<T, boost::describe::mod_public |
                                                           boost::describe::mod_function>;
  boost::mp11::mp_for_each<Methods>([&](auto d) {
    using Sig = typename SignatureOf<std::remove_cv_t<decltype(d.pointer)>>::type;
    auto pointer = d.pointer;
    auto bound = [obj, pointer](auto&&... a) -> decltype(auto) {
      return (obj->*pointer)(std::forward<decltype(a)>(a)...);
    };
    stubs.push_back(MakeStub<Sig>(d.name, std::move(bound)));
  });
  return stubs;
}

}  // namespace netrpc::detail
