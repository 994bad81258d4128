// hex.h: the value of one hexadecimal digit, for the parsers of every layer that read them
// (JSON's \uXXXX escapes, HTTP's %XX path escapes).
#pragma once

namespace netrpc {

// HexDigit is c's value as a hexadecimal digit (either case), or -1 if it is not one.
constexpr int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace netrpc
