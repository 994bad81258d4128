// detail/method.h: turns a user's method, function or lambda into a type-erased MethodStub.
// The signature is checked here, at compile time, with a message that says what is wrong.
// Coroutine handlers are recognised here but made in netrpc/asio.h, so Asio stays out.
#pragma once

#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <type_traits>

#include "netrpc/context.h"
#include "netrpc/describe.h"
#include "netrpc/error.h"

// Asio's awaitable, declared so that a handler returning one is recognised without including
// Asio. (netrpc does not support BOOST_ASIO_USE_TS_EXECUTOR_AS_DEFAULT, which makes
// any_io_executor a typedef.)
namespace boost::asio {
class any_io_executor;
template <typename T, typename Executor>
class awaitable;
}  // namespace boost::asio

namespace netrpc::detail {

// CallSlot holds one call's decoded arguments and its reply, side by side in one allocation.
// The server keeps the request's header in it too, so one call costs one allocation.
struct CallSlot {
  virtual ~CallSlot() = default;
  void* args = nullptr;
  void* reply = nullptr;
  uint64_t seq = 0;
  std::string service_method;
  int64_t started_ns = 0;      // steady_clock ticks at dispatch, for the method's latency
  Context* context = nullptr;  // the call's, set only for a method that takes one
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

// AsyncInvoker runs a coroutine handler. Its one implementation, AsyncHandler, is in
// netrpc/asio.h; only code that includes Asio (the server's dispatch) calls it.
struct AsyncInvoker {
  virtual ~AsyncInvoker() = default;
  virtual boost::asio::awaitable<Error, boost::asio::any_io_executor> operator()(
      CallSlot& slot) = 0;
};
template <class S, class F>
struct AsyncHandler;

// AsioHeader<T>::kIncluded is true once netrpc/asio.h is included: that header specialises
// AsioHeader<T, true>. T only defers the question to where a coroutine handler or an AsyncCall
// is used.
template <class T, bool = true>
struct AsioHeader {
  static constexpr bool kIncluded = false;
};
// AsyncCallArgs is any type once netrpc/asio.h, which defines Client::AsyncCall, is included;
// before, it stops the build with a message that names the header (instead of a link error).
template <class T>
consteval bool AsyncCallEnabled() {
  static_assert(AsioHeader<T>::kIncluded, "netrpc: AsyncCall needs #include <netrpc/asio.h>");
  return true;
}
template <class T>
concept AsyncCallArgs = AsyncCallEnabled<T>();

struct MethodStub {
  std::string name;  // "Multiply"
  const TypeInfo* args_type = nullptr;
  const TypeInfo* reply_type = nullptr;
  std::unique_ptr<CallSlot> (*new_slot)() = nullptr;
  std::function<Error(CallSlot&)> invoke;      // plain handlers
  std::unique_ptr<AsyncInvoker> invoke_async;  // coroutine handlers
  bool takes_context = false;  // the handler takes a Context first: make one for each call
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

// ArgsParam<P> says how a handler takes its args: `const Args&`, by value (moved in), or by
// pointer, `const Args*` or `Args*` as Go's `args *Args` (pointing at the decoded args, never
// null). A char pointer is refused: Go's string arrives as a std::string.
template <class P>
struct ArgsParam {
  static constexpr bool kPointer = std::is_pointer_v<P>;
  using Pointee = std::remove_pointer_t<P>;
  static constexpr bool kCharPointer = kPointer && std::is_same_v<std::remove_cv_t<Pointee>, char>;
  static constexpr bool kMutableReference =
      std::is_lvalue_reference_v<P> && !std::is_const_v<std::remove_reference_t<P>>;
  static constexpr bool kValid =
      !kMutableReference && !kCharPointer && !std::is_rvalue_reference_v<P> &&
      !(kPointer && (std::is_void_v<Pointee> || std::is_pointer_v<Pointee>));
  static constexpr bool kByValue = !std::is_reference_v<P> && !kPointer;
  using Args = std::conditional_t<kPointer, std::remove_cv_t<Pointee>, std::remove_cvref_t<P>>;
};

// ContextParam<P> says whether P is a netrpc::Context in any form (kIs), and whether it is one
// a handler may take: `Context&` or `const Context&` (kValid). By value, by pointer or as an
// rvalue are near misses: the server owns the Context, and it is never null.
template <class P>
struct ContextParam {
  static constexpr bool kIs =
      std::is_same_v<std::remove_cv_t<std::remove_pointer_t<std::remove_cvref_t<P>>>, Context>;
  static constexpr bool kValid = kIs && std::is_lvalue_reference_v<P>;
};

// PairShape and SingleShape are net/rpc's two shapes, `Ret(Args, Reply*)` and `Ret(Args)`; a
// Context may be neither the args nor the reply.
template <class Ret, class P1, class P2>
struct PairShape {
  using Out = typename Awaited<Ret>::type;
  static constexpr bool kReplyPointer = std::is_pointer_v<P2>;
  static constexpr bool kReplyConst = kReplyPointer && std::is_const_v<std::remove_pointer_t<P2>>;
  static constexpr bool kReturnsError = std::is_same_v<Out, Error>;
  static constexpr bool kValid = kReturnsError && kReplyPointer && !kReplyConst &&
                                 ArgsParam<P1>::kValid && !ContextParam<P1>::kIs &&
                                 !ContextParam<P2>::kIs;
  static constexpr bool kAsync = Awaited<Ret>::kAsync;
  static constexpr bool kReplyByValue = false;
  static constexpr bool kArgsByValue = ArgsParam<P1>::kByValue;
  static constexpr bool kArgsByPointer = ArgsParam<P1>::kPointer;
  static constexpr bool kContext = false;
  using Args = typename ArgsParam<P1>::Args;
  using Reply = std::remove_pointer_t<P2>;
};
template <class Ret, class P1>
struct SingleShape {
  using Out = typename Awaited<Ret>::type;
  static constexpr bool kValid =
      ResultValue<Out>::kIsResult && ArgsParam<P1>::kValid && !ContextParam<P1>::kIs;
  static constexpr bool kAsync = Awaited<Ret>::kAsync;
  static constexpr bool kReplyByValue = true;
  static constexpr bool kArgsByValue = ArgsParam<P1>::kByValue;
  static constexpr bool kArgsByPointer = ArgsParam<P1>::kPointer;
  static constexpr bool kContext = false;
  using Args = typename ArgsParam<P1>::Args;
  using Reply = typename ResultValue<Out>::type;
};
// WithContext is Shape with a Context taken first, as C.
template <class Shape, class C>
struct WithContext : Shape {
  static constexpr bool kContext = true;
  static constexpr bool kValid = Shape::kValid && ContextParam<C>::kValid;
};

// Signature<Ret(P...)> classifies the handler shapes net/rpc users can write:
//   Error M(const Args&, Reply*)                 Result<Reply> M(const Args&)
//   awaitable<Error> M(const Args&, Reply*)      awaitable<Result<Reply>> M(const Args&)
// each optionally with `Context&` (or `const Context&`) first. Args may also be taken by
// value, and is then moved in, or by pointer (ArgsParam).
template <class Sig>
struct Signature {
  static constexpr bool kValid = false;
  static constexpr bool kContext = false;
};
template <class Ret, class P1>
struct Signature<Ret(P1)> : SingleShape<Ret, P1> {};
template <class Ret, class P1, class P2>
struct Signature<Ret(P1, P2)>
    : std::conditional_t<ContextParam<P1>::kIs, WithContext<SingleShape<Ret, P2>, P1>,
                         PairShape<Ret, P1, P2>> {};
template <class Ret, class C, class P1, class P2>
struct Signature<Ret(C, P1, P2)> : WithContext<PairShape<Ret, P1, P2>, C> {};

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

// CheckSignature names the mistake when a handler is one of Go's or C++'s near misses, and
// lists the accepted shapes otherwise. Each static_assert tests Signature<Sig>::kValid, so the
// compiler prints the handler's signature with the message.
template <class Sig, class Ret, class P1, class P2>
constexpr void CheckPairSignature() {
  using S = PairShape<Ret, P1, P2>;
  if constexpr (!S::kReplyPointer) {
    static_assert(Signature<Sig>::kValid,
                  "netrpc: a handler takes its reply by pointer, `Reply*`, as Go's `reply *T`");
  } else if constexpr (S::kReplyConst) {
    static_assert(Signature<Sig>::kValid,
                  "netrpc: a handler writes its reply: take `Reply*`, not `const Reply*`");
  } else if constexpr (ArgsParam<P1>::kCharPointer) {
    static_assert(Signature<Sig>::kValid,
                  "netrpc: a handler takes Go's string as `const std::string&`, not a char "
                  "pointer");
  } else if constexpr (!ArgsParam<P1>::kValid) {
    static_assert(Signature<Sig>::kValid,
                  "netrpc: a handler takes its args as `const Args&`, by value, or by pointer "
                  "(`const Args*`, as Go's `args *Args`)");
  } else if constexpr (!S::kReturnsError) {
    static_assert(Signature<Sig>::kValid,
                  "netrpc: a handler that takes a reply pointer returns netrpc::Error (Go's "
                  "error), or boost::asio::awaitable<netrpc::Error> for a coroutine");
  } else {
    static_assert(Signature<Sig>::kValid, "netrpc: a handler must have one of net/rpc's shapes");
  }
}
template <class Sig>
constexpr void CheckContextPosition() {
  static_assert(Signature<Sig>::kValid,
                "netrpc: a handler takes its Context first, before its args: "
                "`M(netrpc::Context&, const Args&, Reply*)`");
}
template <class Sig>
constexpr void CheckContextParam() {
  static_assert(Signature<Sig>::kValid,
                "netrpc: a handler takes its Context by reference, `netrpc::Context&` or "
                "`const netrpc::Context&`, not by value, by pointer or as an rvalue");
}
template <class Sig>
constexpr void CheckAnyShape() {
  static_assert(Signature<Sig>::kValid,
                "netrpc: a handler must have one of net/rpc's shapes: "
                "`netrpc::Error M(const Args&, Reply*)`, `netrpc::Result<Reply> M(const Args&)`, "
                "or either wrapped in boost::asio::awaitable<...> for a coroutine handler "
                "(with #include <netrpc/asio.h>), each optionally taking `netrpc::Context&` "
                "first. Args may also be taken by value or by pointer");
}
// SignatureCheck<Sig>::Run picks the message for an invalid Sig by its parameters.
template <class Sig, class Fn = Sig>
struct SignatureCheck {
  static constexpr void Run() { CheckAnyShape<Sig>(); }
};
template <class Sig, class Ret, class P1, class P2>
struct SignatureCheck<Sig, Ret(P1, P2)> {
  static constexpr void Run() {
    if constexpr (ContextParam<P1>::kIs && !ContextParam<P1>::kValid) {
      CheckContextParam<Sig>();
    } else if constexpr (ContextParam<P1>::kIs) {  // (Context&, Args): a Result's shape
      CheckAnyShape<Sig>();
    } else if constexpr (ContextParam<P2>::kIs) {
      CheckContextPosition<Sig>();
    } else {
      CheckPairSignature<Sig, Ret, P1, P2>();
    }
  }
};
template <class Sig, class Ret, class C, class P1, class P2>
struct SignatureCheck<Sig, Ret(C, P1, P2)> {
  static constexpr void Run() {
    if constexpr (ContextParam<C>::kIs && !ContextParam<C>::kValid) {
      CheckContextParam<Sig>();
    } else if constexpr (ContextParam<C>::kIs && !ContextParam<P1>::kIs && !ContextParam<P2>::kIs) {
      CheckPairSignature<Sig, Ret, P1, P2>();
    } else if constexpr (!ContextParam<C>::kIs &&
                         (ContextParam<P1>::kIs || ContextParam<P2>::kIs)) {
      CheckContextPosition<Sig>();
    } else {
      CheckAnyShape<Sig>();
    }
  }
};

template <class Sig>
constexpr void CheckSignature() {
  if constexpr (!Signature<Sig>::kValid) SignatureCheck<Sig>::Run();
}

// Invoke calls fn with the slot's arguments, after the slot's Context if fn takes one; a
// handler's exception becomes an Error. A handler that takes its arguments by value owns them:
// they are moved in, not copied, so that `*reply = std::move(args)` echoes a payload without
// copying it.
template <class S, class F>
auto Invoke(F& fn, CallSlot& slot) {
  auto call = [&](auto&&... params) {
    if constexpr (S::kContext) {
      return fn(*slot.context, std::forward<decltype(params)>(params)...);
    } else {
      return fn(std::forward<decltype(params)>(params)...);
    }
  };
  auto& stored = *static_cast<typename S::Args*>(slot.args);
  auto&& args = [&]() -> decltype(auto) {
    if constexpr (S::kArgsByValue) {
      return std::move(stored);
    } else {
      return stored;
    }
  }();
  auto* reply = static_cast<typename S::Reply*>(slot.reply);
  if constexpr (S::kArgsByPointer && S::kReplyByValue) {
    (void)reply;
    return call(&stored);
  } else if constexpr (S::kArgsByPointer) {
    return call(&stored, reply);
  } else if constexpr (S::kReplyByValue) {
    (void)reply;
    return call(std::forward<decltype(args)>(args));
  } else {
    return call(std::forward<decltype(args)>(args), reply);
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

// MakeStub erases fn, a callable taking ([Context&,] args [, reply*]), into a MethodStub.
template <class Sig, class F>
MethodStub MakeStub(std::string name, F fn) {
  CheckSignature<Sig>();
  using S = Signature<Sig>;
  MethodStub stub;
  if constexpr (S::kValid) {  // else CheckSignature said why; no follow-on errors
    stub.name = std::move(name);
    stub.args_type = TypeOf<typename S::Args>();
    stub.reply_type = TypeOf<typename S::Reply>();
    stub.takes_context = S::kContext;
    stub.new_slot = [] {
      return std::unique_ptr<CallSlot>(new TypedSlot<typename S::Args, typename S::Reply>());
    };
    if constexpr (S::kAsync) {
      static_assert(AsioHeader<F>::kIncluded,
                    "netrpc: coroutine handlers need #include <netrpc/asio.h>");
      if constexpr (AsioHeader<F>::kIncluded) {
        stub.invoke_async = std::make_unique<AsyncHandler<S, F>>(std::move(fn));
      }
    } else {
      stub.invoke = [fn = std::move(fn)](CallSlot& slot) mutable -> Error {
        try {
          return Store<S>(Invoke<S>(fn, slot), slot);
        } catch (const std::exception& e) {
          return Error(std::string("handler threw: ") + e.what());
        }
      };
    }
  }
  return stub;
}

// ServiceDescribed<T> is true once NETRPC_SERVICE (or NETRPC_STRUCT) described T.
// CheckService tests it first thing in Register, so that an undescribed service gets this
// message, naming T, instead of errors from the lookups that follow.
template <class T>
inline constexpr bool ServiceDescribed = boost::describe::has_describe_members<T>::value;
template <class T>
constexpr void CheckService() {
  static_assert(ServiceDescribed<T>,
                "netrpc: describe the service with NETRPC_SERVICE(Type, Method...) at namespace "
                "scope before registering it");
}
// CheckServicePointer stops Register(T**): Register takes the object or one pointer to it.
template <class T>
constexpr void CheckServicePointer() {
  static_assert(!std::is_pointer_v<T>,
                "netrpc: Register takes the service object or a pointer to it, not a pointer to "
                "a pointer");
}
// NullService is Register's error for a null service pointer (Go's Register panics there).
inline Error NullService() {
  return Error(ErrorCode::kUsage, "rpc.Register: the service is a null pointer");
}

// MethodStubs lists the stubs of every method NETRPC_SERVICE named for T, bound to obj.
template <class T>
std::vector<MethodStub> MethodStubs(T* obj) {
  CheckService<T>();
  std::vector<MethodStub> stubs;
  if constexpr (ServiceDescribed<T>) {
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
  }
  return stubs;
}

}  // namespace netrpc::detail
