// netrpc.h: Go's net/rpc for C++20. Server, Client, Call, Dial: the header a newcomer reads.
// Describe types with NETRPC_STRUCT and services with NETRPC_SERVICE; errors are values.
// Coroutines (AsyncCall, coroutine handlers) need netrpc/asio.h as well; this header has no Asio.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "netrpc/auth.h"
#include "netrpc/conn.h"
#include "netrpc/describe.h"
#include "netrpc/detail/call_args.h"
#include "netrpc/detail/method.h"
#include "netrpc/error.h"
#include "netrpc/log.h"

// NETRPC_SERVICE(Type, Method, ...) names the methods a service exports, as Go's reflection
// finds exported methods. Each must have a handler shape (see Server::Register).
#define NETRPC_SERVICE(T, ...) NETRPC_STRUCT(T, __VA_ARGS__)

namespace boost::asio {
class io_context;  // a user's, for EventLoop; netrpc.h itself includes no Asio
}

namespace netrpc {

using namespace std::chrono_literals;

class ServerCodec;  // netrpc/codec.h: Go's rpc.ServerCodec, for codecs of one's own
class ClientCodec;
struct TlsConfig;  // netrpc/tls.h: TLS and mTLS
struct TlsCertificate;

// Protocol is what a client speaks; a server detects it per connection, on one port.
enum class Protocol : uint8_t {
  kNative,  // netrpc's binary framing: the fastest, the default
  kGob,     // Go net/rpc's default: a gob stream (rpc.Dial / rpc.ServeConn)
  kJson,    // Go net/rpc/jsonrpc (jsonrpc.Dial / jsonrpc.ServeConn)
};

// Dispatch says where a plain (non-coroutine) handler runs.
enum class Dispatch : uint8_t {
  kWorker,  // on the server's worker pool: handlers may block, calls run concurrently
  kInline,  // on the connection's I/O thread: fastest, for handlers that never block
};

namespace detail {
struct ServerAccess;
class ClientCore;
struct CallState;  // src/client/call_state.h
struct LoopAccess;
}  // namespace detail

// EventLoop is where servers and clients do their I/O: a pool of netrpc's threads, or a
// user's Asio io_context, run by the user's own threads (then an Asio program needs none of
// netrpc's). Servers (ServerOptions::loop) and clients (DialOptions::loop) may share one;
// without one, each runs threads of its own. Sixteen clients on one loop cost one thread, not
// sixteen, and their Go and AsyncCall completions run there. A loop must outlive what runs on
// it, and nothing may block on its threads: Wait, Dial and ServeRequest there return kUsage
// errors instead of deadlocking (so on a user's io_context, dial from another thread or with
// AsyncDial, netrpc/asio.h). Destroying a loop of netrpc's threads stops them; a user's
// io_context is never stopped by netrpc.
class EventLoop {
 public:
  explicit EventLoop(size_t threads = 1);
  explicit EventLoop(boost::asio::io_context& io);
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

