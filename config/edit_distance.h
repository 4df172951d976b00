// Typo distance behind the "did you mean" hints for unknown config keys.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace sf {

// Optimal-string-alignment distance (insert, delete, substitute, swap two neighbours),
// ignoring ASCII case: "lrr" -> "lr" is 1, "trian" -> "train" is 1.
size_t edit_distance(std::string_view a, std::string_view b);

// The valid dotted keys nearest to `unknown` (itself dotted, e.g. "optim.lrr"): those tied for
// the smallest distance, at most three, and none unless that distance is a plausible typo. Keys in the same section
// compare by their last component; keys in other sections cost one more, so a key put under
// the wrong section ("train.lr") still finds its home ("optim.lr").
std::vector<std::string> nearest_keys(std::string_view unknown, const std::vector<std::string>& valid);

// "; did you mean 'a' or 'b'?" for the nearest_keys of `unknown`; "" when none is near.
std::string did_you_mean(std::string_view unknown, const std::vector<std::string>& valid);

}  // namespace sf
