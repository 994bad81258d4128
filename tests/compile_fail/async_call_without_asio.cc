// async_call_without_asio.cc: must NOT compile. Client::AsyncCall is defined in netrpc/asio.h;
// calling it without that header is a compile error that names the header, not a link error.
#include <netrpc/netrpc.h>

#include <boost/asio/awaitable.hpp>

boost::asio::awaitable<netrpc::Error> Multiply(netrpc::Client& client) {
  int64_t product = 0;
  co_return co_await client.AsyncCall("Arith.Multiply", int64_t{6}, &product);
}

int main() {}
