// go_habits_test.cc: the forms a Go programmer porting net/rpc code writes, over 127.0.0.1 in
// each protocol: a string literal or std::string_view as args, &args, handlers taking *Args,
// Register(&service). Their misuses are compile errors (tests/compile_fail).
#include <gtest/gtest.h>
#include <netrpc/asio.h>
#include <netrpc/netrpc.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <future>
#include <string>
#include <string_view>

namespace habits {

struct Args {
  int64_t A = 0, B = 0;
};
NETRPC_STRUCT(Args, A, B);

// Hello is Go's net/rpc example service, its handlers written as Go writes them: args by
// pointer (`func (h *Hello) Multiply(args *Args, reply *int64) error`).
struct Hello {
  netrpc::Error Say(const std::string& name, std::string* reply) {
    *reply = "hello " + name + " (" + std::to_string(name.size()) + " bytes)";
    return {};
  }
  netrpc::Error Multiply(const Args* args, int64_t* reply) {
    *reply = args->A * args->B;
    return {};
  }
  // Swap takes a mutable pointer, as Go's handlers may change their args; each call has its
  // own decoded args, so that changes nothing the caller sees.
  netrpc::Error Swap(Args* args, Args* reply) {
    std::swap(args->A, args->B);
    *reply = *args;
    return {};
  }
  netrpc::Result<int64_t> Add(const Args* args) { return args->A + args->B; }
  netrpc::Error Square(const int64_t* n, int64_t* reply) {
    *reply = *n * *n;
    return {};
  }
  boost::asio::awaitable<netrpc::Error> AsyncMultiply(const Args* args, int64_t* reply) {
    *reply = args->A * args->B;
    co_return netrpc::Error{};
  }
};
NETRPC_SERVICE(Hello, Say, Multiply, Swap, Add, Square, AsyncMultiply);

class GoHabits : public ::testing::TestWithParam<netrpc::Protocol> {
 protected:
  void SetUp() override {
    // Register(&hello), as Go's rpc.Register(new(Hello)); and RegisterName with a pointer.
    ASSERT_FALSE(server_.Register(&hello_));
    ASSERT_FALSE(server_.RegisterName("Greeter", &hello_));
    ASSERT_FALSE(server_.RegisterFunc(
        "Math.Sub", [](const Args* args) -> netrpc::Result<int64_t> { return args->A - args->B; }));
    ASSERT_FALSE(server_.Listen("tcp", "127.0.0.1:0"));
    auto client = netrpc::Dial("tcp", server_.Address(), {.protocol = GetParam()});
    ASSERT_TRUE(client) << client.error().message();
    client_ = std::move(*client);
  }

