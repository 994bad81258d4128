// jsonrpc_server: bytes a Go net/rpc/jsonrpc client sends through the JSON-RPC server codec.
// Checks: no crash/leak/UB; whole and split feeds agree (errors by code; consumed may differ by
// trailing whitespace only); every response the server writes, which echoes the request's raw id,
// is one line of valid JSON: an object with id, result and error.
#include <boost/json.hpp>

#include "codec/json_value.h"
#include "codec/jsonrpc.h"
#include "fuzz_common.h"

using namespace netrpc::codec;
using namespace fuzz;
namespace bj = boost::json;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto make = [] { return NewJsonServerCodec(FuzzLimits()); };
  std::string out;
  size_t written = 0;
  auto respond = [&](ServerCodec& codec, const Request& h, const Event& ev, Value v) {
    Response rh{h.service_method, h.seq, ""};
    if (ev.error) rh.error = ev.error.message();
    if (v.object == nullptr) rh.error = "rpc: can't find service " + h.service_method;
    size_t before = out.size();
    if (netrpc::Error err = codec.WriteResponse(rh, {v.type, v.object}, &out)) {
      if (out.size() != before) __builtin_trap();  // on error nothing is appended
      // A body that cannot be encoded (NaN) is answered with the error instead.
      rh.error = err.message();
      if (codec.WriteResponse(rh, {}, &out)) __builtin_trap();
    }
    ++written;
  };
  RunResult whole = RunServer(make, data, size, size, respond);
  RunResult split = RunServer(make, data, size, SplitPoint(data, size));
  CheckSame(whole, split, /*json=*/true);

  // Responses are read back as a JSON-RPC client reads them: the raw id is echoed as it came,
  // invalid UTF-8 and lone surrogate escapes included (valid JSON text, which Go also echoes).
  Limits read_limits;
  read_limits.max_depth = 1000;
  JsonReader reader(read_limits, 0);
  size_t lines = 0;
  std::string_view rest = out;
  while (!rest.empty()) {
    size_t nl = rest.find('\n');
    if (nl == std::string_view::npos) __builtin_trap();  // every response ends with a newline
    bj::value v;
    std::string_view text;
    ReadResult r = reader.Read(rest.substr(0, nl), &v, &text);
    if (!r.error.ok() || r.consumed != nl || !v.is_object()) __builtin_trap();
    const bj::object& o = v.get_object();
    if (o.size() != 3 || !o.contains("id") || !o.contains("result") || !o.contains("error")) {
      __builtin_trap();
    }
    rest.remove_prefix(nl + 1);
    ++lines;
  }
  if (lines != written) __builtin_trap();
  return 0;
}
