// conn_access.h: how netrpc's layers make the public Conn and Listener handles and reach the
// transport objects inside them; users get handles only from Listen, DialConn, FileConn, Pipe.
#pragma once

#include <memory>
#include <utility>

#include "netrpc/conn.h"
#include "transport/connection.h"
#include "transport/listener.h"

namespace netrpc::detail {

struct ConnAccess {
  static Conn Make(std::shared_ptr<transport::Connection> connection) {
    return Conn(std::move(connection));
  }
  static Listener Make(std::shared_ptr<transport::Listener> listener) {
    return Listener(std::move(listener));
  }
  static const std::shared_ptr<transport::Connection>& Of(const Conn& conn) { return conn.impl_; }
  static const std::shared_ptr<transport::Listener>& Of(const Listener& listener) {
    return listener.impl_;
  }
};

}  // namespace netrpc::detail
