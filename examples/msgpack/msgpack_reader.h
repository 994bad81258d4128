// msgpack_reader.h: decodes one msgpack value into a described C++ value, accepting what
// go-msgpack's decoder accepts, so that any msgpackrpc peer's bytes read as Go would read them.
#pragma once

#include <netrpc/describe.h>
#include <netrpc/error.h>

#include <cstddef>
#include <string_view>

#include "msgpack_wire.h"

namespace msgpackrpc {

// ReadValue decodes `in`, which must hold exactly one value, into v. As go-msgpack: nil sets
// the zero value; any integer form fills any integer type that holds the number (else an
// error), and an integer fills a float; str and bin both fill a string or Bytes; a struct
// reads from a map, matching keys to field names exactly and skipping unknown keys, or from
// an array in field order; a map's entries are added to what v holds. Every length and count
// is checked against the bytes in `in` before anything is allocated for it, and values
// nested deeper than max_depth are refused. On error, v may be partly filled.
netrpc::Error ReadValue(std::string_view in, netrpc::Value v,
                        size_t max_depth = wire::kDefaultMaxDepth);

}  // namespace msgpackrpc
