// lowrank_gaussian (data.dataset): rows of numbers for model.arch: autoencoder, the synthetic data of MKOR's
// deep-autoencoder experiment (spec optim.md §4.10 a). Row i is
//     x_i = z_i B + noise · ε_i,   z_i ~ N(0, I_rank),   ε_i ~ N(0, I_dim),
// with one basis B (rank × dim, entries N(0, 1/rank)) per seed, so the noise-free rows span a rank-`rank`
// subspace of R^dim (data.task.dim, rank, noise). A batch's target is its input (y = x, float32 (B, dim)).
//
// Every number is a Philox element addressed by (seed, stream, element): row i of a split reads elements
// [i·rank, (i+1)·rank) of the split's z stream and [i·dim, (i+1)·dim) of its noise stream, so a row is a pure
// function of (train.seed, split, i) — independent of the batch size, the rank of the process and resume. The
// training stream draws fresh rows every batch (rows counter·B·world + rank·B + [0, B)), or cycles through
// data.task.train_examples of them; evaluation uses rows [0, eval_examples) of its own streams.
#pragma once
#include <cstdint>
#include <vector>

#include "config/run_config.h"
#include "data/batch_source.h"

namespace sf {

struct LowRankOptions {
  TaskConfig task;  // dim, rank, noise, train_examples, eval_examples
  int64_t batch_size = 128;
  uint64_t seed = 1337;
  int64_t rank = 0;  // of the process, in a data-parallel launch
  int64_t world = 1;
};

class LowRankGaussianSource final : public BatchSource {
 public:
  explicit LowRankGaussianSource(LowRankOptions options);
  Batch next() override;
  uint64_t state() const override { return counter_; }
  void set_state(uint64_t counter) override { counter_ = counter; }
  // eval_examples rows in batches of batch_size (the last one shorter), at most `count` batches (0 = all).
  std::vector<Batch> eval_batches(int64_t count) const override;

  // Rows [first, first + count) of a split (0 training, 1 evaluation), float32 (count, dim); `noise` false
  // leaves the noise out (the rank-`rank` rows alone).
  Tensor rows(int split, int64_t first, int64_t count, bool noise = true) const;
  const Tensor& basis() const { return basis_; }  // (rank, dim)

 private:
  LowRankOptions options_;
  uint64_t stream_seed_;
  Tensor basis_;
  uint64_t counter_ = 0;
};

}  // namespace sf
