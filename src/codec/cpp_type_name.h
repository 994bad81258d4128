// cpp_type_name.h: how netrpc spells a described type in its own messages, in C++ terms.
// The JSON decoder names the C++ destination where Go's UnmarshalTypeError names a Go type.
#pragma once

#include <string>

#include "netrpc/describe.h"

namespace netrpc::codec {

// CppTypeName gives e.g. "std::vector<std::optional<int32_t>>", "netrpc::Bytes" or a struct's
// NETRPC_STRUCT name. A TypeInfo does not record which map or enum type it came from, so a map
// is "map<K, V>" (std::map or std::unordered_map) and an enum "enum (int32_t)", naming the
// underlying type.
std::string CppTypeName(const TypeInfo* t);

}  // namespace netrpc::codec
