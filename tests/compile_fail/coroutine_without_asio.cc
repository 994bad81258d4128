// coroutine_without_asio.cc: must NOT compile. netrpc.h leaves Asio out; a coroutine handler
// registered without netrpc/asio.h is a compile error that names that header (ctest checks the
// message), not an obscure one from inside Asio or a link error.
#include <netrpc/netrpc.h>

#include <boost/asio/awaitable.hpp>

struct Args {
  int64_t A = 0, B = 0;
};
NETRPC_STRUCT(Args, A, B);

struct Arith {
  boost::asio::awaitable<netrpc::Error> Multiply(const Args& args, int64_t* reply) {
    *reply = args.A * args.B;
    co_return netrpc::Error{};
  }
};
NETRPC_SERVICE(Arith, Multiply);

int main() {
  Arith arith;
  netrpc::Server server;
  return server.Register(arith) ? 1 : 0;
}
