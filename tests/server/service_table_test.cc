// service_table_test.cc: registration and lookup of "Service.Method" without a socket, with
// net/rpc's error texts word for word (captured from Go 1.19 where marked) and its last-dot split.
#include "server/service_table.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

namespace {

using netrpc::Dispatch;
using netrpc::Error;
using netrpc::ErrorCode;
using netrpc::server::Method;
using netrpc::server::ServiceTable;

struct Args {
  int64_t A = 0, B = 0;
};
NETRPC_STRUCT(Args, A, B);

struct Arith {
  Error Multiply(const Args& args, int64_t* reply) {
    *reply = args.A * args.B;
    return {};
  }
  Error Add(const Args& args, int64_t* reply) {
    *reply = args.A + args.B;
    return {};
  }
};
NETRPC_SERVICE(Arith, Multiply, Add);

// Scaler tells two registered objects of one type apart by their factor.
struct Scaler {
  int64_t factor = 1;
  Error Scale(const Args& args, int64_t* reply) {
    *reply = args.A * factor;
    return {};
  }
};
NETRPC_SERVICE(Scaler, Scale);

// Stubs is what Server::Register hands the table for obj.
std::vector<netrpc::detail::MethodStub> Stubs(auto& obj) {
  return netrpc::detail::MethodStubs(&obj);
}

// SubtractStub is what Server::RegisterFunc hands the table for (args) -> args.A - args.B.
netrpc::detail::MethodStub SubtractStub() {
  auto subtract = [](const Args& args, int64_t* reply) {
    *reply = args.A - args.B;
    return Error{};
  };
  return netrpc::detail::MakeStub<Error(const Args&, int64_t*)>("", subtract);
}

// CallMethod calls the method found as the server would, and returns its reply.
int64_t CallMethod(const Method* method, Args args) {
  if (method == nullptr) {
    ADD_FAILURE() << "method not found";
    return 0;
  }
  auto slot = method->stub.new_slot();
  *static_cast<Args*>(slot->args) = args;
  Error err = method->stub.invoke(*slot);
  EXPECT_FALSE(err) << err.message();
  return *static_cast<int64_t*>(slot->reply);
}

// LookupError returns the message Lookup gives for a name it cannot find.
std::string LookupError(const ServiceTable& table, std::string_view service_method) {
  Error err;
  const Method* m = table.Lookup(service_method, &err);
  EXPECT_EQ(m, nullptr) << service_method;
  return err.message();
}

TEST(ServiceTable, LookupFindsEachRegisteredMethod) {
  ServiceTable table;
  Arith arith;
  ASSERT_FALSE(table.AddService("Arith", Stubs(arith), {}));
  Error err;
  const Method* multiply = table.Lookup("Arith.Multiply", &err);
  ASSERT_NE(multiply, nullptr);
  EXPECT_FALSE(err);
  EXPECT_EQ(multiply->stub.name, "Multiply");
  EXPECT_EQ(CallMethod(multiply, {6, 7}), 42);
  const Method* add = table.Lookup("Arith.Add", &err);
  ASSERT_NE(add, nullptr);
  EXPECT_EQ(CallMethod(add, {6, 7}), 13);
}

TEST(ServiceTable, DispatchOptionIsKeptPerMethod) {
  ServiceTable table;
  Arith arith;
  ASSERT_FALSE(table.AddService("Arith", Stubs(arith), {}));
  ASSERT_FALSE(table.AddService("Fast", Stubs(arith), {.dispatch = Dispatch::kInline}));
  ASSERT_FALSE(table.AddFunc("Fast.Subtract", SubtractStub(), {.dispatch = Dispatch::kWorker}));
  auto dispatch = [&](std::string_view service_method) {
    Error err;
    const Method* m = table.Lookup(service_method, &err);
    EXPECT_NE(m, nullptr) << err.message();
    return m ? m->dispatch : Dispatch{255};
  };
  EXPECT_EQ(dispatch("Arith.Multiply"), Dispatch::kWorker);
  EXPECT_EQ(dispatch("Fast.Multiply"), Dispatch::kInline);
  EXPECT_EQ(dispatch("Fast.Subtract"), Dispatch::kWorker);
}

TEST(ServiceTable, DuplicateServiceIsRefusedAndTheFirstStays) {
  ServiceTable table;
  Scaler twice{2}, thrice{3};
  ASSERT_FALSE(table.AddService("Scaler", Stubs(twice), {}));
  Error err = table.AddService("Scaler", Stubs(thrice), {});
  EXPECT_EQ(err, Error(ErrorCode::kUsage, "rpc: service already defined: Scaler"));
  EXPECT_EQ(CallMethod(table.Lookup("Scaler.Scale", &err), {5, 0}), 10);
}

TEST(ServiceTable, ServiceWithoutMethodsIsRefused) {
  ServiceTable table;
  EXPECT_EQ(table.AddService("Empty", {}, {}),
            Error(ErrorCode::kUsage,
                  "rpc.Register: type Empty has no exported methods of suitable type"));
  EXPECT_EQ(LookupError(table, "Empty.M"), "rpc: can't find service Empty.M");
}

TEST(ServiceTable, EmptyServiceNameIsRefused) {
  ServiceTable table;
  Arith arith;
  Error err = table.AddService("", Stubs(arith), {});
  EXPECT_EQ(err.code(), ErrorCode::kUsage);
  // Go 1.19 names the Go type after this ("... for type *main.Arith"); C++ has no such name here.
  EXPECT_TRUE(err.message().starts_with("rpc.Register: no service name for type")) << err.message();
  EXPECT_EQ(LookupError(table, ".Multiply"), "rpc: can't find service .Multiply");
}

// The expected texts were captured from Go 1.19's net/rpc: a server with Arith registered,
// called through rpc.Client over net.Pipe.
TEST(ServiceTable, LookupErrorsAreGosWordForWord) {
  ServiceTable table;
  Arith arith;
  ASSERT_FALSE(table.AddService("Arith", Stubs(arith), {}));
  EXPECT_EQ(LookupError(table, "Nope.Multiply"), "rpc: can't find service Nope.Multiply");
  EXPECT_EQ(LookupError(table, "Arith.Nope"), "rpc: can't find method Arith.Nope");
  EXPECT_EQ(LookupError(table, "NoDot"), "rpc: service/method request ill-formed: NoDot");
  EXPECT_EQ(LookupError(table, ""), "rpc: service/method request ill-formed: ");
  EXPECT_EQ(LookupError(table, ".Multiply"), "rpc: can't find service .Multiply");
  EXPECT_EQ(LookupError(table, "Arith."), "rpc: can't find method Arith.");
  EXPECT_EQ(LookupError(table, "arith.Multiply"), "rpc: can't find service arith.Multiply");
}

// Go splits "Service.Method" at the last dot (strings.LastIndex in server.go), so a service
// name may hold dots and the method name never does. Texts captured from Go 1.19 with Sub
// registered as RegisterName("a.b", ...); AddService refuses a dotted name, so AddFunc makes "a.b".
TEST(ServiceTable, NamesWithSeveralDotsSplitAtTheLastDot) {
  ServiceTable table;
  Arith arith;
  ASSERT_FALSE(table.AddService("Arith", Stubs(arith), {}));
  ASSERT_FALSE(table.AddFunc("a.b.Subtract", SubtractStub(), {}));
  Error err;
  const Method* m = table.Lookup("a.b.Subtract", &err);
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->stub.name, "Subtract");
  EXPECT_EQ(CallMethod(m, {9, 4}), 5);
  EXPECT_EQ(LookupError(table, "a.Subtract"), "rpc: can't find service a.Subtract");
  EXPECT_EQ(LookupError(table, "b.Subtract"), "rpc: can't find service b.Subtract");
  EXPECT_EQ(LookupError(table, "Arith.Multiply."), "rpc: can't find service Arith.Multiply.");
  EXPECT_EQ(LookupError(table, "x.Arith.Multiply"), "rpc: can't find service x.Arith.Multiply");
}

