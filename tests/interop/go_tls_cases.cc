// go_tls_cases.cc: netrpc's DialTLS against Go's crypto/tls servers (go/tls: tls.Listen, then
// rpc.ServeConn or jsonrpc.ServeConn), which require a client certificate (mTLS).
//
//	go_tls_cases --gob ADDR --json ADDR --ca FILE --cert FILE --key FILE --stranger-cert FILE
//	             --stranger-key FILE
//
// It prints `PASS name` or `FAIL name: why` per case, then `N passed, M failed`; exit 1 on
// failure. Each case dials its own connection.
#include <netrpc/netrpc.h>
#include <netrpc/tls.h>

#include <cstdio>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace {

std::map<std::string, std::string> flags;

// Tls trusts --ca and presents the certificate of --PREFIXcert and --PREFIXkey, if prefix is
// given ("" for --cert, "stranger-" for --stranger-cert); none if it is not.
netrpc::TlsDialOptions Tls(const char* prefix = nullptr) {
  netrpc::TlsDialOptions tls{.ca_file = flags["--ca"]};
  if (prefix != nullptr) {
    tls.certificate = {.cert_file = flags[std::string("--") + prefix + "cert"],
                       .key_file = flags[std::string("--") + prefix + "key"]};
  }
  return tls;
}

// Calls runs Interop.Concat, Interop.Fail and Interop.Blob as Go's server answers them.
std::string Calls(netrpc::Client& c) {
  std::string s;
  if (netrpc::Error err = c.Call("Interop.Concat", std::vector<std::string>{"tl", "s"}, &s)) {
    return "Concat: " + err.message();
  }
  if (s != "tls") return "Concat gave \"" + s + "\"";
  int64_t n = 0;
  netrpc::Error err = c.Call("Interop.Fail", std::string("refused inside TLS"), &n);
  if (err != netrpc::ServerError("refused inside TLS"))
    return "Fail gave \"" + err.message() + "\"";
  netrpc::Bytes blob;
  const int64_t size = 3 << 20;  // many TLS records
  if (netrpc::Error e = c.Call("Interop.Blob", size, &blob)) return "Blob: " + e.message();
  if (static_cast<int64_t>(blob.size()) != size) return "Blob's size differs";
  for (int64_t i = 0; i < size; ++i) {
    if (static_cast<uint8_t>(blob[i]) != static_cast<uint8_t>(i * 7 % 251)) {
      return "Blob differs at byte " + std::to_string(i);
    }
  }
  return "";
}

// Refused is "" if Go's server refuses the client: at the dial or, in TLS 1.3, whose client
// handshake ends before the server has checked the certificate, at the first call.
std::string Refused(netrpc::Result<std::unique_ptr<netrpc::Client>> c) {
  if (!c.ok()) return "";
  std::string s;
  if ((*c)->Call("Interop.Concat", std::vector<std::string>{"a"}, &s)) return "";
  return "Go's server served a client it should refuse";
}

struct Case {
  const char* name;
  std::function<std::string()> run;
};

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i + 1 < argc; i += 2) flags[argv[i]] = argv[i + 1];
  for (const char* f :
       {"--gob", "--json", "--ca", "--cert", "--key", "--stranger-cert", "--stranger-key"}) {
    if (flags[f].empty()) {
      std::fprintf(stderr,
                   "usage: go_tls_cases --gob ADDR --json ADDR --ca F --cert F --key F "
                   "--stranger-cert F --stranger-key F\n");
      return 2;
    }
  }
  std::vector<Case> cases = {
      {"gob-mtls",
       [] {
         auto c =
             netrpc::DialTLS("tcp", flags["--gob"], Tls(""), {.protocol = netrpc::Protocol::kGob});
         return c.ok() ? Calls(**c) : "dial: " + c.error().message();
       }},
      {"json-mtls",
       [] {
         auto c = netrpc::DialTLS("tcp", flags["--json"], Tls(""),
                                  {.protocol = netrpc::Protocol::kJson});
         return c.ok() ? Calls(**c) : "dial: " + c.error().message();
       }},
      {"gob-without-client-certificate-refused",
       [] {
         return Refused(
             netrpc::DialTLS("tcp", flags["--gob"], Tls(), {.protocol = netrpc::Protocol::kGob}));
       }},
      {"gob-untrusted-client-certificate-refused",
       [] {
         return Refused(netrpc::DialTLS("tcp", flags["--gob"], Tls("stranger-"),
                                        {.protocol = netrpc::Protocol::kGob}));
       }},
  };
  int passed = 0, failed = 0;
  for (const Case& c : cases) {
    std::string why = c.run();
    if (why.empty()) {
      ++passed;
      std::printf("PASS %s\n", c.name);
    } else {
      ++failed;
      std::printf("FAIL %s: %s\n", c.name, why.c_str());
    }
  }
  std::printf("%d passed, %d failed\n", passed, failed);
  return failed > 0 ? 1 : 0;
}
