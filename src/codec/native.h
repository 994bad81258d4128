// native.h: netrpc's own protocol, the default between netrpc peers.
// A 4-byte stream preamble, then frames: u32 length, kind, varint seq, method id, body.
//
// Extensions (type fingerprints, the caller's deadline, metadata, cancel) are one step on
// top of version 1 that an older peer survives both ways; the preamble stays CE 4E 52 01.
//
//  - A new client opens with a hello: a request frame with seq' = 2^64-1 for the method
//    "_netrpc.Extensions", name in full (id 0), no body. An older server answers it with
//    "rpc: can't find service _netrpc.Extensions" and carries on; a new server answers with
//    a type-3 response, from which the client learns the server speaks extensions. The
//    client does not wait for that answer: everything below is safe for an older server.
//  - After its hello, every request of the client carries seq' = seq << 2 | t << 1 | x in
//    place of seq. An older server echoes seq' as it is (it is net/rpc's opaque sequence
//    number) and the client shifts it back. x = 1: extension records follow the body,
//    closed by a little-endian u32 of their size, which is the frame's last 4 bytes; an
//    older server decodes the body positionally and never reads past it. t = 1: the records
//    hold the args type, and the reply should carry the server's reply type.
//  - Records: u8 key, varint size, that many bytes; a key the reader does not know is
//    skipped, so later fields need no new version.
//      1 args type: the argument type's fingerprint (NativeFingerprint), sent with the first
//        calls of a method on a connection until a reply with the reply type has come back
//      2 timeout: the caller's remaining time, a varint of nanoseconds
//      3 metadata: varint count, then each key and value as a varint size and bytes
//  - The answer to a request with x = 1 is a type-3 response: kind 3, varint seq', a varint
//    records size and records, then the error and body as in type 2. Record 1 is the reply
//    type, sent with a successful reply when t = 1. An older client sends no hello and no x,
//    so it never sees type 3: a new server answers it with type 2 exactly as before.
//  - Cancel: kind 4, varint seq (unshifted). Sent only to a server that has answered with a
//    type 3 (an older one would take the unknown kind for a broken stream).
//
// Cost: a method's fingerprint travels and is compared once per connection (later calls
// compare a TypeInfo pointer); a call without deadline or metadata has no records.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "codec/codec.h"

namespace netrpc::codec {

// kNativePreamble opens every native stream. Its first byte can start neither a gob stream
// (0x80..0xF7 is no valid gob length), nor JSON, nor HTTP, so the server's sniffer is exact.
inline constexpr std::string_view kNativePreamble{
    "\xCE"
    "NR\x01",
    4};

// kNativeHello is the method of the client's hello, which an older server does not know.
inline constexpr std::string_view kNativeHello = "_netrpc.Extensions";

using Metadata = std::vector<std::pair<std::string, std::string>>;

// NativeCallExtras is what a native request carries beyond net/rpc's header.
struct NativeCallExtras {
  const TypeInfo* reply_type = nullptr;  // checked against the server's, if not null
  std::chrono::nanoseconds timeout{0};   // 0: none
  const Metadata* metadata = nullptr;    // null or empty: none
};

// NativeClient is the native client codec's side beyond ClientCodec. Same threading contract.
class NativeClient {
 public:
  virtual ~NativeClient() = default;
  // WriteCall is WriteRequest with the call's extras and its reply type.
  virtual Error WriteCall(const Request& header, ConstValue args, const NativeCallExtras& extras,
                          std::string* out) = 0;
  // WriteCancel appends a cancel for seq if the server speaks extensions; false if it does not
  // (or has not said so yet), and then it appends nothing.
  virtual bool WriteCancel(uint64_t seq, std::string* out) = 0;
};

// NativeRequest is what the native server codec found in the message it just read besides
// a call: a hello or a cancel instead of one, or the caller's extras. Read-loop only; a
// plain struct, so that a call without extras costs the server a load and a compare.
struct NativeRequest {
  enum class Control { kNone, kHello, kCancel };
  Control control = Control::kNone;
  uint64_t cancel_seq = 0;              // the client's seq, unshifted
  std::chrono::nanoseconds timeout{0};  // the caller's remaining time, 0: none
  Metadata metadata;                    // empty: none
};

// NativeServer is the native server codec's side beyond ServerCodec.
class NativeServer {
 public:
  virtual ~NativeServer() = default;
  // Last is about the message ReadRequestHeader read last; its address never changes.
  virtual const NativeRequest& Last() const = 0;
  // CallSeq is the client's seq of a request's header.seq, which is seq' on the wire.
  virtual uint64_t CallSeq(uint64_t wire_seq) const = 0;
};

// NativeVersion: kV1 is the protocol before the extensions, byte for byte (a client that
// sends no hello and plain seqs; a server that takes a hello for an unknown method and a
// cancel for a broken stream), kept so that the tests speak as an older peer does.
enum class NativeVersion { kV1, kExtended };

// The codecs are made over conn, which may be empty when they parse bytes from elsewhere.
std::unique_ptr<ServerCodec> NewNativeServerCodec(const Limits& limits, Conn conn = {},
                                                  NativeVersion version = NativeVersion::kExtended);
std::unique_ptr<ClientCodec> NewNativeClientCodec(const Limits& limits, Conn conn = {},
                                                  NativeVersion version = NativeVersion::kExtended);
// AsNativeClient and AsNativeServer give a codec made above its native side.
NativeClient* AsNativeClient(ClientCodec* codec);
NativeServer* AsNativeServer(ServerCodec* codec);

}  // namespace netrpc::codec
