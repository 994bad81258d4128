// msgpack_writer.h: appends a described C++ value as msgpack, byte for byte what Go's
// go-msgpack writes with MsgpackHandle{}, the handle net-rpc-msgpackrpc encodes with.
#pragma once

#include <netrpc/describe.h>
#include <netrpc/error.h>

#include <cstddef>
#include <string>

#include "msgpack_wire.h"

namespace msgpackrpc {

// AppendValue appends v; a null v (no type or no object) is msgpack nil, as Go's nil. As
// go-msgpack with WriteExt off: integers take their smallest form, strings and []byte are
// both the old raw "str" (fixstr, str16, str32: no str8, no bin), a struct is a map from field
// name to value in byte order of the names, and an empty vector, map or byte string nested
// inside is nil (C++ has no separate empty, and Go's zero value is nil). On error (a value
// nested deeper than max_depth, a string over 4 GiB) it appends nothing.
netrpc::Error AppendValue(netrpc::ConstValue v, std::string* out,
                          size_t max_depth = wire::kDefaultMaxDepth);

// AppendNil and AppendMapHeader write the two values a codec writes by itself.
void AppendNil(std::string* out);
void AppendMapHeader(size_t count, std::string* out);

}  // namespace msgpackrpc
