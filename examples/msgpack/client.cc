// client.cc: calls Arith over HashiCorp's msgpackrpc codec, as Go's msgpackrpc.Dial would,
// checks every value and error, and prints "N passed, M failed". Usage: msgpack_client ADDR
#include <netrpc/conn.h>
#include <netrpc/netrpc.h>

#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "arith.h"
#include "msgpack_codec.h"

namespace {

int passed = 0, failed = 0;

void Check(const std::string& name, bool ok, const std::string& got = "") {
  (ok ? passed : failed)++;
  std::cout << (ok ? "ok   " : "FAIL ") << name << (ok ? "" : " got: " + got) << '\n';
}

std::string Describe(const netrpc::Error& err) {
  return err ? "error \"" + err.message() + "\"" : "ok";
}

// IsServerError: the handler's error string, as net/rpc's rpc.ServerError delivers it.
bool IsServerError(const netrpc::Error& err, const std::string& message) {
  return err.code() == netrpc::ErrorCode::kServerError && err.message() == message;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: msgpack_client HOST:PORT\n";
    return 2;
  }
  auto conn = netrpc::DialConn("tcp", argv[1]);
  if (!conn.ok()) {
    std::cerr << "dial: " << conn.error().message() << '\n';
    return 1;
  }
  // Go's rpc.NewClientWithCodec(msgpackrpc.NewClientCodec(conn)).
  auto client = netrpc::NewClientWithCodec(
      std::make_unique<msgpackrpc::MsgpackClientCodec>(std::move(*conn)));
  if (!client.ok()) {
    std::cerr << "client: " << client.error().message() << '\n';
    return 1;
  }
  netrpc::Client& c = **client;

  int64_t product = 0;
  netrpc::Error err = c.Call("Arith.Multiply", Args{7, 8}, &product);
  Check("Multiply 7*8 = 56", !err && product == 56, std::to_string(product) + " " + Describe(err));

  Quotient quo;
  err = c.Call("Arith.Divide", Args{17, 5}, &quo);
  Check("Divide 17/5 = 3 rem 2", !err && quo.Quo == 3 && quo.Rem == 2,
        std::to_string(quo.Quo) + " rem " + std::to_string(quo.Rem) + " " + Describe(err));

  err = c.Call("Arith.Divide", Args{1, 0}, &quo);
  Check("Divide 1/0 fails with ServerError \"divide by zero\"",
        IsServerError(err, "divide by zero"), Describe(err));

  err = c.Call("Arith.Nope", Args{}, &product);
  Check("unknown method fails with net/rpc's message",
        IsServerError(err, "rpc: can't find method Arith.Nope"), Describe(err));

  err = c.Call("Arith.Divide", Args{-17, 5}, &quo);
  Check("Divide -17/5 = -3 rem -2", !err && quo.Quo == -3 && quo.Rem == -2,
        std::to_string(quo.Quo) + " rem " + std::to_string(quo.Rem) + " " + Describe(err));

  err = c.Call("Arith.Multiply", Args{-(int64_t{1} << 31), int64_t{1} << 31}, &product);
  Check("Multiply -2^31*2^31 = -2^62", !err && product == -(int64_t{1} << 62),
        std::to_string(product) + " " + Describe(err));

  // Many calls in flight on the one connection; replies may come back in any order.
  std::vector<int64_t> products(50);
  std::vector<std::shared_ptr<netrpc::Call>> calls;
  for (size_t i = 0; i < products.size(); ++i) {
    calls.push_back(c.Go("Arith.Multiply", Args{static_cast<int64_t>(i), -3}, &products[i],
                         {.timeout = std::chrono::seconds(20)}));
  }
  bool concurrent = true;
  for (size_t i = 0; i < calls.size(); ++i) {
    concurrent = !calls[i]->Wait() && products[i] == static_cast<int64_t>(i) * -3 && concurrent;
  }
  Check("50 concurrent Multiply calls", concurrent);

  std::cout << passed << " passed, " << failed << " failed" << std::endl;
  return failed == 0 ? 0 : 1;
}
