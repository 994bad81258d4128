// client_core.h: what a Client is underneath: one connection, its codec, the pending-call
// table, a read loop that completes calls, and one timer for every call's deadline.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <memory>
#include <mutex>

#include "client/call_state.h"
#include "client/pending_calls.h"
#include "codec/codec.h"
#include "codec/native.h"
#include "netrpc/netrpc.h"
#include "protocol/http_connect.h"
#include "transport/connection.h"
#include "transport/event_loop.h"
#include "transport/read_loop.h"
#include "transport/stream.h"
#include "transport/tls.h"

namespace netrpc::detail {

class ClientCore : public std::enable_shared_from_this<ClientCore>, private transport::MessageSink {
 public:
  explicit ClientCore(DialOptions options);
  ~ClientCore();
  // MakeClient hands a connected core to a new Client, whose constructor only this may call.
  static std::unique_ptr<Client> MakeClient(std::shared_ptr<ClientCore> core) {
    return std::unique_ptr<Client>(new Client(std::move(core)));
  }

  // Connect dials address; a non-empty http_path first makes Go's HTTP CONNECT handshake.
  // AsyncConnect is Connect for a coroutine, on any executor (AsyncDial).
  boost::asio::awaitable<Error> AsyncConnect(
      std::string network, std::string address, std::string http_path = {},
      std::string connected = std::string(protocol::kConnected));
  // connected is the answer the handshake wants: Go's, or GeeRPC's for its CONNECT path.
  Error Connect(std::string_view network, std::string_view address, std::string_view http_path = {},
                std::string_view connected = protocol::kConnected);
  Error Adopt(int fd);
  // UseTls makes Connect dial TLS with tls (DialTLS); call it before Connect.
  void UseTls(std::shared_ptr<transport::TlsClientContext> tls) { tls_ = std::move(tls); }
  // Run takes a connection made elsewhere (NewClient), with a codec of the caller's or, if
  // null, the one options.protocol names.
  Error Run(std::shared_ptr<transport::Connection> connection,
            std::unique_ptr<ClientCodec> codec = nullptr);
  // Shutdown closes and then stops the I/O thread; call it from the owner, not a callback.
  void Shutdown();

  std::shared_ptr<Call> Start(std::string_view service_method, ConstValue args, Value reply,
                              CallOptions options, std::function<void(Call&)> done);
  void Cancel(uint64_t seq);
  Error Close();
  size_t PendingCount();
  // Alive is false once the connection is gone or closed: every later call fails unsent.
  bool Alive();
  // InLoopThread is true where blocking would deadlock: on the client's loop, or on the
  // default loop when the connection is a caller's Conn, whose replies arrive there.
  bool InLoopThread() const {
    return (loop_ && loop_->InLoopThread()) ||
           (on_default_loop_ && transport::DefaultLoop().InLoopThread());
  }

  // Complete finishes a call its caller has just taken out of the table.
  static void Complete(Call& call, const Error& err);
  static boost::asio::awaitable<Error> Await(std::shared_ptr<Call> call);
  static Error Wait(Call& call);

 private:
  // DialConnection connects on the client's loop, with Go's HTTP CONNECT if http_path is set
  // and then GeeRPC's Option if the options ask for it.
  boost::asio::awaitable<Result<std::shared_ptr<transport::Connection>>> DialConnection(
      std::string network, std::string address, std::string http_path,
      std::string connected = std::string(protocol::kConnected));
  boost::asio::awaitable<Error> SendGeeOption(transport::Connection& c);
  Error Begin(std::shared_ptr<transport::Connection> connection,
              std::unique_ptr<ClientCodec> codec);
  boost::asio::awaitable<void> ReadLoop();
  // The read loop's side (transport::MessageSink).
  ReadResult OnMessage(std::string_view in) override;
  // A large reply whose last value is a string or byte slice: BeginLarge stages it (no I/O,
  // so the usual path pays no coroutine for the check), the loop reads the staged value
  // from the connection, FinishLarge hands it to the call if the call is still waiting.
  struct LargeReply {
    Response header;
    Bytes bytes;
    std::string string;
    codec::Tail tail;
  };
  Large BeginLarge(transport::ReadBuffer& buffer, codec::Tail** tail) override;
  Error FinishLarge() override;
  void ArmTimer();
  void OnTimer();

  DialOptions options_;
  std::shared_ptr<transport::TlsClientContext> tls_;  // DialTLS's; null for plain TCP
  codec::Limits limits_;
  std::unique_ptr<transport::EventLoop> own_loop_;  // unless DialOptions::loop is shared
  transport::EventLoop* loop_;
  std::shared_ptr<transport::Stream> stream_;
  bool on_default_loop_ = false;  // set once, in Begin
  bool native_ = false;           // set once, in Begin: the native codec of netrpc's own
  bool gee_option_sent_ = false;  // by SendGeeOption, before Begin
  std::unique_ptr<ClientCodec> codec_;
  codec::LargeMessages* large_ = nullptr;        // codec_'s, if it has the capability
  codec::NativeClient* native_codec_ = nullptr;  // codec_'s, if it is the native codec
  Response header_;                              // read loop only, as are the next two
  LargeReply large_reply_;
  bool heard_ = false;  // the server sent bytes: an EOF is then no sign of a protocol mismatch
  // The deadline timer runs on a strand of its own (a shared loop may have several threads);
  // it is used only there, and goes before an owned loop's io_context does.
  using Timer = boost::asio::basic_waitable_timer<
      std::chrono::steady_clock, boost::asio::wait_traits<std::chrono::steady_clock>,
      boost::asio::strand<boost::asio::io_context::executor_type>>;
  std::unique_ptr<Timer> timer_;

  std::mutex mu_;  // guards everything below
  uint64_t next_seq_ = 0;
  client::PendingCalls pending_;
  bool closing_ = false;   // the user called Close
  bool shutdown_ = false;  // the connection is gone
  client::Clock::time_point timer_at_ = client::Clock::time_point::max();
};

// GeeOption is the GeeRPC Option that options ask for (DialOptions::gee_option).
std::string GeeOption(const DialOptions& options);
// WithProtocol resolves an unset DialOptions::protocol to the dial function's default.
DialOptions WithProtocol(DialOptions options, Protocol dial_default);

}  // namespace netrpc::detail
