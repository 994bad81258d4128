// json_members.h: the top-level members of a JSON object, in the order they come, with keys
// compared as Go's encoding/json compares them with struct fields (case-insensitively).
// The sniffer decides by these keys, and GeeRPC's Option is decoded by them, as Go's would be.
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace netrpc::protocol {

enum class JsonWalk {
  kDone,      // the object closed; every member was visited
  kStopped,   // visit returned false
  kNeedMore,  // the object is not complete yet
  kBad,       // not a JSON object (the walk checks structure and strings, not every literal)
};

struct JsonMember {
  std::string folded_key;  // see GoKeyIs
  std::string_view value;  // the value's text, as it stands in the input
};

// WalkJsonObject visits the members of the object that starts, after whitespace, at in[0].
// On kDone, *end (if given) is the offset just past the closing brace.
JsonWalk WalkJsonObject(std::string_view in, const std::function<bool(const JsonMember&)>& visit,
                        size_t* end = nullptr);

// GoKeyIs says whether Go 1.19's decoder puts a member with this key into the field named
// `field` (ASCII letters): keys match fields case-insensitively, and for a field with an 's'
// or 'k' also with U+017F (long s) or U+212A (Kelvin sign) there (encoding/json/fold.go).
bool GoKeyIs(std::string_view folded_key, std::string_view field);

}  // namespace netrpc::protocol
