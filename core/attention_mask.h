// Which keys a query of causal attention sees: query i sees key j iff j <= i and (window == 0 or
// i − j < window or j < prefix). window > 0 is sliding-window attention (the `window` newest keys, the query
// itself included); prefix keeps the first `prefix` positions (persistent-memory tokens, say) visible to
// every query at or after them. {0, 0} is plain causal attention. One rule for the flash kernel
// (core/cpu/attention.h), its composite oracle and the layers (layers/transformer/attention_core.h).
#pragma once
#include <algorithm>
#include <cstdint>

namespace sf {

struct AttentionMask {
  int64_t window = 0;  // 0 = every earlier key
  int64_t prefix = 0;  // leading keys exempt from the window

  bool visible(int64_t i, int64_t j) const { return j <= i && (window <= 0 || i - j < window || j < prefix); }
  // The keys the window hides from query i: [expired_begin(), expired_end(i)), empty when none.
  int64_t expired_begin() const { return prefix; }
  int64_t expired_end(int64_t i) const { return window > 0 ? std::max(prefix, i - window + 1) : prefix; }
};

}  // namespace sf
