#include "data/synthetic/task.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "data/synthetic/generators.h"

namespace sf {

const std::vector<TaskInfo>& task_registry() {
  static const std::vector<TaskInfo> tasks = {
      {"copying", copying_example, "copy the data tokens after the markers (non-selective control)"},
      {"selective_copying", selective_copying_example, "copy data tokens scattered among noise (Mamba §4.1.1)"},
      {"induction_heads", induction_heads_example, "recall the token after the earlier trigger (Mamba §4.1.2)"},
      {"mqar", mqar_example, "multi-query associative recall of key-value pairs (Zoology, Arora et al. 2023)"},
      {"passkey", passkey_example, "recall a 5-digit key hidden at data.task.passkey_depth in filler (spec §8.5)"},
      {"parity", parity_example, "parity of a bit string, predicted at the last position (ParaRNN App. C.2)"},
      {"keep_nth", keep_nth_example, "report the keep_n-th token at the last position (ParaRNN App. C.2)"},
      {"khop", khop_example, "follow previous-occurrence links `hops` times (ParaRNN App. C.2)"},
  };
  return tasks;
}

bool is_task(const std::string& name) {
  for (const auto& t : task_registry())
    if (name == t.name) return true;
  return false;
}

TaskSource::TaskSource(const std::string& name, TaskOptions options) : info_(nullptr), options_(std::move(options)) {
  std::string known;
  for (const auto& t : task_registry()) {
    if (name == t.name) info_ = &t;
    known += (known.empty() ? "" : ", ") + std::string(t.name);
  }
  SF_CHECK(info_, "unknown dataset '", name, "' (text, or a task: ", known, ")");
  SF_CHECK(options_.batch_size > 0 && options_.seq_len > 0, "task ", name, ": batch_size and seq_len must be > 0");
  // Validates the lengths against the task's parameters now, not mid-run.
  examples(0, 0, 1, options_.seq_len, 0);
  if (options_.task.curriculum_min_len > 0) examples(0, 0, 1, options_.task.curriculum_min_len, 0);
}

int64_t TaskSource::train_len(uint64_t counter) const {
  const TaskConfig& t = options_.task;
  const double step = static_cast<double>(counter / static_cast<uint64_t>(std::max<int64_t>(1, options_.grad_accum)));
  if (t.curriculum_min_len <= 0 || step >= static_cast<double>(t.curriculum_steps)) return options_.seq_len;
  const double ratio = static_cast<double>(options_.seq_len) / static_cast<double>(t.curriculum_min_len);
  const double len = static_cast<double>(t.curriculum_min_len) * std::pow(ratio, step / static_cast<double>(t.curriculum_steps));
  return std::clamp(static_cast<int64_t>(len), t.curriculum_min_len, options_.seq_len);
}

Batch TaskSource::examples(uint64_t stream, int64_t first, int64_t count, int64_t L, int64_t modulo) const {
  Tensor x = empty({count, L}, DType::i64), y = empty({count, L}, DType::i64);
  for (int64_t b = 0; b < count; ++b) {
    int64_t index = modulo > 0 ? (first + b) % modulo : first + b;
    ExampleRng rng(mix(stream, static_cast<uint64_t>(index)));
    info_->example(options_.task, L, rng, x.data<int64_t>() + b * L, y.data<int64_t>() + b * L);
  }
  return {x, y};
}

Batch TaskSource::next() {
  const int64_t B = options_.batch_size;
  int64_t first = static_cast<int64_t>(counter_) * B * options_.world + options_.rank * B;
  const int64_t L = train_len(counter_++);
  return examples(mix(options_.seed, fnv1a("task-train")), first, B, L, options_.task.train_examples);
}

std::vector<Batch> TaskSource::eval_batches(int64_t count) const {
  const int64_t B = options_.batch_size, total = options_.task.eval_examples;
  const int64_t L = options_.task.eval_len > 0 ? options_.task.eval_len : options_.seq_len;
  int64_t n_batches = (total + B - 1) / B;
  if (count > 0) n_batches = std::min(n_batches, count);
  std::vector<Batch> out;
  for (int64_t k = 0; k < n_batches; ++k)
    out.push_back(examples(mix(options_.seed, fnv1a("task-eval")), k * B, std::min(B, total - k * B), L, 0));
  return out;
}

}  // namespace sf
