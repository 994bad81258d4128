// gob.h: the gob codec, Go's net/rpc default wire format (encoding/gob streams).
// One codec object is one connection's stream: type definitions are sent and remembered once.
#pragma once

#include <memory>

#include "codec/codec.h"

namespace netrpc::codec {

// GobHeaders picks the header types: net/rpc's Request and Response, or GeeRPC's single
// Header{ServiceMethod, Seq, Error} used in both directions.
enum class GobHeaders { kNetRpc, kGeeRpc };

// NewGobServerCodec reads gob rpc.Request headers and bodies and writes rpc.Response ones,
// byte-compatible with Go's gobServerCodec.
std::unique_ptr<ServerCodec> NewGobServerCodec(const Limits& limits,
                                               GobHeaders headers = GobHeaders::kNetRpc,
                                               Conn conn = {});
// NewGobClientCodec is the other side, byte-compatible with Go's gobClientCodec.
std::unique_ptr<ClientCodec> NewGobClientCodec(const Limits& limits,
                                               GobHeaders headers = GobHeaders::kNetRpc,
                                               Conn conn = {});

}  // namespace netrpc::codec
