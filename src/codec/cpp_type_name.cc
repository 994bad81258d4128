// cpp_type_name.cc: the C++ spelling of a described type, built by appending (g++ 12 at -O3
// warns falsely, -Wrestrict / PR 105329, on "literal" + std::string).
#include "codec/cpp_type_name.h"

namespace netrpc::codec {

std::string CppTypeName(const TypeInfo* t) {
  switch (t->kind) {
    case Kind::kBool:
      return "bool";
    case Kind::kInt:
    case Kind::kUint: {
      std::string name(t->kind == Kind::kInt ? "int" : "uint");
      name.append(std::to_string(t->size * 8)).append("_t");
      if (t->is_enum) return std::string("enum (").append(name).append(")");
      return name;
    }
    case Kind::kFloat32:
      return "float";
    case Kind::kFloat64:
      return "double";
    case Kind::kString:
      return "std::string";
    case Kind::kBytes:
      return "netrpc::Bytes";
    case Kind::kVector:
      return std::string("std::vector<").append(CppTypeName(t->elem())).append(">");
    case Kind::kMap:
      return std::string("map<")
          .append(CppTypeName(t->key()))
          .append(", ")
          .append(CppTypeName(t->elem()))
          .append(">");
    case Kind::kOptional:
      return std::string("std::optional<").append(CppTypeName(t->elem())).append(">");
    case Kind::kStruct:
      return std::string(t->name);
  }
  return "";
}

}  // namespace netrpc::codec
