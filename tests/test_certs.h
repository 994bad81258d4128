// test_certs.h: the TLS tests' certificates, made for each test suite that needs them by
// tests/transport/make_test_certs.sh into a temporary folder (no key is committed).
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <string>

namespace testcerts {

// Folder is where make_test_certs.sh put the current suite's certificates.
inline std::string& Folder() {
  static std::string folder;
  return folder;
}
// Cert is the path of one file there: "ca.pem", "server.key", "client.pem", ...
inline std::string Cert(const std::string& name) { return Folder() + "/" + name; }

// CertsTest is the base of a test suite that uses them: they are made before its first test
// and removed after its last. Its test program needs NETRPC_TESTS_DIR (CMakeLists.txt).
class CertsTest : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    char dir[] = "/tmp/netrpc-certs-XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    Folder() = dir;
    std::string cmd =
        std::string("bash ") + NETRPC_TESTS_DIR + "/transport/make_test_certs.sh " + Folder();
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  }
  static void TearDownTestSuite() { std::filesystem::remove_all(Folder()); }
};

}  // namespace testcerts
