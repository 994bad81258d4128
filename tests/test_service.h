// test_service.h: the services the end-to-end tests call, and a server on 127.0.0.1:0.
// Shared by the server and client tests so that both exercise the same handlers.
#pragma once

#include <netrpc/asio.h>
#include <netrpc/netrpc.h>

#include <atomic>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <thread>

namespace testsvc {

struct Args {
  int64_t A = 0, B = 0;
};
NETRPC_STRUCT(Args, A, B);

struct Quotient {
  int64_t Quo = 0, Rem = 0;
};
NETRPC_STRUCT(Quotient, Quo, Rem);

struct Arith {
  netrpc::Error Multiply(const Args& args, int64_t* reply) {
    *reply = args.A * args.B;
    return {};
  }
  netrpc::Error Divide(const Args& args, Quotient* quo) {
    if (args.B == 0) return netrpc::Error("divide by zero");
    quo->Quo = args.A / args.B;
    quo->Rem = args.A % args.B;
    return {};
  }
  // Add returns its reply by value.
  netrpc::Result<int64_t> Add(const Args& args) { return args.A + args.B; }
  // Sleep blocks for args.A milliseconds and answers args.B.
  netrpc::Error Sleep(const Args& args, int64_t* reply) {
    std::this_thread::sleep_for(std::chrono::milliseconds(args.A));
    *reply = args.B;
    return {};
  }
  // AsyncSleep waits args.A milliseconds without blocking its thread, then answers A+B.
  boost::asio::awaitable<netrpc::Error> AsyncSleep(const Args& args, int64_t* reply) {
    boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor,
                                    std::chrono::milliseconds(args.A));
    co_await timer.async_wait(boost::asio::use_awaitable);
    *reply = args.A + args.B;
    co_return netrpc::Error{};
  }
  netrpc::Error Echo(const std::string& s, std::string* reply) {
    *reply = s;
    return {};
  }
};
NETRPC_SERVICE(Arith, Multiply, Divide, Add, Sleep, AsyncSleep, Echo);

// TestServer serves Arith on a free port for the length of a test.
class TestServer {
 public:
  explicit TestServer(netrpc::ServerOptions options = {}) : server_(options) {
    if (netrpc::Error err = server_.Register(arith_)) throw std::runtime_error(err.message());
    if (netrpc::Error err = server_.Listen("tcp", "127.0.0.1:0")) {
      throw std::runtime_error(err.message());
    }
  }
  std::string Address() const { return server_.Address(); }
  netrpc::Server& server() { return server_; }

 private:
  Arith arith_;
  netrpc::Server server_;
};

inline std::unique_ptr<netrpc::Client> MustDial(const std::string& address,
                                                netrpc::DialOptions options = {}) {
  auto client = netrpc::Dial("tcp", address, options);
  if (!client.ok()) throw std::runtime_error(client.error().message());
  return std::move(client).value();
}

}  // namespace testsvc
