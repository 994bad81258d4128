// etcd_value.h: the value stored per server under an etcd prefix (the JSON shape netrpc/etcd.h
// documents), written by EtcdRegistration and read by EtcdDiscovery.
#pragma once

#include <string>
#include <string_view>

#include "netrpc/error.h"
#include "netrpc/xclient.h"

namespace netrpc::xclient {

// EncodeEndpointValue: {"address":"tcp@...","weight":1,"metadata":{...}}.
std::string EncodeEndpointValue(const Endpoint& endpoint);
// DecodeEndpointValue reads a value back; key_address (the key less the prefix) is the
// address when the value has none, and an empty value is that address with weight 1. Errors
// (kProtocol): not a JSON object, a field of the wrong type, a weight outside uint32, an
// address ParseEndpoint refuses.
Result<Endpoint> DecodeEndpointValue(std::string_view key_address, std::string_view value);

}  // namespace netrpc::xclient
