#include "train/generate.h"

#include <algorithm>
#include <cmath>

#include "core/rng.h"

namespace sf {

std::vector<int32_t> sample(SequenceModel& model, std::vector<int32_t> ids, const SampleOptions& o,
                            const std::function<void(int32_t)>& on_token) {
  SF_CHECK(!ids.empty(), "generate: the prompt is empty");
  SF_CHECK(o.temperature > 0, "generate: temperature must be > 0, got ", o.temperature);
  SF_CHECK(o.tokens >= 0, "generate: --tokens must be >= 0, got ", o.tokens);
  NoGradGuard no_grad;
  model.eval();
  const int64_t block = model.config().block_size;
  const int64_t V = model.config().vocab_size;
  // Recurrent models (every mixer has a step) carry their state across tokens, O(1) per token, and
  // see the whole text; the others recompute the last block_size tokens for every new one.
  const bool recurrent = model.has_step() && (model.config().pos != PosKind::learned ||
                                              static_cast<int64_t>(ids.size()) + o.tokens <= block);
  std::vector<std::vector<Tensor>> state;
  int64_t fed = 0;
  Tensor last;
  auto next_logits = [&]() -> Tensor {  // (V) for the token after ids
    if (recurrent) {
      for (; fed < static_cast<int64_t>(ids.size()); ++fed)
        last = model.step(from_vector<int64_t>({ids[static_cast<size_t>(fed)]}, {1}), fed, state);
      return last.select(0, 0);
    }
    int64_t start = std::max<int64_t>(0, static_cast<int64_t>(ids.size()) - block);
    std::vector<int64_t> ctx(ids.begin() + start, ids.end());
    const int64_t L = static_cast<int64_t>(ctx.size());
    return model.forward(from_vector<int64_t>(ctx, {1, L})).data().select(1, L - 1).select(0, 0);
  };
  for (int64_t i = 0; i < o.tokens; ++i) {
    std::vector<double> z = to_vector<double>(next_logits());
    for (double& v : z) v /= o.temperature;
    if (o.top_k > 0 && o.top_k < V) {
      std::vector<double> sorted = z;
      std::nth_element(sorted.begin(), sorted.begin() + (o.top_k - 1), sorted.end(), std::greater<>());
      double kth = sorted[o.top_k - 1];
      for (double& v : z)
        if (v < kth) v = -INFINITY;
    }
    double m = *std::max_element(z.begin(), z.end()), total = 0;
    for (double& v : z) total += (v = std::exp(v - m));
    double u;
    rng_uniform(&u, 1, RngStream{o.seed, 0, 0x53414D50 /*'SAMP'*/}, i);
    double target = u * total, acc = 0;
    int32_t next = -1;
    for (int64_t k = 0; k < V && next < 0; ++k) {
      acc += z[k];
      if (z[k] > 0 && acc > target) next = static_cast<int32_t>(k);
    }
    if (next < 0)  // rounding left target at the very top: take the last token with weight
      for (int64_t k = V - 1; k >= 0 && next < 0; --k)
        if (z[k] > 0) next = static_cast<int32_t>(k);
    ids.push_back(next);
    if (on_token) on_token(next);
  }
  return ids;
}

}  // namespace sf
