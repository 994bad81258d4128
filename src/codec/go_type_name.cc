// go_type_name.cc: Go's spelling of a described type, built by appending (g++ 12 at -O3
// warns falsely, -Wrestrict / PR 105329, on "literal" + std::string).
#include "codec/go_type_name.h"

namespace netrpc::codec {

std::string GoTypeName(const TypeInfo* t, std::string_view struct_package) {
  switch (t->kind) {
    case Kind::kBool:
      return "bool";
    case Kind::kInt:
      return "int" + std::to_string(t->size * 8);
    case Kind::kUint:
      return "uint" + std::to_string(t->size * 8);
    case Kind::kFloat32:
      return "float32";
    case Kind::kFloat64:
      return "float64";
    case Kind::kString:
      return "string";
    case Kind::kBytes:
      return "[]uint8";
    case Kind::kVector:
      return std::string("[]").append(GoTypeName(t->elem(), struct_package));
    case Kind::kMap:
      return std::string("map[")
          .append(GoTypeName(t->key(), struct_package))
          .append("]")
          .append(GoTypeName(t->elem(), struct_package));
    case Kind::kOptional:
      return std::string("*").append(GoTypeName(t->elem(), struct_package));
    case Kind::kStruct:
      if (struct_package.empty()) return std::string(t->name);
      return std::string(struct_package).append(".").append(t->name);
  }
  return "";
}

}  // namespace netrpc::codec
