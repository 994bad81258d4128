// run_go.h: builds one Go program of tests/interop/go offline (GOPATH mode, the standard
// library only) and runs it, for the tests that compare netrpc with what real Go prints.
#pragma once

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <string>

namespace testgo {

// RunGo builds tests/interop/go/NAME and runs it with args (shell words); returns what it
// printed, stdout and stderr together, and its wait status in *status.
inline std::string RunGo(const std::string& name, const std::string& args, int* status) {
  // __FILE__ is as the compiler was given it: absolute, or (with CCACHE_BASEDIR) relative to
  // the build directory, which is where the test binary is.
  std::string file = __FILE__;
  if (file.front() != '/') {
    char exe[4096] = {};
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    std::string self(exe, n > 0 ? n : 0);
    file = self.substr(0, self.rfind('/') + 1) + file;
  }
  std::string dir = file.substr(0, file.rfind('/')) + "/interop/go/" + name;
  char tmp[] = "/tmp/netrpc-go-XXXXXX";
  if (mkdtemp(tmp) == nullptr) return "mkdtemp failed";
  std::string bin = std::string(tmp) + "/" + name;
  std::string cmd = "cd '" + dir +
                    "' 2>&1 && GO111MODULE=off GOPATH=/usr/share/gocode GOCACHE=/tmp/gocache "
                    "HOME=/tmp GOPROXY=off go build -o '" +
                    bin + "' . 2>&1 && timeout 30 '" + bin + "' " + args + " 2>&1";
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return "popen failed";
  char buf[512];
  while (size_t n = fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  *status = pclose(p);
  std::system(("rm -rf '" + std::string(tmp) + "'").c_str());
  return out;
}

}  // namespace testgo
