// go_duration.h: Go's time.Duration.String, for texts that a Go peer formats with %s of a
// Duration (GeeRPC's handle-timeout error) and that netrpc must write byte for byte.
#pragma once

#include <cstdint>
#include <string>

namespace netrpc::protocol {

// GoDurationString formats nanoseconds as Go 1.19's time.Duration.String: "0s", "1.5µs"
// (U+00B5), "500ms", "1.5s", "1m0s", "1h2m3s", with a leading '-' when negative.
std::string GoDurationString(int64_t nanoseconds);

}  // namespace netrpc::protocol