 private:
  friend struct detail::LoopAccess;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Go's DefaultRPCPath and DefaultDebugPath (net/rpc/server.go).
inline constexpr std::string_view DefaultRPCPath = "/_goRPC_";
inline constexpr std::string_view DefaultDebugPath = "/debug/rpc";

// HttpRequest is one HTTP request to a handler of Server::HandleFunc (the parts of Go's
// http.Request a handler on an RPC port needs).
struct HttpRequest {
  std::string method;                                       // "GET"
  std::string target;                                       // as sent: "/healthz?verbose=1"
  std::string path;                                         // "/healthz"
  std::string query;                                        // "verbose=1"
  std::vector<std::pair<std::string, std::string>> header;  // in the order sent
  std::string body;                                         // at most 1 MiB
  std::string remote_address;                               // "127.0.0.1:50312"
  // Header is the first value of field name, compared without case (Go's Header.Get); "" if
  // there is none.
  std::string_view Header(std::string_view name) const;
};

// HttpResponse is what a handler answers; Content-Length is set from body, and Content-Type
// is "text/plain; charset=utf-8" unless the handler sets one.
struct HttpResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> header;
  std::string body;
};

using HttpHandler = std::function<void(const HttpRequest&, HttpResponse*)>;

struct ServerOptions {
  // loop, if set, runs the server's I/O there (and io_threads is unused).
  EventLoop* loop = nullptr;
  size_t io_threads = 1;
  // Plain handlers run on a worker pool that grows when every worker is busy, so a ready call
  // never waits behind blocked handlers (Go runs each call on its own goroutine), and shrinks
  // back after 10 s idle. worker_threads is its minimum (0: one per core, at least 2),
  // max_worker_threads its cap; past the cap, calls queue until a worker is free.
  size_t worker_threads = 0;
  size_t max_worker_threads = 1024;
  size_t max_message_bytes = 64u << 20;  // a larger request closes its connection
  size_t max_depth = 64;                 // nesting of a decoded value
  size_t max_connections = 10000;        // more are closed as soon as they are accepted
  // Back-pressure per connection: past either bound the server stops reading that connection
  // until its calls finish and the peer takes its replies, instead of buffering without end.
  size_t max_calls_in_flight = 1024;
  size_t max_queued_reply_bytes = 64u << 20;
  // idle_timeout closes a connection that has sent nothing, had no call finish and has no call
  // in flight or reply waiting for this long (0: never, as net/rpc, gRPC and brpc by
  // default); it catches half-open peers.
  std::chrono::milliseconds idle_timeout{0};
  // handler_timeout answers a call whose handler runs longer with "rpc: handler timeout after
  // Nms" (0: no limit). The handler is not stopped; its late reply is dropped.
  std::chrono::milliseconds handler_timeout{0};
  std::chrono::milliseconds shutdown_grace = 30s;  // then Shutdown closes what is left
  // handshake_timeout closes a connection on a TLS listener whose handshake has not finished
  // by then; until then it counts against max_connections.
  std::chrono::milliseconds handshake_timeout = 10s;
  // auth, if set, admits or refuses each connection, each call and each HTTP request on the
  // server's ports (netrpc/auth.h: what it sees, where it runs, what a refusal does). An
  // option rather than a setter: it is fixed before the first connection and read without a
  // lock. Unset, nothing is asked and nothing is paid but one check per call.
  AuthHook auth = nullptr;
};

struct RegisterOptions {
  Dispatch dispatch = Dispatch::kWorker;
};

// Server serves registered services on any number of listeners. Methods are safe to call
// from any thread; handlers of one connection run concurrently and reply in completion order.
class Server {
 public:
  explicit Server(ServerOptions options = {});
  ~Server();  // Shutdown()
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Register publishes the methods NETRPC_SERVICE named for T as "T.Method". A handler is
  //   netrpc::Error M(const Args&, Reply*)              (net/rpc's shape)
  //   netrpc::Result<Reply> M(const Args&)              (reply by value)
  //   boost::asio::awaitable<...> of either             (a coroutine, run on the I/O thread;
  //                                                      needs #include <netrpc/asio.h>)
  // Args may also be taken by value or, as Go's `args *Args`, by pointer (never null). Each
  // shape may take `Context&` (or `const Context&`) first: the caller's peer, metadata,
  // deadline and cancellation (netrpc/context.h). obj must outlive the server; it may be
  // given by pointer, as Go's rpc.Register(new(T)) (null: a kUsage error). Errors are
  // net/rpc's: duplicate name, no methods.
  template <class T>
  Error Register(T& obj, RegisterOptions options = {}) {
    detail::CheckService<T>();
    if constexpr (detail::ServiceDescribed<T>) {
      return RegisterName(NetrpcTypeName(static_cast<const T*>(nullptr)), obj, options);
    } else {
      return {};
    }
  }
  template <class T>
  Error Register(T* obj, RegisterOptions options = {}) {
    detail::CheckServicePointer<T>();
    if (obj == nullptr) return detail::NullService();
    return Register(*obj, options);
  }
  template <class T>
  Error RegisterName(std::string_view name, T& obj, RegisterOptions options = {}) {
    detail::CheckService<T>();
    return AddService(name, detail::MethodStubs(&obj), options);
  }
  template <class T>
  Error RegisterName(std::string_view name, T* obj, RegisterOptions options = {}) {
    detail::CheckServicePointer<T>();
    if (obj == nullptr) return detail::NullService();
    return RegisterName(name, *obj, options);
  }
  // RegisterFunc publishes a free function or lambda under "Service.Method"; further
  // functions may join the same service.
  template <class F>
  Error RegisterFunc(std::string_view service_method, F fn, RegisterOptions options = {}) {
    using Sig = typename detail::SignatureOf<decltype(&F::operator())>::type;
    return AddFunc(service_method, detail::MakeStub<Sig>("", std::move(fn)), options);
  }
  template <class Ret, class... P>
  Error RegisterFunc(std::string_view service_method, Ret (*fn)(P...),
                     RegisterOptions options = {}) {
    return AddFunc(service_method, detail::MakeStub<Ret(P...)>("", fn), options);
  }

