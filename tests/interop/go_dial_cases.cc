// go_dial_cases.cc: netrpc's client against real Go servers, for what a dial function speaks:
// GeeRPC's Option to a GeeRPC-style Go server (go/geerpc), DialHTTP's default to Go's
// rpc.HandleHTTP, the error a native client gets from a Go server, XClient's http@ to
// GeeRPC's HTTP transport (go/geerpc's second port), and Go's habits in a call (a string
// literal, &args) against Go's own gob and jsonrpc servers.
//
//	go_dial_cases --geerpc ADDR --geehttp ADDR --gob ADDR --json ADDR --http ADDR
//
// It prints `PASS name` or `FAIL name: why` per case, then `N passed, M failed`; exit 1 on
// failure. Each case dials its own connection.
#include <netrpc/netrpc.h>
#include <netrpc/xclient.h>

#include <cstdio>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace {

using namespace std::chrono_literals;

std::string geerpc_addr, geehttp_addr, gob_addr, json_addr, http_addr;

// Check returns "" when got == want, else what differed.
template <class T>
std::string Check(const char* what, const T& got, const T& want) {
  if (got == want) return "";
  return std::string(what) + " differs";
}

std::string CheckError(const netrpc::Error& got, const netrpc::Error& want) {
  if (got == want) return "";
  return "error \"" + got.message() + "\", want \"" + want.message() + "\"";
}

std::string Upper(netrpc::Client& c) {
  std::string out;
  if (netrpc::Error err = c.Call("Interop.Upper", std::string("geerpc"), &out)) {
    return "Upper: " + err.message();
  }
  return out == "GEERPC" ? "" : "Upper gave \"" + out + "\"";
}

// GoHabits calls Go's own server as a Go programmer writes the calls: a string literal and a
// std::string_view for Go's `args string`, &args for Go's `args []int64`. Go's Upper and Sum
// give the expected replies.
std::string GoHabits(netrpc::Client& c) {
  std::string up;
  if (netrpc::Error err = c.Call("Interop.Upper", "go habit", &up))
    return "literal: " + err.message();
  if (up != "GO HABIT") return "literal gave \"" + up + "\"";
  std::string_view view = "view, not the rest";
  if (netrpc::Error err = c.Call("Interop.Upper", view.substr(0, 4), &up)) {
    return "string_view: " + err.message();
  }
  if (up != "VIEW") return "string_view gave \"" + up + "\"";
  if (netrpc::Error err = c.Go("Interop.Upper", "go", &up)->Wait()) return "Go: " + err.message();
  if (up != "GO") return "Go gave \"" + up + "\"";
  std::vector<int64_t> values{1, 2, 39};
  int64_t sum = 0;
  if (netrpc::Error err = c.Call("Interop.Sum", &values, &sum)) return "&args: " + err.message();
  return sum == 42 ? "" : "&args gave " + std::to_string(sum);
}

// The EOF a native client gets from a server that hung up without a byte (Go reads the native
// preamble as a broken gob stream, or GeeRPC as a broken Option).
const netrpc::Error kNativeEof(netrpc::ErrorCode::kUnexpectedEof,
                               "unexpected EOF (the server closed the connection before "
                               "answering: a Go net/rpc server needs Protocol::kGob, a Go jsonrpc "
                               "one Protocol::kJson)");

struct Case {
  const char* name;
  std::function<std::string()> run;
};

