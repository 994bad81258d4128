// socket_connection.h: connections over a kernel socket, TCP or Unix-domain, made from a
// connected Asio socket or adopted from a descriptor of either family.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <memory>

#include "netrpc/error.h"
#include "transport/connection.h"

namespace netrpc::transport {

std::shared_ptr<Connection> NewTcpConnection(boost::asio::ip::tcp::socket socket);
std::shared_ptr<Connection> NewUnixConnection(boost::asio::local::stream_protocol::socket socket);
// AdoptDescriptor takes a connected socket descriptor (TCP or Unix); the connection owns it.
// kUsage if fd is not a connected stream socket; the descriptor is then left to the caller.
Result<std::shared_ptr<Connection>> AdoptDescriptor(const boost::asio::any_io_executor& executor,
                                                    int fd);

// FormatEndpoint writes a TCP endpoint as Go does: "127.0.0.1:80", "[::1]:80".
std::string FormatEndpoint(const boost::asio::ip::tcp::endpoint& endpoint);

}  // namespace netrpc::transport
