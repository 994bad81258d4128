// gob_compile.cc: what Go's decoder works out before it reads a value (decode.go compileDec,
// compatibleType, decIgnoreOpFor): whether a wire type fits a local one, the field plan of each
// struct pair, whether a value may span messages, and Go's texts for what does not fit.
#include <unordered_set>

#include "codec/go_type_name.h"
#include "codec/gob_wire.h"

namespace netrpc::codec::gob {

namespace {

// Base drops optionals: a Go pointer travels as the value it points to.
const TypeInfo* Base(const TypeInfo* t) {
  while (t->kind == Kind::kOptional) t = t->elem();
  return t;
}

// LocalName is Go's reflect spelling of a local type, user types in package main as the
// encoder names them ("main.Inner", "[]int64", "*main.Inner").
std::string LocalName(const TypeInfo* t) { return GoTypeName(t, "main"); }

}  // namespace

// TypeString is Go's Decoder.typeString: a predefined type's name, else the wire name.
std::string StreamDecoder::TypeString(int64_t id, size_t depth) const {
  static constexpr const char* kPredefined[] = {"",      "bool",   "int",     "uint",     "float",
                                                "bytes", "string", "complex", "interface"};
  if (id > 0 && id <= kInterfaceId) return kPredefined[id];
  const WireType* w = Find(id);
  if (w == nullptr) return "unknown type";
  if (!w->name.empty()) return w->name;
  // Go sends no name for an unnamed slice, array or map, and then names it from its own
  // process-wide table of types, which holds what that process happens to have encoded.
  // netrpc spells the type out from the definition instead, as deep as max_depth (a
  // definition may even name itself as its element).
  if (depth > limits_.max_depth) return "...";
  switch (w->kind) {
    case WireType::Kind::kSlice:
      return "[]" + TypeString(w->elem, depth + 1);
    case WireType::Kind::kArray:
      return "[" + std::to_string(w->len) + "]" + TypeString(w->elem, depth + 1);
    case WireType::Kind::kMap:
      return "map[" + TypeString(w->key, depth + 1) + "]" + TypeString(w->elem, depth + 1);
    default:
      return w->name;
  }
}

// HoldsInterface: does wire type `id` reach an interface? Each type is looked at once per
// question (`seen`), and a graph deeper than max_depth counts as holding one, so that
// Measure walks the value and reports the depth.
bool StreamDecoder::HoldsInterface(int64_t id, std::unordered_set<int64_t>& seen,
                                   size_t depth) const {
  if (id == kInterfaceId) return true;
  if (id < kFirstUserId) return false;
  if (depth > limits_.max_depth) return true;
  const WireType* w = Find(id);
  if (w == nullptr || !seen.insert(id).second) return false;
  switch (w->kind) {
    case WireType::Kind::kArray:
    case WireType::Kind::kSlice:
      return HoldsInterface(w->elem, seen, depth + 1);
    case WireType::Kind::kMap:
      return HoldsInterface(w->key, seen, depth + 1) || HoldsInterface(w->elem, seen, depth + 1);
    case WireType::Kind::kStruct:
      for (const auto& field : w->fields) {
        if (HoldsInterface(field.second, seen, depth + 1)) return true;
      }
      return false;
    case WireType::Kind::kGobEncoder:
      return false;
  }
  return false;
}

// MayContinue remembers its answer per id. An id that refers to a type not yet defined
// answers as if that type held no interface: Go sends every definition a value needs before
// the value, so only a peer that breaks that rule meets the difference, and its value then
// fails to decode.
bool StreamDecoder::MayContinue(int64_t id) {
  auto it = may_continue_.find(id);
  if (it != may_continue_.end()) return it->second;
  std::unordered_set<int64_t> seen;
  bool holds = HoldsInterface(id, seen, 0);
  may_continue_.emplace(id, holds);  // at most one entry per defined type (kMaxWireTypes)
  return holds;
}

// CheckIgnorable is the check Go's decIgnoreOpFor makes when it compiles how to skip a
// value: every type the value can hold is defined. It returns Go's error text, or "".
// Answers are remembered per id: a success for good (definitions never change), a failure
// until the next definition arrives, so that a peer cannot make every call walk its types.
std::string StreamDecoder::CheckIgnorable(int64_t id, std::unordered_set<int64_t>& seen,
                                          size_t depth) {
  if (depth > limits_.max_depth) return "invalid nesting depth";
  if (id > 0 && id <= kInterfaceId) return "";
  if (auto it = ignorable_.find(id); it != ignorable_.end()) {
    if (it->second.error.empty() || it->second.generation == generation_) return it->second.error;
  }
  const WireType* w = Find(id);
  // Go prints the unknown id's type, which it does not have, as "<nil>".
  std::string e;
  if (w == nullptr) {
    e = "bad data: undefined type <nil>";
  } else if (!seen.insert(id).second) {
    return "";  // under way further up: a recursive type
  } else {
    switch (w->kind) {
      case WireType::Kind::kMap:
        e = CheckIgnorable(w->key, seen, depth + 1);
        if (e.empty()) e = CheckIgnorable(w->elem, seen, depth + 1);
        break;
      case WireType::Kind::kArray:
      case WireType::Kind::kSlice:
        e = CheckIgnorable(w->elem, seen, depth + 1);
        break;
      case WireType::Kind::kStruct:
        for (const auto& field : w->fields) {
          if (!(e = CheckIgnorable(field.second, seen, depth + 1)).empty()) break;
        }
        break;
      case WireType::Kind::kGobEncoder:
        break;
    }
  }
  // A success that leaned on a type still under way is only known at the outermost call.
  if (!e.empty() || depth == 0) ignorable_[id] = Checked{e, generation_};
  return e;
}

// Compatible is Go's compatibleType: can a value of wire type `wire_id` go into local type
// t? Structs always can here; their fields are checked when their Plan is compiled.
// netrpc has no fixed-size arrays, so a wire array also goes into a vector, where Go would
// want a local array.
bool StreamDecoder::Compatible(const TypeInfo* t, int64_t wire_id) const {
  const WireType* w = wire_id >= kFirstUserId ? Find(wire_id) : nullptr;
  t = Base(t);
  switch (t->kind) {
    case Kind::kBool:
      return wire_id == kBoolId;
    case Kind::kInt:
      return wire_id == kIntId;
    case Kind::kUint:
      return wire_id == kUintId;
    case Kind::kFloat32:
    case Kind::kFloat64:
      return wire_id == kFloatId;
    case Kind::kString:
      return wire_id == kStringId;
    case Kind::kBytes:
      return wire_id == kBytesId;
    case Kind::kVector:
      return w != nullptr &&
             (w->kind == WireType::Kind::kSlice || w->kind == WireType::Kind::kArray) &&
             Compatible(t->elem(), w->elem);
    case Kind::kMap:
      return w != nullptr && w->kind == WireType::Kind::kMap && Compatible(t->key(), w->key) &&
             Compatible(t->elem(), w->elem);
    case Kind::kStruct:
      return true;
    case Kind::kOptional:
      break;  // removed by Base
  }
  return false;
}

// Check compiles what decoding wire type `wire_id` into `type` needs, as Go's compileDec and
// decOpFor do before reading a byte: the plan of every struct inside, with its errors.
// It returns Go's error text, or "".
std::string StreamDecoder::Check(int64_t wire_id, const TypeInfo* type, size_t depth) {
  if (depth > limits_.max_depth) return "invalid nesting depth";
  const TypeInfo* t = Base(type);
  const WireType* w = wire_id >= kFirstUserId ? Find(wire_id) : nullptr;
  switch (t->kind) {
    case Kind::kVector:
      return w == nullptr ? "" : Check(w->elem, t->elem(), depth + 1);
    case Kind::kMap: {
      if (w == nullptr) return "";
      std::string e = Check(w->key, t->key(), depth + 1);
      return e.empty() ? Check(w->elem, t->elem(), depth + 1) : e;
    }
    case Kind::kStruct:
      if (w == nullptr && (wire_id <= 0 || wire_id > kInterfaceId)) {
        return "unknown type id or corrupted data";
      }
      if (w == nullptr || w->kind != WireType::Kind::kStruct) {
        return "type mismatch in decoder: want struct type " + LocalName(t) + "; got non-struct";
      }
      return Compile(wire_id, *w, t, depth).error;
    default:
      return "";
  }
}

// Compile builds (once per pair, as Go caches its engines) the plan for a wire struct and a
// local struct, with Go's compile-time errors.
const StreamDecoder::Plan& StreamDecoder::Compile(int64_t wire_id, const WireType& wire,
                                                  const TypeInfo* type, size_t depth) {
  auto [it, inserted] = plans_.try_emplace({wire_id, type});
  // Done, or under way higher up a recursive type. A failed plan is compiled again once a
  // definition has arrived since, as Go drops an engine that failed (the type it missed may
  // be defined now); until then the failure stands, so that calls cannot make it redone.
  if (!inserted && (it->second.error.empty() || it->second.generation == generation_)) {
    return it->second;
  }
  it->second = Plan{};  // under way
  Plan plan;
  plan.local.assign(wire.fields.size(), -1);
  std::unordered_set<int64_t> ignore_seen;  // shared by the fields: each type checked once
  for (size_t i = 0; i < wire.fields.size() && plan.error.empty(); ++i) {
    const auto& [name, field_id] = wire.fields[i];
    if (name.empty()) {
      plan.error = "empty name for remote field of type " + wire.name;
      break;
    }
    for (size_t j = 0; j < type->fields.size(); ++j) {
      if (type->fields[j].name == name) plan.local[i] = static_cast<int>(j);
    }
    if (plan.local[i] < 0) {
      plan.error = CheckIgnorable(field_id, ignore_seen, 0);
      continue;
    }
    ++plan.matched;
    const TypeInfo* ft = type->fields[plan.local[i]].type();
    if (!Compatible(ft, field_id)) {
      plan.error =
          "wrong type (" + LocalName(ft) + ") for received field " + wire.name + "." + name;
      break;
    }
    plan.error = Check(field_id, ft, depth + 1);
  }
  plan.generation = generation_;
  // std::map nodes do not move, so `it` is still this pair's entry.
  it->second = std::move(plan);
  return it->second;
}

}  // namespace netrpc::codec::gob
