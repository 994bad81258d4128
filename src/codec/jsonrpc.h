// jsonrpc.h: Go's net/rpc/jsonrpc wire format as a netrpc codec, so that C++ peers talk to Go
// programs using jsonrpc.NewClient / jsonrpc.ServeConn (and to other JSON-RPC 1.0 peers).
#pragma once

#include <memory>

#include "codec/codec.h"

namespace netrpc::codec {

// The server codec reads {"method":"Svc.M","params":[arg],"id":<any JSON>} and answers
// {"id":<the same id>,"result":<reply or null>,"error":<string or null>} plus "\n". Like Go's
// server it numbers requests itself and keeps each raw id until the response is written.
std::unique_ptr<ServerCodec> NewJsonServerCodec(const Limits& limits, Conn conn = {});

// The client codec writes requests with the call's seq as id and remembers each method by id,
// because responses do not carry it.
std::unique_ptr<ClientCodec> NewJsonClientCodec(const Limits& limits, Conn conn = {});

}  // namespace netrpc::codec
