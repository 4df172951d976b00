#include "train/generate.h"

#include <algorithm>
#include <cmath>

#include "core/rng.h"
#include "train/sampler.h"

namespace sf {

void check_sample_options(const SampleOptions& o) {
  SF_CHECK(o.tokens >= 0, "--tokens must be >= 0, got ", o.tokens);
  SF_CHECK(o.temperature >= 0 && std::isfinite(o.temperature), "--temperature must be >= 0 (0 = greedy), got ",
           o.temperature);
  SF_CHECK(o.top_k >= 0, "--top-k must be >= 0 (0 = all tokens), got ", o.top_k);
  SF_CHECK(o.top_p > 0 && o.top_p <= 1, "--top-p must be in (0, 1] (1 = all tokens), got ", o.top_p);
}

GenerationPath generation_path(const SequenceModel& model, int64_t length, bool cache) {
  const ModelConfig& c = model.config();
  // Absolute positions have no row past block_size; a mixer without a recurrent form (M2, whose long
  // filter is laid out for block_size taps) computes no longer input either.
  const bool absolute = c.pos == PosKind::learned || c.pos == PosKind::sinusoidal;
  if ((absolute || !model.has_step()) && length > c.block_size) return GenerationPath::recompute_window;
  return cache && model.has_step() ? GenerationPath::step : GenerationPath::recompute;
}

std::string path_name(const SequenceModel& model, GenerationPath path) {
  const ModelConfig& c = model.config();
  if (path == GenerationPath::recompute) return "recompute";
  if (path == GenerationPath::recompute_window) return detail::cat("recompute of the last ", c.block_size, " tokens");
  int64_t attention = 0;
  for (int64_t i = 0; i < c.n_layer; ++i) attention += c.mixer_of(i) == "attention";
  if (attention == c.n_layer) return "KV cache";
  return attention > 0 ? "KV cache and recurrent state" : "recurrent state";
}

std::vector<int32_t> sample(SequenceModel& model, std::vector<int32_t> ids, const SampleOptions& o,
                            const std::function<void(int32_t)>& on_token) {
  check_sample_options(o);
  SF_CHECK(!ids.empty(), "generate: the prompt is empty");
  NoGradGuard no_grad;
  model.eval();
  const GenerationPath path = generation_path(model, static_cast<int64_t>(ids.size()) + o.tokens, o.cache);
  std::vector<std::vector<Tensor>> state;
  int64_t fed = 0;
  Tensor last;
  auto next_logits = [&]() -> Tensor {  // (V) for the token after ids
    const int64_t length = static_cast<int64_t>(ids.size());
    if (path == GenerationPath::step) {
      for (; fed < length; ++fed)
        last = model.step(from_vector<int64_t>({ids[static_cast<size_t>(fed)]}, {1}), fed, state);
      return last.select(0, 0);
    }
    const int64_t start = path == GenerationPath::recompute_window ? std::max<int64_t>(0, length - model.config().block_size) : 0;
    std::vector<int64_t> ctx(ids.begin() + start, ids.end());
    const int64_t L = length - start;
    return model.forward(from_vector<int64_t>(ctx, {1, L})).data().select(1, L - 1).select(0, 0);
  };
  for (int64_t i = 0; i < o.tokens; ++i) {
    double u = 0;  // greedy decoding draws nothing
    if (o.temperature > 0) rng_uniform(&u, 1, RngStream{o.seed, o.stream, 0x53414D50 /*'SAMP'*/}, i);
    const int32_t next = pick_token(to_vector<double>(next_logits()), o.temperature, o.top_k, o.top_p, u);
    ids.push_back(next);
    if (on_token) on_token(next);
  }
  return ids;
}

}  // namespace sf
