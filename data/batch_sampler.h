// BatchSampler: nanoGPT's random training windows, as a pure function of (seed, batch counter, row).
//
// Row b of batch k on rank r is the window at offset
//   o = mix(stream, k·B·world + r·B + b) mod (n − T),   stream = mix(seed, fnv1a("train"))
// and x = tokens[o, o+T), y = tokens[o+1, o+T+1), both int64 (B, T). The row index is global across
// ranks, so `world` ranks with batch B see exactly the windows one rank with batch world·B sees, and
// the sampler's whole state is the counter k: resuming at k reproduces the batches bit for bit.
#pragma once
#include <cstdint>
#include <vector>

#include "core/tensor.h"
#include "data/batch_source.h"
#include "data/text_dataset.h"

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
  BatchSampler(TextDataset data, SamplerOptions options);

  Batch next() override;            // batch(state()), then advances the counter
  Batch batch(uint64_t k) const;    // the k-th training batch; no state change

  uint64_t state() const override { return counter_; }  // what a checkpoint stores
  void set_state(uint64_t counter) override { counter_ = counter; }

  // `count` validation batches drawn from a fixed stream of their own (mix(seed, fnv1a("eval"))), so
  // every evaluation sees the same windows and val losses compare across steps and runs.
  // Throws when the validation split is shorter than T + 1 tokens.
  std::vector<Batch> eval_batches(int64_t count) const override;

  const SamplerOptions& options() const { return options_; }

 private:
  Batch gather(const std::vector<int32_t>& tokens, uint64_t stream, uint64_t k) const;

  TextDataset data_;
  SamplerOptions options_;
  uint64_t counter_ = 0;
};

}  // namespace sf
