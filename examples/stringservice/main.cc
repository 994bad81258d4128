// The netrpc port of main.go, line for line (README, "From Go"): Go's package functions,
// HandleHTTP, DialHTTP, Call and Go. ctest runs both and compares what they print.
#include <netrpc/netrpc.h>

#include <iostream>
#include <thread>

struct Args {
  std::string A, B;
};
NETRPC_STRUCT(Args, A, B);

struct StringService {
  netrpc::Error Concat(const Args& args, std::string* reply) {
    *reply = args.A + args.B;
    return {};
  }
};
NETRPC_SERVICE(StringService, Concat);

int main() {
  static StringService service;
  netrpc::Register(service);
  netrpc::HandleHTTP();
  auto l = netrpc::Listen("tcp", "127.0.0.1:0");
  if (!l) {
    std::cerr << "listen error: " << l.error().message() << "\n";
    return 1;
  }
  std::thread([l = *l] { netrpc::Accept(l); }).detach();

  auto client = netrpc::DialHTTP("tcp", l->Address());
  if (!client) {
    std::cerr << "dialing: " << client.error().message() << "\n";
    return 1;
  }
  std::string reply;
  netrpc::Error err = client->Call("StringService.Concat", Args{"net/", "rpc"}, &reply);
  if (err) {
    std::cerr << "Concat error: " << err.message() << "\n";
    return 1;
  }
  std::cout << "Call: " << reply << "\n";

  auto call = client->Go("StringService.Concat", Args{"C++", "20"}, &reply);
  call->Wait();
  if (call->error()) {
    std::cerr << "Concat error: " << call->error().message() << "\n";
    return 1;
  }
  std::cout << "Go: " << reply << "\n";
}
