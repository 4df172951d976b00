#include "data/hex.h"

#include "core/error.h"

namespace sf {

namespace {
int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

std::string to_hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex(2 * bytes.size(), '0');
  for (size_t i = 0; i < bytes.size(); ++i) {
    const auto b = static_cast<unsigned char>(bytes[i]);
    hex[2 * i] = kDigits[b >> 4];
    hex[2 * i + 1] = kDigits[b & 15];
  }
  return hex;
}

std::string from_hex(std::string_view hex, std::string_view what) {
  SF_CHECK(hex.size() % 2 == 0, what, " has an odd number of hex digits (", hex.size(), ")");
  std::string bytes(hex.size() / 2, '\0');
  for (size_t i = 0; i < hex.size(); i += 2) {
    const int hi = hex_digit(hex[i]), lo = hex_digit(hex[i + 1]);
    SF_CHECK(hi >= 0 && lo >= 0, what, " has a non-hex character at position ", hi < 0 ? i : i + 1);
    bytes[i / 2] = static_cast<char>(hi * 16 + lo);
  }
  return bytes;
}

}  // namespace sf
