// msgpack_codec.h: HashiCorp's net-rpc-msgpackrpc, the net/rpc codec of Consul and Nomad, as
// netrpc codecs built only on netrpc's public headers: the proof that the codec seam is real.
#pragma once

#include <netrpc/codec.h>
#include <netrpc/conn.h>

#include <string>
#include <string_view>

#include "msgpack_message.h"

namespace msgpackrpc {

// MsgpackServerCodec is Go's msgpackrpc.NewServerCodec(conn): each request is a msgpack map
// {Seq, ServiceMethod} (Go's rpc.Request) followed by the msgpack body; each response a map
// {Error, Seq, ServiceMethod} followed by the body. Hand it to Server::ServeCodec.
// Threading: the Read methods touch only the read state and WriteResponse touches none, so
// netrpc's one reader and its writer may run at once.
class MsgpackServerCodec final : public netrpc::ServerCodec {
 public:
  explicit MsgpackServerCodec(netrpc::Conn conn, Limits limits = {})
      : ServerCodec(std::move(conn)), limits_(limits), reader_(limits) {}

  netrpc::ReadResult ReadRequestHeader(std::string_view in, netrpc::Request* header) override;
  netrpc::Error ReadRequestBody(netrpc::Value body) override;
  netrpc::Error WriteResponse(const netrpc::Response& header, netrpc::ConstValue body,
                              std::string* out) override;

 private:
  const Limits limits_;
  MessageReader reader_;
};

// MsgpackClientCodec is Go's msgpackrpc.NewClientCodec(conn), the other end of the same
// messages. Hand it to NewClientWithCodec. Threading as MsgpackServerCodec.
class MsgpackClientCodec final : public netrpc::ClientCodec {
 public:
  explicit MsgpackClientCodec(netrpc::Conn conn, Limits limits = {})
      : ClientCodec(std::move(conn)), limits_(limits), reader_(limits) {}

  netrpc::Error WriteRequest(const netrpc::Request& header, netrpc::ConstValue body,
                             std::string* out) override;
  netrpc::ReadResult ReadResponseHeader(std::string_view in, netrpc::Response* header) override;
  netrpc::Error ReadResponseBody(netrpc::Value body) override;

 private:
  const Limits limits_;
  MessageReader reader_;
};

}  // namespace msgpackrpc
