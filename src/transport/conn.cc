// conn.cc: the public Conn and Listener handles (netrpc/conn.h) over the transport's own
// classes; until a server or client takes them, they live on the default loop.
#include "netrpc/conn.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_future.hpp>

#include "transport/conn_access.h"
#include "transport/event_loop.h"
#include "transport/listener.h"
#include "transport/pipe.h"
#include "transport/socket_connection.h"

namespace netrpc {

namespace asio = boost::asio;

std::string Conn::Network() const { return impl_ ? impl_->Network() : ""; }
std::string Conn::RemoteAddress() const { return impl_ ? impl_->GetPeer().address : ""; }
std::string Conn::LocalAddress() const { return impl_ ? impl_->LocalAddress() : ""; }
void Conn::Close() {
  if (!impl_) return;
  // On its executor, where every other operation on it runs.
  asio::post(impl_->GetExecutor(), [c = impl_] { c->Close(); });
}

Result<Conn> Listener::Accept() {
  if (!impl_) return Error(ErrorCode::kUsage, "accept: no listener");
  auto& loop = transport::DefaultLoop();
  if (loop.InLoopThread()) {
    return Error(ErrorCode::kUsage, "accept: blocking on netrpc's own loop would deadlock");
  }
  auto accepted =
      asio::co_spawn(loop.Context(), impl_->Accept(loop.Context().get_executor()), asio::use_future)
          .get();
  if (!accepted.ok()) return accepted.error();
  return detail::ConnAccess::Make(std::move(*accepted));
}
std::string Listener::Address() const { return impl_ ? impl_->Address() : ""; }
std::string Listener::Network() const { return impl_ ? impl_->Network() : ""; }
void Listener::Close() {
  if (impl_) impl_->Close();
}

Result<Listener> Listen(std::string_view network, std::string_view address) {
  auto l = transport::Listen(transport::DefaultLoop().Context().get_executor(), network, address);
  if (!l.ok()) return l.error();
  return detail::ConnAccess::Make(std::move(*l));
}

Result<Conn> DialConn(std::string_view network, std::string_view address,
                      std::chrono::milliseconds timeout) {
  auto& loop = transport::DefaultLoop();
  if (loop.InLoopThread()) {
    return Error(ErrorCode::kUsage, "dial: blocking on netrpc's own loop would deadlock");
  }
  auto dialed = asio::co_spawn(loop.Context(),
                               transport::Dial(loop.Context().get_executor(), std::string(network),
                                               std::string(address), timeout),
                               asio::use_future)
                    .get();
  if (!dialed.ok()) return dialed.error();
  return detail::ConnAccess::Make(std::move(*dialed));
}

Result<Conn> FileConn(int fd) {
  auto c = transport::AdoptDescriptor(transport::DefaultLoop().Context().get_executor(), fd);
  if (!c.ok()) return Error(c.error().code(), "FileConn: " + c.error().message());
  return detail::ConnAccess::Make(std::move(*c));
}

std::pair<Conn, Conn> Pipe() {
  auto ex = transport::DefaultLoop().Context().get_executor();
  auto [a, b] = transport::NewPipe(ex, ex);
  return {detail::ConnAccess::Make(std::shared_ptr<transport::Connection>(std::move(a))),
          detail::ConnAccess::Make(std::shared_ptr<transport::Connection>(std::move(b)))};
}

}  // namespace netrpc
