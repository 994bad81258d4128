// asio.h: netrpc with Asio's C++20 coroutines: Client::AsyncCall and coroutine handlers.
// netrpc.h leaves Asio out, so that a program without coroutines does not compile it.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <exception>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "netrpc/netrpc.h"

namespace netrpc {
namespace detail {

template <class T>
struct AsioHeader<T, true> {
  static constexpr bool kIncluded = true;
};

// AsyncHandler is a coroutine handler (a method, function or lambda returning
// boost::asio::awaitable<Error> or awaitable<Result<Reply>>) erased behind AsyncInvoker.
// The server runs it on the connection's I/O strand; a handler's exception becomes an Error.
template <class S, class F>
struct AsyncHandler final : AsyncInvoker {
  explicit AsyncHandler(F f) : fn(std::move(f)) {}
  boost::asio::awaitable<Error> operator()(CallSlot& slot) override {
    try {
      co_return Store<S>(co_await Invoke<S>(fn, slot), slot);
    } catch (const std::exception& e) {
      co_return Error(std::string("handler threw: ") + e.what());
    }
  }
  F fn;
};

// AsyncDial's coroutine (src/client/client.cc), with its arguments owned.
boost::asio::awaitable<Result<std::unique_ptr<Client>>> AsyncDial(std::string network,
                                                                  std::string address,
                                                                  DialOptions options);

}  // namespace detail

// AsyncDial is Dial for coroutines: the awaiting thread is not blocked while the connection
// is made, so a program running netrpc on its own io_context (EventLoop) can dial from the
// one thread that runs it. Errors are Dial's.
inline boost::asio::awaitable<Result<std::unique_ptr<Client>>> AsyncDial(std::string_view network,
                                                                         std::string_view address,
                                                                         DialOptions options = {}) {
  return detail::AsyncDial(std::string(network), std::string(address), options);
}

// AsyncCall is declared with Client in netrpc.h; this is its definition.
template <detail::AsyncCallArgs Args, class Reply>
boost::asio::awaitable<Error> Client::AsyncCall(std::string_view service_method, const Args& args,
                                                Reply* reply, CallOptions options) {
  detail::SentArgs<Args> sent(args);
  return Await(Start(service_method, sent.value(), detail::ReplyValue(reply), options, {}));
}
template <detail::AsyncCallArgs Args, class Reply>
boost::asio::awaitable<Error> Client::AsyncCall(std::string_view, const Args&, const Reply&,
                                                CallOptions) {
  detail::ReplyByPointer<Reply>();
  co_return Error{};
}

}  // namespace netrpc
