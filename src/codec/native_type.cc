// native_type.cc: the native protocol's type fingerprints, spelled once per type and cached,
// because a connection sends and checks them only on a method's first call.
#include "codec/native_type.h"

#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace netrpc::codec {
namespace {

void Spell(const TypeInfo* t, std::vector<const TypeInfo*>* open, std::string* out) {
  switch (t->kind) {
    case Kind::kBool:
      out->append("bool");
      return;
    case Kind::kInt:
    case Kind::kUint:
      out->append(t->kind == Kind::kInt ? "int" : "uint").append(std::to_string(t->size * 8));
      return;
    case Kind::kFloat32:
      out->append("float");
      return;
    case Kind::kFloat64:
      out->append("double");
      return;
    case Kind::kString:
      out->append("std::string");
      return;
    case Kind::kBytes:
      out->append("netrpc::Bytes");
      return;
    case Kind::kVector:
      out->append("std::vector<");
      Spell(t->elem(), open, out);
      out->push_back('>');
      return;
    case Kind::kMap:
      out->append("map<");
      Spell(t->key(), open, out);
      out->append(", ");
      Spell(t->elem(), open, out);
      out->push_back('>');
      return;
    case Kind::kOptional:
      out->append("std::optional<");
      Spell(t->elem(), open, out);
      out->push_back('>');
      return;
    case Kind::kStruct:
      out->append(t->name);
      for (const TypeInfo* o : *open) {
        if (o == t) return;  // recursive: the name says enough, the outer spelling has it all
      }
      open->push_back(t);
      out->push_back('{');
      for (size_t i = 0; i < t->fields.size(); ++i) {
        if (i != 0) out->append(", ");
        out->append(t->fields[i].name).push_back(' ');
        Spell(t->fields[i].type(), open, out);
      }
      out->push_back('}');
      open->pop_back();
      return;
  }
}

}  // namespace

const std::string& NativeFingerprint(const TypeInfo* t) {
  // Entries are never removed, and unique_ptr keeps each string where it is as the map grows.
  static std::mutex mu;
  static auto* cache = new std::unordered_map<const TypeInfo*, std::unique_ptr<std::string>>();
  std::lock_guard lock(mu);
  auto& slot = (*cache)[t];
  if (!slot) {
    slot = std::make_unique<std::string>();
    std::vector<const TypeInfo*> open;
    Spell(t, &open, slot.get());
  }
  return *slot;
}

}  // namespace netrpc::codec