  // Listen starts serving on network ("tcp", "tcp4", "tcp6": host:port, port 0 picks a free
  // one; "unix": a socket path) and returns at once.
  Error Listen(std::string_view network, std::string_view address);
  // ListenTLS is Listen over TLS ("tcp*" only), configured by config (netrpc/tls.h); kUsage if
  // the certificate, key or CAs do not load. Every protocol Listen detects is served inside.
  Error ListenTLS(std::string_view network, std::string_view address, const TlsConfig& config);
  // ReloadCertificate replaces the certificate and key of every TLS listener of this server:
  // connections accepted after it returns use the new pair, open ones keep theirs. On an
  // error (kUsage: the pair does not load) the old pair stays.
  Error ReloadCertificate(const TlsCertificate& certificate);
  // Accept serves every connection listener accepts, as Go's Server.Accept, and blocks until
  // the listener is closed or the server shuts down.
  Error Accept(Listener listener);
  // Address is where the last Listen or Accept listens, e.g. "127.0.0.1:40123" or a path.
  std::string Address() const;
  // Serve blocks until Shutdown; ListenAndServe is Listen then Serve.
  void Serve();
  Error ListenAndServe(std::string_view network, std::string_view address);
  // ServeConn serves one connection in the background, detecting its protocol from its first
  // bytes; it returns at once (Go's blocks until the client hangs up).
  Error ServeConn(Conn conn);
  // ServeConn(fd) serves an already connected TCP or Unix socket; the server takes it.
  Error ServeConn(int fd);
  // ServeCodec serves the codec's connection with that codec, in the background, until the
  // connection ends or the codec fails (Go's Server.ServeCodec). See netrpc/codec.h.
  Error ServeCodec(std::unique_ptr<ServerCodec> codec);
  // ServeRequest serves one request with codec, synchronously, and leaves the codec and its
  // connection open for the next (Go's Server.ServeRequest). It returns the read error when
  // no request came (kUnexpectedEof at the connection's end) and, as Go's, the error it
  // answered an unknown method or an undecodable body with (or the auth hook's refusal: it
  // asks the call phase only); a handler's error is the reply's, not ServeRequest's. Do not
  // call it while the codec is served otherwise.
  Error ServeRequest(ServerCodec& codec);
  // HandleHTTP turns on HTTP on every listener of this server (Go's Server.HandleHTTP):
  // CONNECT rpc_path starts an RPC stream (Go's handshake), any other method there gets Go's
  // "405 must CONNECT", and debug_path serves the debug page: Go's /debug/rpc layout (each
  // service, its methods as Go prints them and their calls) with live columns Go lacks, and
  // the same data as JSON at debug_path?format=json. HandleHTTP() uses Go's DefaultRPCPath
  // and DefaultDebugPath. Without it, CONNECT to /_goRPC_ is still answered (Go answers it
  // only after HandleHTTP) and nothing else is: the debug page is off by default.
  void HandleHTTP();
  void HandleHTTP(std::string_view rpc_path, std::string_view debug_path);
  // HandleFunc answers HTTP requests for pattern on this server's port, beside the RPC and
  // debug paths, as Go's http.HandleFunc beside rpc.HandleHTTP. Patterns are Go's ServeMux
  // paths: "/healthz" matches that path only, "/static/" every path below it; the longest
  // match wins; a path nothing matches gets Go's "404 page not found". Handlers run on the
  // worker pool and may block. Errors: a pattern that is empty, does not start with '/', or
  // is already registered (Go panics there).
  Error HandleFunc(std::string_view pattern, HttpHandler handler);
  // Shutdown stops accepting, stops reading new requests, lets the calls in flight finish
  // and their replies go out (up to options.shutdown_grace), then closes every connection.
  void Shutdown();

