// Seed mixing (SplitMix64) and name hashing (FNV-1a 64): pure functions, identical on every device and rank.
#pragma once
#include <cstdint>
#include <string_view>

namespace sf {

constexpr uint64_t splitmix64(uint64_t x) {
  uint64_t z = x + 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// Combines two 64-bit values into a seed.
constexpr uint64_t mix(uint64_t a, uint64_t b) { return splitmix64(a ^ splitmix64(b)); }

// FNV-1a 64 over the bytes of a name (module and parameter names become seeds).
constexpr uint64_t fnv1a(std::string_view s) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ull;
  return h;
}

static_assert(splitmix64(0) == 0xe220a8397b1dcdafull);

}  // namespace sf