TEST(ServiceTable, AddFuncJoinsAnExistingService) {
  ServiceTable table;
  Arith arith;
  ASSERT_FALSE(table.AddService("Arith", Stubs(arith), {}));
  ASSERT_FALSE(table.AddFunc("Arith.Subtract", SubtractStub(), {}));
  Error err;
  EXPECT_EQ(CallMethod(table.Lookup("Arith.Subtract", &err), {9, 4}), 5);
  EXPECT_EQ(CallMethod(table.Lookup("Arith.Multiply", &err), {9, 4}), 36);  // still there
}

TEST(ServiceTable, AddFuncBuildsAServiceThatRegisterCannotReplace) {
  ServiceTable table;
  ASSERT_FALSE(table.AddFunc("Math.Subtract", SubtractStub(), {}));
  ASSERT_FALSE(table.AddFunc("Math.Minus", SubtractStub(), {}));
  Error err;
  EXPECT_EQ(CallMethod(table.Lookup("Math.Minus", &err), {1, 3}), -2);
  Arith arith;
  EXPECT_EQ(table.AddService("Math", Stubs(arith), {}),
            Error(ErrorCode::kUsage, "rpc: service already defined: Math"));
  EXPECT_EQ(LookupError(table, "Math.Multiply"), "rpc: can't find method Math.Multiply");
}