  // NumCalls is how many calls "Service.Method" has served (net/rpc's numCalls).
  uint64_t NumCalls(std::string_view service_method) const;

 private:
  friend struct detail::ServerAccess;  // src/server/server_access.h: for http/
  class Impl;
  Error AddService(std::string_view name, std::vector<detail::MethodStub> stubs,
                   RegisterOptions options);
  Error AddFunc(std::string_view service_method, detail::MethodStub stub, RegisterOptions options);
  std::unique_ptr<Impl> impl_;
};

// DefaultServer is the server of Go's package-level functions (rpc.DefaultServer), made with
// default ServerOptions on first use and never destroyed. At exit it stops at once: its
// listeners and connections close and its I/O threads end, calls in flight are abandoned
// (their replies are not sent, and handlers still running are not waited for), as a Go
// process's exit ends its goroutines. For a graceful end, call DefaultServer().Shutdown()
// before returning from main.
Server& DefaultServer();
// Go's package functions (net/rpc/server.go), each on DefaultServer().
template <class T>
Error Register(T& obj, RegisterOptions options = {}) {
  return DefaultServer().Register(obj, options);
}
template <class T>
Error Register(T* obj, RegisterOptions options = {}) {
  return DefaultServer().Register(obj, options);
}
template <class T>
Error RegisterName(std::string_view name, T& obj, RegisterOptions options = {}) {
  return DefaultServer().RegisterName(name, obj, options);
}
template <class T>
Error RegisterName(std::string_view name, T* obj, RegisterOptions options = {}) {
  return DefaultServer().RegisterName(name, obj, options);
}
void HandleHTTP();
void HandleHTTP(std::string_view rpc_path, std::string_view debug_path);
Error HandleFunc(std::string_view pattern, HttpHandler handler);
Error Accept(Listener listener);  // blocks, as Go's rpc.Accept
Error ServeConn(Conn conn);       // returns at once (Go's blocks until the client hangs up)
Error ServeCodec(std::unique_ptr<ServerCodec> codec);
Error ServeRequest(ServerCodec& codec);

struct DialOptions {
  // protocol is what the client speaks. Unset, it is the dial function's default: kGob for
  // DialHTTP and DialHTTPPath (as Go's rpc.DialHTTP) and with gee_option (GeeRPC's default
  // codec), kNative for Dial, AsyncDial and NewClient.
  std::optional<Protocol> protocol = std::nullopt;
  // gee_option opens the connection with GeeRPC's JSON Option as GeeRPC's client writes it:
  // {"MagicNumber":3927900,"CodecType":"application/gob","ConnectTimeout":10000000000,
  // "HandleTimeout":0} (CodecType "application/json" for kJson; the timeouts in nanoseconds,
  // ConnectTimeout being connect_timeout), for servers that negotiate the codec that way.
  bool gee_option = false;
  // gee_handle_timeout is the Option's HandleTimeout (0: none): a GeeRPC server, netrpc's
  // too, answers a call whose handler runs longer with the error
  // "rpc server: request handle timeout: expect within 1.5s" (Go's Duration format).
  std::chrono::nanoseconds gee_handle_timeout{0};
  std::chrono::milliseconds connect_timeout = 10s;
  size_t max_message_bytes = 64u << 20;
  size_t max_depth = 64;
  // A call made while this much is already waiting to be sent (a server that stopped
  // reading) fails at once with kTooLarge instead of growing the queue without end.
  size_t max_queued_request_bytes = 64u << 20;
  // loop, if set, runs this client's I/O on a shared EventLoop instead of a thread of its own.
  EventLoop* loop = nullptr;
};

struct CallOptions {
  // timeout: 0 is no deadline. On the native protocol the server learns the caller's remaining
  // time and answers "rpc: call timeout" when it passes, dropping the handler's late result.
  std::chrono::milliseconds timeout{0};
  // metadata travels with the call on the native protocol (string keys and values; nothing is
  // sent when empty). Go's protocols have no place for it and ignore it.
  std::vector<std::pair<std::string, std::string>> metadata{};
};

// Call is one RPC in flight or done, as Go's rpc.Call. Go returns it; Client::Call waits on it.
// Exactly one of reply, error, deadline, Cancel, Close and connection loss completes it.
// Only a Client makes one.
class Call {
 public:
  Call(const Call&) = delete;
  Call& operator=(const Call&) = delete;

