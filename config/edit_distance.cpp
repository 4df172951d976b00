#include "config/edit_distance.h"

#include <algorithm>
#include <cctype>
#include <utility>

namespace sf {

namespace {

char lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

std::string_view parent_of(std::string_view key) {
  size_t dot = key.rfind('.');
  return dot == std::string_view::npos ? std::string_view{} : key.substr(0, dot);
}

std::string_view leaf_of(std::string_view key) {
  size_t dot = key.rfind('.');
  return dot == std::string_view::npos ? key : key.substr(dot + 1);
}

}  // namespace

size_t edit_distance(std::string_view a, std::string_view b) {
  const size_t n = a.size(), m = b.size();
  // Three rolling rows: the swap rule looks two rows back.
  std::vector<size_t> prev2(m + 1), prev(m + 1), cur(m + 1);
  for (size_t j = 0; j <= m; ++j) prev[j] = j;
  for (size_t i = 1; i <= n; ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= m; ++j) {
      size_t cost = lower(a[i - 1]) == lower(b[j - 1]) ? 0 : 1;
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost});
      if (i > 1 && j > 1 && lower(a[i - 1]) == lower(b[j - 2]) && lower(a[i - 2]) == lower(b[j - 1]))
        cur[j] = std::min(cur[j], prev2[j - 2] + 1);
    }
    std::swap(prev2, prev);
    std::swap(prev, cur);
  }
  return prev[m];
}

std::vector<std::string> nearest_keys(std::string_view unknown, const std::vector<std::string>& valid) {
  const std::string_view parent = parent_of(unknown), leaf = leaf_of(unknown);
  const size_t limit = 1 + leaf.size() / 3;
  std::vector<std::pair<size_t, std::string>> scored;
  for (const std::string& key : valid) {
    size_t d = edit_distance(leaf, leaf_of(key)) + (parent_of(key) == parent ? 0 : 1);
    if (d <= limit) scored.emplace_back(d, key);
  }
  std::stable_sort(scored.begin(), scored.end(),
                   [](const auto& x, const auto& y) { return x.first < y.first; });
  std::vector<std::string> out;
  for (const auto& [d, key] : scored) {
    if (out.size() == 3 || d > scored.front().first) break;
    out.push_back(key);
  }
  return out;
}

std::string did_you_mean(std::string_view unknown, const std::vector<std::string>& valid) {
  const std::vector<std::string> near = nearest_keys(unknown, valid);
  if (near.empty()) return "";
  std::string out = "; did you mean ";
  for (size_t i = 0; i < near.size(); ++i)
    out += (i == 0 ? "" : i + 1 == near.size() ? " or " : ", ") + ("'" + near[i] + "'");
  return out + "?";
}

}  // namespace sf