TEST(ServiceTable, AddFuncRefusesAMethodAlreadyDefined) {
  ServiceTable table;
  Arith arith;
  ASSERT_FALSE(table.AddService("Arith", Stubs(arith), {}));
  // Go has no RegisterFunc, so this text is netrpc's own, in net/rpc's form.
  EXPECT_EQ(table.AddFunc("Arith.Multiply", SubtractStub(), {}),
            Error(ErrorCode::kUsage, "rpc: method already defined: Arith.Multiply"));
  Error err;
  EXPECT_EQ(CallMethod(table.Lookup("Arith.Multiply", &err), {9, 4}), 36);  // the first one stays
  ASSERT_FALSE(table.AddFunc("Math.Subtract", SubtractStub(), {}));
  EXPECT_EQ(table.AddFunc("Math.Subtract", SubtractStub(), {}).message(),
            "rpc: method already defined: Math.Subtract");
}

TEST(ServiceTable, AddFuncRefusesIllFormedNamesAndRegistersNothing) {
  ServiceTable table;
  for (std::string_view name : {"NoDot", "", ".Method", "Service.", "."}) {
    EXPECT_EQ(
        table.AddFunc(name, SubtractStub(), {}),
        Error(ErrorCode::kUsage, "rpc: service/method request ill-formed: " + std::string(name)));
  }
  EXPECT_EQ(LookupError(table, ".Method"), "rpc: can't find service .Method");
  EXPECT_EQ(LookupError(table, "Service.Method"), "rpc: can't find service Service.Method");
}

TEST(ServiceTable, FoundMethodStaysValidAsMoreServicesArrive) {
  ServiceTable table;
  Arith arith;
  ASSERT_FALSE(table.AddService("Arith", Stubs(arith), {}));
  Error err;
  const Method* first = table.Lookup("Arith.Multiply", &err);
  ASSERT_NE(first, nullptr);
  for (int i = 0; i < 100; ++i) {
    ASSERT_FALSE(table.AddService("Arith" + std::to_string(i), Stubs(arith), {}));
    ASSERT_FALSE(table.AddFunc("Arith.Sub" + std::to_string(i), SubtractStub(), {}));
  }
  EXPECT_EQ(table.Lookup("Arith.Multiply", &err), first);
  EXPECT_EQ(CallMethod(first, {3, 4}), 12);
}

}  // namespace
