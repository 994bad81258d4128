// native_type.h: the type fingerprint the native protocol sends with a method's first call
// and reply, so that peers whose types differ refuse the call instead of misreading it.
#pragma once

#include <string>

#include "netrpc/describe.h"

namespace netrpc::codec {

// NativeFingerprint spells t as the native encoding sees it, in C++ terms: a struct is its
// name and its fields in order with their types, nested structs spelled out the same way
// ("Args{A int64, B int64}", "Outer{In Inner{X int32}, Tags std::vector<std::string>}").
// A struct already being spelled further out is its name alone, so recursive types end.
// Integers are intN and uintN (their width counts: the decoder refuses a value that does not
// fit), enums their underlying integer, as the encoding is. Two types encode alike exactly
// when their fingerprints are equal. Computed once per type and cached for the process;
// the reference stays valid. Thread-safe.
const std::string& NativeFingerprint(const TypeInfo* t);

}  // namespace netrpc::codec
