// browser_test.cc: the debug page as a browser renders it: headless Chromium loads
// /debug/rpc from a server on 127.0.0.1 and dumps its DOM, before and after more calls.
// Plain suite only (CMakeLists.txt leaves it out of the sanitizer builds).
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <regex>

#include "test_service.h"

namespace {

using testsvc::Args;

// DumpDom runs Chromium on url and returns the DOM it rendered.
std::string DumpDom(const std::string& url) {
  std::string profile =
      (std::filesystem::temp_directory_path() / ("netrpc-chromium-" + std::to_string(::getpid())))
          .string();
  std::string cmd =
      "timeout 90 chromium --headless --no-sandbox --disable-gpu "
      "--disable-dev-shm-usage --no-first-run --user-data-dir=" +
      profile + " --dump-dom '" + url + "' 2>/dev/null";
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return out;
  char buf[4096];
  for (size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
  ::pclose(p);
  std::filesystem::remove_all(profile);
  return out;
}

// CallsOf reads the Calls cell of method's row from the rendered DOM (-1: no such row).
int CallsOf(const std::string& dom, const std::string& method) {
  std::regex row(std::regex_replace(method, std::regex(R"([()*.])"), R"(\$&)") +
                 R"(</td>\s*<td[^>]*class="calls"[^>]*>(\d+)</td>)");
  std::smatch m;
  return std::regex_search(dom, m, row) ? std::stoi(m[1]) : -1;
}

TEST(Browser, ChromiumRendersTheDebugPageAndItsCallsGoUp) {
  testsvc::TestServer s;
  s.server().HandleHTTP();
  auto client = testsvc::MustDial(s.Address());
  int64_t r = 0;
  for (int i = 0; i < 2; ++i) ASSERT_FALSE(client->Call("Arith.Multiply", Args{i, i}, &r));
  std::string url = "http://" + s.Address() + "/debug/rpc";

  std::string before = DumpDom(url);
  ASSERT_NE(before.find("<title>Services</title>"), std::string::npos) << before;
  EXPECT_NE(before.find("Service Arith"), std::string::npos) << before;
  EXPECT_EQ(CallsOf(before, "Multiply(main.Args, *int64) error"), 2) << before;
  EXPECT_EQ(CallsOf(before, "Divide(main.Args, *main.Quotient) error"), 0) << before;
  EXPECT_NE(before.find(">native</td>"), std::string::npos) << before;

  for (int i = 0; i < 5; ++i) ASSERT_FALSE(client->Call("Arith.Multiply", Args{i, i}, &r));
  testsvc::Quotient q;
  ASSERT_FALSE(client->Call("Arith.Divide", Args{7, 2}, &q));
  std::string after = DumpDom(url);
  EXPECT_EQ(CallsOf(after, "Multiply(main.Args, *int64) error"), 7) << after;
  EXPECT_EQ(CallsOf(after, "Divide(main.Args, *main.Quotient) error"), 1) << after;
}

}  // namespace