  const std::string& ServiceMethod() const { return service_method_; }
  // Done reports, without blocking, whether the call has completed.
  bool Done() const;
  // Wait blocks until the call completes and returns its error (ok: the reply is filled).
  Error Wait();
  // error is the call's outcome once Done().
  Error error() const;
  // Cancel completes the call with ErrCanceled and removes it from the client; a reply that
  // arrives later is discarded. No effect once done.
  void Cancel();

 private:
  friend class detail::ClientCore;
  // Every Call is a detail::CallState, which adds the lock, the condition variable and the
  // outcome in the same allocation, so that this header needs neither <mutex> nor a pimpl.
  friend struct detail::CallState;
  Call(std::string service_method, Value reply, std::function<void(Call&)> done)
      : service_method_(std::move(service_method)), reply_(reply), done_(std::move(done)) {}
  ~Call() = default;

  std::string service_method_;
  Value reply_;
  std::function<void(Call&)> done_;
  std::weak_ptr<detail::ClientCore> client_;
  uint64_t seq_ = 0;
};

// Client multiplexes calls on one connection. All methods are safe from any thread. A done
// callback runs where its call completes: on the client's I/O thread for replies, deadlines
// and a lost connection, on the caller's thread for Cancel and Close. It must not block.
class Client {
 public:
  ~Client();  // Close()
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Call sends one request and waits for its reply. args is a value of a type that travels,
  // or, as in Go, a pointer to one (`&args`); a string literal, const char* or
  // std::string_view travels as a string. A null args pointer fails the call with kUsage.
  // reply is a pointer, as Go's `&reply`.
  template <class Args, class Reply>
  Error Call(std::string_view service_method, const Args& args, Reply* reply,
             CallOptions options = {}) {
    detail::SentArgs<Args> sent(args);
    return Start(service_method, sent.value(), detail::ReplyValue(reply), options, {})->Wait();
  }
  // Go starts a call and returns at once; *reply must live until the call is done, args need
  // not (they are encoded before Go returns). done, if given, runs once when the call
  // completes. args and reply are as for Call.
  template <class Args, class Reply>
  std::shared_ptr<netrpc::Call> Go(std::string_view service_method, const Args& args, Reply* reply,
                                   CallOptions options = {},
                                   std::function<void(netrpc::Call&)> done = {}) {
    detail::SentArgs<Args> sent(args);
    return Start(service_method, sent.value(), detail::ReplyValue(reply), options, std::move(done));
  }
  // AsyncCall is Call for asio coroutines; cancelling the awaiting operation removes the call.
  // It is defined in netrpc/asio.h: `co_await client->AsyncCall(...)` needs that header.
  template <detail::AsyncCallArgs Args, class Reply>
  boost::asio::awaitable<Error, boost::asio::any_io_executor> AsyncCall(
      std::string_view service_method, const Args& args, Reply* reply, CallOptions options = {});

