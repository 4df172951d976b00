// BatchSampler: nanoGPT's random training windows, as a pure function of (seed, batch counter, row).
//
// Row b of batch k on rank r is the window at offset
//   o = mix(stream, k·B·world + r·B + b) mod (n − T),   stream = mix(seed, fnv1a("train"))
// and x = tokens[o, o+T), y = tokens[o+1, o+T+1), both int64 (B, T). The row index is global across
// ranks, so `world` ranks with batch B see exactly the windows one rank with batch world·B sees, and
// the sampler's whole state is the counter k: resuming at k reproduces the batches bit for bit.
// The tokens are a TokenSource, so the same ids give the same batches whether they come from a text
// in memory or from files on disk, and a rank reads only its own rows' windows.
#pragma once
#include <cstdint>
#include <vector>

#include "core/tensor.h"
#include "data/batch_source.h"
#include "data/token_source.h"

namespace sf {

struct SamplerOptions {
  int64_t batch_size = 12;  // B, per rank
  int64_t seq_len = 64;     // T
  uint64_t seed = 1337;
  int64_t rank = 0;
  int64_t world = 1;        // number of data-parallel ranks
};

class BatchSampler final : public BatchSource {
 public:
  // Throws sf::Error when the train split is shorter than T + 1 tokens or an option is out of range.
  // `bytes_per_token`: of the validation split, for bits per byte; 0 = unknown.
  BatchSampler(TokenSplits data, SamplerOptions options, double bytes_per_token = 0);

  Batch next() override;            // batch(state()), then advances the counter
  Batch batch(uint64_t k) const;    // the k-th training batch; no state change

  uint64_t state() const override { return counter_; }  // what a checkpoint stores
  void set_state(uint64_t counter) override { counter_ = counter; }

  // `count` validation batches drawn from a fixed stream of their own (mix(seed, fnv1a("eval"))), so
  // every evaluation sees the same windows and val losses compare across steps and runs.
  // Throws when the validation split is shorter than T + 1 tokens.
  std::vector<Batch> eval_batches(int64_t count) const override;
  double bytes_per_token() const override { return bytes_per_token_; }

  const SamplerOptions& options() const { return options_; }

 private:
  Batch gather(const TokenSource& tokens, uint64_t stream, uint64_t k) const;

  TokenSplits data_;
  SamplerOptions options_;
  double bytes_per_token_;
  uint64_t counter_ = 0;
};

}  // namespace sf
