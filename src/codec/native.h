// native.h: netrpc's own protocol, the default between netrpc peers.
// A 4-byte stream preamble, then frames: u32 length, kind, varint seq, method id, body.
#pragma once

#include <memory>
#include <string_view>

#include "codec/codec.h"

namespace netrpc::codec {

// kNativePreamble opens every native stream. Its first byte can start neither a gob stream
// (0x80..0xF7 is no valid gob length), nor JSON, nor HTTP, so the server's sniffer is exact.
inline constexpr std::string_view kNativePreamble{
    "\xCE"
    "NR\x01",
    4};

// The codecs are made over conn, which may be empty when they parse bytes from elsewhere.
std::unique_ptr<ServerCodec> NewNativeServerCodec(const Limits& limits, Conn conn = {});
std::unique_ptr<ClientCodec> NewNativeClientCodec(const Limits& limits, Conn conn = {});

}  // namespace netrpc::codec
