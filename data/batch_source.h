// BatchSource: where a run's batches come from, token windows (BatchSampler) or a synthetic task
// (data/synthetic/). Targets equal to kIgnoreIndex carry no loss and count in no accuracy, so a
// task marks the positions it scores by giving every other position that value.
#pragma once
#include <cstdint>
#include <vector>

#include "core/tensor.h"

namespace sf {

constexpr int64_t kIgnoreIndex = -100;  // cross_entropy's default ignore_index

struct Batch {
  Tensor x;  // (B, T) int64 input tokens
  Tensor y;  // (B, T) int64 targets; kIgnoreIndex where nothing is predicted
};

class BatchSource {
 public:
  virtual ~BatchSource() = default;
  virtual Batch next() = 0;  // the next training batch; advances state()
  // The whole sampling state is one counter, so a checkpoint stores it and resume replays exactly.
  virtual uint64_t state() const = 0;
  virtual void set_state(uint64_t counter) = 0;
  // `count` fixed evaluation batches: the same every call, so scores compare across steps.
  virtual std::vector<Batch> eval_batches(int64_t count) const = 0;
  // Tasks report accuracy (argmax == target over scored positions); text reports only loss.
  virtual bool scores_accuracy() const { return false; }
  // Bytes of validation text per validation token, so that bits per byte (val_loss / ln 2 / this) compare
  // models whose tokenizers differ; 0 = unknown (tasks, token files whose ids the tokenizer cannot decode).
  virtual double bytes_per_token() const { return 0; }
};

}  // namespace sf