  Hello hello_;
  netrpc::Server server_;
  std::unique_ptr<netrpc::Client> client_;
};

TEST_P(GoHabits, StringLiteralTravelsAsString) {
  std::string reply;
  ASSERT_FALSE(client_->Call("Hello.Say", "hi", &reply));
  EXPECT_EQ(reply, "hello hi (2 bytes)");
  ASSERT_FALSE(client_->Call("Greeter.Say", "", &reply));
  EXPECT_EQ(reply, "hello  (0 bytes)");
}

TEST_P(GoHabits, StringViewTravelsAsItsCharactersOnly) {
  std::string_view whole = "gopher and more";
  std::string reply;
  // A view of the start of a longer string sends its own 6 bytes, not up to a NUL.
  ASSERT_FALSE(client_->Call("Hello.Say", whole.substr(0, 6), &reply));
  EXPECT_EQ(reply, "hello gopher (6 bytes)");
  std::string_view with_nul("a\0b", 3);
  ASSERT_FALSE(client_->Call("Hello.Say", with_nul, &reply));
  EXPECT_EQ(reply, std::string("hello a\0b (3 bytes)", 19));
}

TEST_P(GoHabits, CharPointerAndCharArrayTravelAsCStrings) {
  const char* c_string = "pointer";
  std::string reply;
  ASSERT_FALSE(client_->Call("Hello.Say", c_string, &reply));
  EXPECT_EQ(reply, "hello pointer (7 bytes)");
  char buffer[16] = "buf";  // 13 NULs follow: the string ends at the first
  ASSERT_FALSE(client_->Call("Hello.Say", buffer, &reply));
  EXPECT_EQ(reply, "hello buf (3 bytes)");
}

TEST_P(GoHabits, PointerArgsTravelAsThePointee) {
  Args args{7, 8};
  int64_t product = 0;
  ASSERT_FALSE(client_->Call("Hello.Multiply", &args, &product));
  EXPECT_EQ(product, 56);
  const Args* const_args = &args;
  int64_t sum = 0;
  ASSERT_FALSE(client_->Call("Hello.Add", const_args, &sum));
  EXPECT_EQ(sum, 15);
  int64_t difference = 0;
  ASSERT_FALSE(client_->Call("Math.Sub", &args, &difference));
  EXPECT_EQ(difference, -1);
  int64_t n = -9, square = 0;
  ASSERT_FALSE(client_->Call("Hello.Square", &n, &square));
  EXPECT_EQ(square, 81);
  Args swapped;
  ASSERT_FALSE(client_->Call("Hello.Swap", &args, &swapped));
  EXPECT_EQ(swapped.A, 8);
  EXPECT_EQ(swapped.B, 7);
  EXPECT_EQ(args.A, 7);  // the server swapped its own copy
  int64_t async_product = 0;
  ASSERT_FALSE(client_->Call("Hello.AsyncMultiply", &args, &async_product));
  EXPECT_EQ(async_product, 56);
}

TEST_P(GoHabits, GoTakesPointerAndStringArgsThatNeedNotOutliveIt) {
  int64_t product = 0;
  std::string reply;
  std::shared_ptr<netrpc::Call> multiply, say;
  {
    Args args{6, 7};
    std::string name = "scoped";
    multiply = client_->Go("Hello.Multiply", &args, &product);
    say = client_->Go("Hello.Say", std::string_view(name), &reply);
    args = Args{0, 0};  // encoded already: the call sends 6 and 7
    name.assign("XXXXXX");
  }
  ASSERT_FALSE(multiply->Wait());
  EXPECT_EQ(product, 42);
  ASSERT_FALSE(say->Wait());
  EXPECT_EQ(reply, "hello scoped (6 bytes)");
  std::string literal_reply;
  ASSERT_FALSE(client_->Go("Hello.Say", "go", &literal_reply)->Wait());
  EXPECT_EQ(literal_reply, "hello go (2 bytes)");
}

TEST_P(GoHabits, AsyncCallTakesPointerAndStringArgs) {
  boost::asio::io_context io;
  auto done = boost::asio::co_spawn(
      io,
      [&]() -> boost::asio::awaitable<std::pair<int64_t, std::string>> {
        Args args{3, 5};
        int64_t product = 0;
        if (netrpc::Error err = co_await client_->AsyncCall("Hello.Multiply", &args, &product)) {
          co_return std::pair<int64_t, std::string>{-1, err.message()};
        }
        std::string reply;
        if (netrpc::Error err = co_await client_->AsyncCall("Hello.Say", "async", &reply)) {
          co_return std::pair<int64_t, std::string>{-1, err.message()};
        }
        co_return std::pair{product, reply};
      },
      boost::asio::use_future);
  io.run();
  auto [product, reply] = done.get();
  EXPECT_EQ(product, 15);
  EXPECT_EQ(reply, "hello async (5 bytes)");
  // The client's thread may still be inside its post to io (signalling io's condition) when
  // run() returns: it goes first, so that io is destroyed with nobody touching it (TSan).
  client_.reset();
}

TEST_P(GoHabits, NullArgsPointerFailsTheCallAndSendsNothing) {
  int64_t product = -1;
  const Args* none = nullptr;
  netrpc::Error err = client_->Call("Hello.Multiply", none, &product);
  EXPECT_EQ(err.code(), netrpc::ErrorCode::kUsage);
  EXPECT_EQ(err.message(), "netrpc: the args of Hello.Multiply are a null pointer");
  EXPECT_EQ(product, -1);  // untouched

  std::string reply = "untouched";
  const char* no_string = nullptr;
  int callbacks = 0;
  auto call = client_->Go("Hello.Say", no_string, &reply, {}, [&](netrpc::Call&) { ++callbacks; });
  ASSERT_TRUE(call->Done());
  EXPECT_EQ(call->error().code(), netrpc::ErrorCode::kUsage);
  EXPECT_EQ(callbacks, 1);
  EXPECT_EQ(reply, "untouched");
  EXPECT_EQ(client_->PendingCount(), 0u);
  EXPECT_EQ(server_.NumCalls("Hello.Multiply"), 0u);
  EXPECT_EQ(server_.NumCalls("Hello.Say"), 0u);

  // The connection is untouched too.
  Args args{2, 21};
  ASSERT_FALSE(client_->Call("Hello.Multiply", &args, &product));
  EXPECT_EQ(product, 42);
}

INSTANTIATE_TEST_SUITE_P(Protocols, GoHabits,
                         ::testing::Values(netrpc::Protocol::kNative, netrpc::Protocol::kGob,
                                           netrpc::Protocol::kJson),
                         [](const auto& info) {
                           switch (info.param) {
                             case netrpc::Protocol::kNative:
                               return "Native";
                             case netrpc::Protocol::kGob:
                               return "Gob";
                             default:
                               return "Json";
                           }
                         });

TEST(GoHabitsRegister, NullServicePointerIsAnError) {
  netrpc::Server server;
  Hello* none = nullptr;
  netrpc::Error err = server.Register(none);
  EXPECT_EQ(err.code(), netrpc::ErrorCode::kUsage);
  EXPECT_EQ(err.message(), "rpc.Register: the service is a null pointer");
  EXPECT_EQ(server.RegisterName("Hi", none).code(), netrpc::ErrorCode::kUsage);
}

}  // namespace habits