std::vector<Case> Cases() {
  return {
      {"go-habits-gob",
       [] {
         auto c = netrpc::Dial("tcp", gob_addr, {.protocol = netrpc::Protocol::kGob});
         if (!c.ok()) return "dial: " + c.error().message();
         return GoHabits(**c);
       }},
      {"go-habits-json",
       [] {
         auto c = netrpc::Dial("tcp", json_addr, {.protocol = netrpc::Protocol::kJson});
         if (!c.ok()) return "dial: " + c.error().message();
         return GoHabits(**c);
       }},
      {"geerpc-default-protocol-is-gob",
       [] {
         auto c = netrpc::Dial("tcp", geerpc_addr, {.gee_option = true});
         if (!c.ok()) return "dial: " + c.error().message();
         return Upper(**c);
       }},
      {"geerpc-handle-timeout",
       [] {
         auto c = netrpc::Dial(
             "tcp", geerpc_addr,
             {.protocol = netrpc::Protocol::kGob, .gee_option = true, .gee_handle_timeout = 100ms});
         if (!c.ok()) return "dial: " + c.error().message();
         int64_t ms = 0;
         std::string diff = CheckError(
             (*c)->Call("Interop.Sleep", int64_t{1000}, &ms),
             netrpc::ServerError("rpc server: request handle timeout: expect within 100ms"));
         if (!diff.empty()) return diff;
         if (netrpc::Error err = (*c)->Call("Interop.Sleep", int64_t{1}, &ms)) {
           return "Sleep(1): " + err.message();
         }
         return Check("Sleep(1)'s reply", ms, int64_t{1});
       }},
      {"geerpc-handle-timeout-not-reached",
       [] {
         auto c =
             netrpc::Dial("tcp", geerpc_addr, {.gee_option = true, .gee_handle_timeout = 1500ms});
         if (!c.ok()) return "dial: " + c.error().message();
         int64_t ms = 0;
         if (netrpc::Error err = (*c)->Call("Interop.Sleep", int64_t{20}, &ms)) {
           return "Sleep(20): " + err.message();
         }
         return Check("Sleep(20)'s reply", ms, int64_t{20});
       }},
      {"geerpc-json-is-refused-by-gee",
       [] {  // GeeRPC implements gob only: its server logs the codec type and hangs up, as
             // soon as the Option is in: before the call (ErrShutdown) or after it
         auto c = netrpc::Dial("tcp", geerpc_addr,
                               {.protocol = netrpc::Protocol::kJson, .gee_option = true});
         if (!c.ok()) return "dial: " + c.error().message();
         std::string out;
         netrpc::Error err = (*c)->Call("Interop.Upper", std::string("x"), &out);
         // The end reads as EOF, or as a reset when the request was still unread.
         if (err == netrpc::ErrShutdown || err == netrpc::ErrUnexpectedEof ||
             err == netrpc::Error(netrpc::ErrorCode::kIo, "Connection reset by peer")) {
           return std::string();
         }
         return "error \"" + err.message() + "\"";
       }},
      {"native-client-to-geerpc-says-why",
       [] {
         auto c = netrpc::Dial("tcp", geerpc_addr);
         if (!c.ok()) return "dial: " + c.error().message();
         std::string out;
         return CheckError((*c)->Call("Interop.Upper", std::string("x"), &out), kNativeEof);
       }},
      {"native-client-to-go-gob-says-why",
       [] {
         auto c = netrpc::Dial("tcp", gob_addr, {.connect_timeout = 2s});
         if (!c.ok()) return "dial: " + c.error().message();
         std::string out;
         return CheckError((*c)->Call("Interop.Upper", std::string("x"), &out), kNativeEof);
       }},
      {"dialhttp-with-options-speaks-gob",
       [] {
         auto c = netrpc::DialHTTP("tcp", http_addr, {.connect_timeout = 2s});
         if (!c.ok()) return "dial: " + c.error().message();
         return Upper(**c);
       }},
      {"dialhttppath-with-options-speaks-gob",
       [] {
         auto c =
             netrpc::DialHTTPPath("tcp", http_addr, "/_goRPC_", {.max_message_bytes = 1 << 20});
         if (!c.ok()) return "dial: " + c.error().message();
         return Upper(**c);
       }},
      {"xclient-http-at-to-geerpc",
       [] {
         netrpc::StaticDiscovery d;
         if (netrpc::Error err = d.Update({"http@" + geehttp_addr})) return err.message();
         netrpc::XClient xc(d);
         std::string out;
         if (netrpc::Error err = xc.Call("Interop.Upper", std::string("geerpc"), &out)) {
           return "Upper: " + err.message();
         }
         return out == "GEERPC" ? std::string() : "Upper gave \"" + out + "\"";
       }},
  };
}

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--geerpc") geerpc_addr = argv[i + 1];
    if (flag == "--geehttp") geehttp_addr = argv[i + 1];
    if (flag == "--gob") gob_addr = argv[i + 1];
    if (flag == "--json") json_addr = argv[i + 1];
    if (flag == "--http") http_addr = argv[i + 1];
  }
  if (geerpc_addr.empty() || geehttp_addr.empty() || gob_addr.empty() || json_addr.empty() ||
      http_addr.empty()) {
    std::fprintf(stderr,
                 "usage: go_dial_cases --geerpc ADDR --geehttp ADDR --gob ADDR --json ADDR "
                 "--http ADDR\n");
    return 2;
  }
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // a case that hangs shows the ones before it
  int passed = 0, failed = 0;
  for (const Case& c : Cases()) {
    std::string why = c.run();
    if (why.empty()) {
      std::printf("PASS %s\n", c.name);
      ++passed;
    } else {
      std::printf("FAIL %s: %s\n", c.name, why.c_str());
      ++failed;
    }
  }
  std::printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
