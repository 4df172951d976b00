// Synthetic tasks (sources in data/synthetic/generators.h): each task is a generator of one example,
// registered by name; TaskSource turns a generator into batches (BatchSource) for training and
// evaluation.
//
// Example i of a run is a pure function of (seed, split, i): the training stream is
// mix(seed, fnv1a("task-train")), the evaluation set mix(seed, fnv1a("task-eval")), so the
// evaluation set never overlaps a training example stream and resume replays exactly.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "config/run_config.h"
#include "core/hash.h"
#include "data/batch_source.h"

namespace sf {

// Random numbers for one example: a splitmix64 counter stream.
class ExampleRng {
 public:
  explicit ExampleRng(uint64_t seed) : state_(seed) {}
  uint64_t next() { return splitmix64(state_ += 0x9E3779B97F4A7C15ull); }
  int64_t uniform(int64_t n) { return static_cast<int64_t>(next() % static_cast<uint64_t>(n)); }  // [0, n)

 private:
  uint64_t state_;
};

// Fills x[0..L) with inputs and y[0..L) with targets (kIgnoreIndex where nothing is scored).
// Throws sf::Error when L is too short for the task's parameters.
using ExampleFn = void (*)(const TaskConfig& task, int64_t L, ExampleRng& rng, int64_t* x, int64_t* y);

struct TaskInfo {
  const char* name;
  ExampleFn example;
  const char* description;
};

// Every registered task; adding a task is one generator and one line in task.cpp's table.
const std::vector<TaskInfo>& task_registry();
bool is_task(const std::string& name);

struct TaskOptions {
  TaskConfig task;
  int64_t batch_size = 8;
  int64_t seq_len = 64;
  uint64_t seed = 1337;
  int64_t rank = 0;
  int64_t world = 1;
  int64_t grad_accum = 1;  // batches per optimizer step, so task.curriculum_steps counts steps
};

class TaskSource final : public BatchSource {
 public:
  TaskSource(const std::string& name, TaskOptions options);  // unknown name: error listing the tasks
  Batch next() override;
  uint64_t state() const override { return counter_; }
  void set_state(uint64_t counter) override { counter_ = counter; }
  std::vector<Batch> eval_batches(int64_t count) const override;  // count 0 = the whole eval set
  bool scores_accuracy() const override { return true; }
  // Length of training batch `counter` (task.curriculum_*: min_len · (seq_len / min_len)^(step / steps),
  // rounded down, then seq_len); a function of the counter alone, so resume replays it.
  int64_t train_len(uint64_t counter) const;

  Batch examples(uint64_t stream, int64_t first, int64_t count, int64_t L, int64_t modulo) const;

 private:
  const TaskInfo* info_;
  TaskOptions options_;
  uint64_t counter_ = 0;
};

}  // namespace sf
