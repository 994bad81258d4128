// default_server.cc: Go's package-level net/rpc over one process-wide server: DefaultServer,
// Register, Accept, ServeConn... (HandleHTTP and HandleFunc are http/'s, in handle_http.cc).
#include <cstdlib>

#include "netrpc/codec.h"
#include "netrpc/netrpc.h"
#include "server/server_access.h"
#include "transport/event_loop.h"

namespace netrpc {

namespace {
Server* default_server = nullptr;  // made once by DefaultServer, never freed
}  // namespace

Server& DefaultServer() {
  static Server* server = [] {
    // The default loop's own exit hook must run after this server's: made first, it is.
    transport::DefaultLoop();
    default_server = new Server();
    // Registered after the statics the server uses were made, so it runs before they go:
    // listeners and connections close and the I/O threads stop before exit tears them down.
    std::atexit([] { detail::ServerAccess::CloseNow(*default_server); });
    return default_server;
  }();
  return *server;
}

Error Accept(Listener listener) { return DefaultServer().Accept(std::move(listener)); }
Error ServeConn(Conn conn) { return DefaultServer().ServeConn(std::move(conn)); }
Error ServeCodec(std::unique_ptr<ServerCodec> codec) {
  return DefaultServer().ServeCodec(std::move(codec));
}
Error ServeRequest(ServerCodec& codec) { return DefaultServer().ServeRequest(codec); }

}  // namespace netrpc
