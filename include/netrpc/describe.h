// describe.h: NETRPC_STRUCT describes a user's struct once, for every codec.
// TypeOf<T>() turns any supported C++ type into a static TypeInfo that codecs walk at run time.
#pragma once

#include <array>
#include <boost/describe/class.hpp>
#include <boost/describe/members.hpp>
#include <boost/mp11/algorithm.hpp>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <vector>

// NETRPC_STRUCT(Type, field, ...) names the fields that travel, in order, at namespace scope
// in the namespace of Type. Codecs that match by name (gob, JSON) use the names; the native
// codec uses the order.
#define NETRPC_STRUCT(T, ...)                 \
  BOOST_DESCRIBE_STRUCT(T, (), (__VA_ARGS__)) \
  [[maybe_unused]] inline constexpr std::string_view NetrpcTypeName(const T*) { return #T; }

namespace netrpc {

// Bytes is Go's []byte: a length-prefixed blob on every codec.
using Bytes = std::vector<uint8_t>;

enum class Kind : uint8_t {
  kBool,
  kInt,   // any signed integer width, or an enum with a signed underlying type
  kUint,  // any unsigned integer width, or an enum with an unsigned underlying type
  kFloat32,
  kFloat64,
  kString,    // std::string
  kBytes,     // std::vector<uint8_t>
  kVector,    // std::vector<T>
  kMap,       // std::map / std::unordered_map with string or integer keys
  kOptional,  // std::optional<T>: absent travels as nothing (Go's nil pointer)
  kStruct,    // described with NETRPC_STRUCT
};

struct TypeInfo;
using TypeFn = const TypeInfo* (*)();

struct FieldInfo {
  std::string_view name;
  TypeFn type;
  void* (*get)(void* object);  // address of this field inside object
};

// The operations a codec needs on each kind of container, erased to function pointers so
// that the codecs compile once in src/ and never see a user's types.
struct SequenceOps {
  size_t (*size)(const void*);
  void (*resize)(void*, size_t);  // callers check size against their input first
  void* (*at)(void*, size_t);
  const char* (*data)(const void*);            // kString/kBytes only
  void (*assign)(void*, const char*, size_t);  // kString/kBytes only
};
struct MapOps {
  size_t (*size)(const void*);
  void (*clear)(void*);
  // for_each stops early when fn returns false, and then returns false itself.
  bool (*for_each)(const void*, void* ctx, bool (*fn)(void* ctx, const void* key, const void* val));
  // insert builds a default key and value, lets fill decode into them, then stores them.
  bool (*insert)(void*, void* ctx, bool (*fill)(void* ctx, void* key, void* val));
};
struct OptionalOps {
  const void* (*get)(const void*);  // nullptr when empty
  void* (*emplace)(void*);
  void (*reset)(void*);
};

struct TypeInfo {
  Kind kind;
  uint8_t size = 0;  // bytes of an integer or float
  bool is_enum = false;
  std::string_view name;              // struct name from NETRPC_STRUCT; empty otherwise
  TypeFn elem = nullptr;              // element of vector and optional, value of map
  TypeFn key = nullptr;               // key of map
  std::span<const FieldInfo> fields;  // kStruct
  SequenceOps seq{};
  MapOps map{};
  OptionalOps opt{};
  void (*reset)(void*) = nullptr;  // assigns T{}: decoders clear before filling
};

template <class T>
const TypeInfo* TypeOf();

namespace detail {

template <class T>
struct IsVector : std::false_type {};
template <class T, class A>
struct IsVector<std::vector<T, A>> : std::true_type {};
template <class T>
struct IsMap : std::false_type {};
template <class K, class V, class C, class A>
struct IsMap<std::map<K, V, C, A>> : std::true_type {};
template <class K, class V, class H, class E, class A>
struct IsMap<std::unordered_map<K, V, H, E, A>> : std::true_type {};
template <class T>
struct IsOptional : std::false_type {};
template <class T>
struct IsOptional<std::optional<T>> : std::true_type {};

template <class T>
void Reset(void* p) {
  *static_cast<T*>(p) = T{};
}

template <class T, auto Member>
void* FieldOf(void* object) {
  return &(static_cast<T*>(object)->*Member);
}

template <class T>
SequenceOps MakeSequenceOps() {
  SequenceOps ops{};
  ops.size = [](const void* p) { return static_cast<const T*>(p)->size(); };
  ops.resize = [](void* p, size_t n) { static_cast<T*>(p)->resize(n); };
  ops.at = [](void* p, size_t i) -> void* { return &(*static_cast<T*>(p))[i]; };
  if constexpr (std::is_same_v<T, std::string> || std::is_same_v<T, Bytes>) {
    ops.data = [](const void* p) {
      return reinterpret_cast<const char*>(static_cast<const T*>(p)->data());
    };
    ops.assign = [](void* p, const char* d, size_t n) {
      auto* u = reinterpret_cast<const typename T::value_type*>(d);
      static_cast<T*>(p)->assign(u, u + n);
    };
  }
  return ops;
}

template <class M>
MapOps MakeMapOps() {
  MapOps ops{};
  ops.size = [](const void* p) { return static_cast<const M*>(p)->size(); };
  ops.clear = [](void* p) { static_cast<M*>(p)->clear(); };
  ops.for_each = [](const void* p, void* ctx, bool (*fn)(void*, const void*, const void*)) {
    for (const auto& [k, v] : *static_cast<const M*>(p)) {
      if (!fn(ctx, &k, &v)) return false;
    }
    return true;
  };
  ops.insert = [](void* p, void* ctx, bool (*fill)(void*, void*, void*)) {
    typename M::key_type k{};
    typename M::mapped_type v{};
    if (!fill(ctx, &k, &v)) return false;
    (*static_cast<M*>(p))[std::move(k)] = std::move(v);
    return true;
  };
  return ops;
}

template <class T>
OptionalOps MakeOptionalOps() {
  OptionalOps ops{};
  ops.get = [](const void* p) -> const void* {
    auto* o = static_cast<const T*>(p);
    return o->has_value() ? &**o : nullptr;
  };
  ops.emplace = [](void* p) -> void* { return &static_cast<T*>(p)->emplace(); };
  ops.reset = [](void* p) { static_cast<T*>(p)->reset(); };
  return ops;
}

template <class T, class D>
using MemberType = std::remove_cvref_t<decltype(std::declval<T&>().*D::pointer)>;

template <class T>
std::span<const FieldInfo> StructFields() {
  using Members = boost::describe::describe_members<T, boost::describe::mod_public>;
  static const auto fields = []<template <class...> class L, class... D>(L<D...>) {
    return std::array<FieldInfo, sizeof...(D)>{
        FieldInfo{D::name, &TypeOf<MemberType<T, D>>, &FieldOf<T, D::pointer>}...};
  }(Members{});
  return fields;
}

// TypeCanTravel<T> is false for every type MakeTypeInfo refuses. Its static_asserts test it,
// not a bare `false`, so that g++ and clang print the refused type with the message
// ("'netrpc::detail::TypeCanTravel<Undescribed>' evaluates to false").
template <class T>
inline constexpr bool TypeCanTravel = false;

template <class T>
TypeInfo MakeTypeInfo() {
  TypeInfo t{};
  if constexpr (!std::is_array_v<T>) t.reset = &Reset<T>;  // arrays are refused below
  if constexpr (std::is_same_v<T, bool>) {
    t.kind = Kind::kBool;
    t.size = 1;
  } else if constexpr (std::is_enum_v<T>) {
    using U = std::underlying_type_t<T>;
    t.kind = std::is_signed_v<U> ? Kind::kInt : Kind::kUint;
    t.size = sizeof(U);
    t.is_enum = true;
  } else if constexpr (std::is_integral_v<T>) {
    t.kind = std::is_signed_v<T> ? Kind::kInt : Kind::kUint;
    t.size = sizeof(T);
  } else if constexpr (std::is_same_v<T, float>) {
    t.kind = Kind::kFloat32;
    t.size = 4;
  } else if constexpr (std::is_same_v<T, double>) {
    t.kind = Kind::kFloat64;
    t.size = 8;
  } else if constexpr (std::is_same_v<T, std::string>) {
    t.kind = Kind::kString;
    t.seq = MakeSequenceOps<T>();
  } else if constexpr (std::is_same_v<T, Bytes>) {
    t.kind = Kind::kBytes;
    t.seq = MakeSequenceOps<T>();
  } else if constexpr (IsVector<T>::value) {
    static_assert(!std::is_same_v<typename T::value_type, bool>,
                  "netrpc: std::vector<bool> has no addressable elements; use std::vector<uint8_t>"
                  " or a vector of a struct holding a bool");
    t.kind = Kind::kVector;
    t.elem = &TypeOf<typename T::value_type>;
    t.seq = MakeSequenceOps<T>();
  } else if constexpr (IsMap<T>::value) {
    using K = typename T::key_type;
    static_assert(std::is_same_v<K, std::string> || std::is_integral_v<K> || std::is_enum_v<K>,
                  "netrpc: map keys must be std::string or an integer");
    t.kind = Kind::kMap;
    t.key = &TypeOf<K>;
    t.elem = &TypeOf<typename T::mapped_type>;
    t.map = MakeMapOps<T>();
  } else if constexpr (IsOptional<T>::value) {
    t.kind = Kind::kOptional;
    t.elem = &TypeOf<typename T::value_type>;
    t.opt = MakeOptionalOps<T>();
  } else if constexpr (boost::describe::has_describe_members<T>::value) {
    t.kind = Kind::kStruct;
    t.name = NetrpcTypeName(static_cast<const T*>(nullptr));
    t.fields = StructFields<T>();
  } else if constexpr (std::is_pointer_v<T>) {
    static_assert(TypeCanTravel<T>,
                  "netrpc: a pointer cannot travel inside a value; use std::optional<T> for Go's *T"
                  " (absent is nil)");
  } else if constexpr (std::is_same_v<T, std::string_view> ||
                       (std::is_array_v<T> && std::is_same_v<std::remove_extent_t<T>, char>)) {
    static_assert(TypeCanTravel<T>,
                  "netrpc: this type cannot travel inside a value or receive a reply; use"
                  " std::string (a string literal or std::string_view may be Call's args)");
  } else if constexpr (std::is_array_v<T>) {
    static_assert(TypeCanTravel<T>, "netrpc: an array cannot travel; use std::vector (Go's slice)");
  } else {
    static_assert(TypeCanTravel<T>,
                  "netrpc: this type cannot travel; describe it with NETRPC_STRUCT(Type, fields...)"
                  " or use an integer, float, bool, std::string, netrpc::Bytes, std::vector,"
                  " std::map, std::unordered_map or std::optional");
  }
  return t;
}

}  // namespace detail

// TypeOf returns the static description of T; it is built once, on first use.
template <class T>
const TypeInfo* TypeOf() {
  static const TypeInfo info = detail::MakeTypeInfo<std::remove_cvref_t<T>>();
  return &info;
}

// A Value is a described object seen by a codec: its address and its description.
struct Value {
  const TypeInfo* type = nullptr;
  void* object = nullptr;
};
struct ConstValue {
  const TypeInfo* type = nullptr;
  const void* object = nullptr;
};

}  // namespace netrpc
