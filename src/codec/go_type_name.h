// go_type_name.h: how Go spells the type a TypeInfo stands for (reflect.Type.String()).
// gob names unnamed wire types with it, and the gob and JSON codecs quote it in Go's messages.
#pragma once

#include <string>
#include <string_view>

#include "netrpc/describe.h"

namespace netrpc::codec {

// GoTypeName gives e.g. "map[string][]int32"; a struct is its NETRPC_STRUCT name, prefixed
// with struct_package and a dot when one is given ("main.Inner").
std::string GoTypeName(const TypeInfo* t, std::string_view struct_package = {});

}  // namespace netrpc::codec
