#include "train/sampler.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <numeric>

namespace sf {

int32_t pick_token(std::vector<double> z, double temperature, int64_t top_k, double top_p, double u) {
  const int64_t V = static_cast<int64_t>(z.size());
  if (temperature == 0) return static_cast<int32_t>(std::max_element(z.begin(), z.end()) - z.begin());
  for (double& v : z) v /= temperature;
  if (top_k > 0 && top_k < V) {
    std::vector<double> sorted = z;
    std::nth_element(sorted.begin(), sorted.begin() + (top_k - 1), sorted.end(), std::greater<>());
    const double kth = sorted[static_cast<size_t>(top_k - 1)];
    for (double& v : z)
      if (v < kth) v = -INFINITY;
  }
  // From here z holds unnormalised probabilities; a token filtered out has weight 0.
  const double m = *std::max_element(z.begin(), z.end());
  double total = 0;
  for (double& v : z) total += (v = std::exp(v - m));
  if (top_p < 1) {
    std::vector<int32_t> order(static_cast<size_t>(V));
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int32_t a, int32_t b) { return z[a] > z[b]; });
    double kept = 0;
    for (int32_t id : order) {
      if (kept >= top_p * total) z[id] = 0;
      kept += z[id];
    }
    total = kept;
  }
  const double target = u * total;
  double acc = 0;
  int32_t last = -1;
  for (int64_t k = 0; k < V; ++k) {
    if (z[k] <= 0) continue;
    acc += z[k];
    last = static_cast<int32_t>(k);
    if (acc > target) return last;
  }
  return last;  // rounding left target at the very top: the last token with weight
}

}  // namespace sf