  // A reply passed by value or by reference cannot be filled: these overloads only stop the
  // build with "pass the reply by pointer, as Go's &reply".
  template <class Args, class Reply>
  Error Call(std::string_view, const Args&, const Reply&, CallOptions = {}) {
    detail::ReplyByPointer<Reply>();
    return {};
  }
  template <class Args, class Reply>
  std::shared_ptr<netrpc::Call> Go(std::string_view, const Args&, const Reply&, CallOptions = {},
                                   std::function<void(netrpc::Call&)> = {}) {
    detail::ReplyByPointer<Reply>();
    return nullptr;
  }
  template <detail::AsyncCallArgs Args, class Reply>
  boost::asio::awaitable<Error, boost::asio::any_io_executor> AsyncCall(std::string_view,
                                                                        const Args&, const Reply&,
                                                                        CallOptions = {});

  // Close fails every pending call with ErrShutdown and closes the connection. A second
  // Close returns ErrShutdown, as in Go.
  Error Close();
  // PendingCount is the number of calls waiting for a reply.
  size_t PendingCount() const;

 private:
  friend class detail::ClientCore;  // the only maker of Clients: Dial, NewClient
  explicit Client(std::shared_ptr<detail::ClientCore> core);
  std::shared_ptr<netrpc::Call> Start(std::string_view service_method, ConstValue args, Value reply,
                                      CallOptions options, std::function<void(netrpc::Call&)> done);
  static boost::asio::awaitable<Error, boost::asio::any_io_executor> Await(
      std::shared_ptr<netrpc::Call> call);
  std::shared_ptr<detail::ClientCore> core_;
};

// Dial connects to a netrpc (or, by DialOptions::protocol, a Go) server: network "tcp",
// "tcp4" or "tcp6" with host:port, or "unix" with a socket path. A native client whose server
// closes the connection before its first reply gets kUnexpectedEof with a hint: "unexpected
// EOF (the server closed the connection before answering: a Go net/rpc server needs
// Protocol::kGob, a Go jsonrpc one Protocol::kJson)".
Result<std::unique_ptr<Client>> Dial(std::string_view network, std::string_view address,
                                     DialOptions options = {});
// DialHTTP connects through HTTP: "CONNECT /_goRPC_ HTTP/1.0", Go's answer
// "HTTP/1.0 200 Connected to Go RPC", then options.protocol: gob unless set otherwise, as
// Go's, whatever else the options say.
Result<std::unique_ptr<Client>> DialHTTP(std::string_view network, std::string_view address,
                                         DialOptions options = {});
// DialHTTPPath is DialHTTP to another path than Go's default /_goRPC_.
Result<std::unique_ptr<Client>> DialHTTPPath(std::string_view network, std::string_view address,
                                             std::string_view path, DialOptions options = {});
// NewClient runs a client over a connection (Go's rpc.NewClient), speaking
// options.protocol; NewClient(fd) over an already connected socket, which it takes.
Result<std::unique_ptr<Client>> NewClient(Conn conn, DialOptions options = {});
Result<std::unique_ptr<Client>> NewClient(int fd, DialOptions options = {});
// NewClientWithCodec runs a client that speaks through codec over its connection (Go's
// rpc.NewClientWithCodec); options.protocol and gee_option do not apply.
Result<std::unique_ptr<Client>> NewClientWithCodec(std::unique_ptr<ClientCodec> codec,
                                                   DialOptions options = {});

}  // namespace netrpc
