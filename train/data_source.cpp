#include "train/data_source.h"

#include "autograd/functions.h"
#include "config/edit_distance.h"
#include "data/batch_sampler.h"
#include "data/sentencepiece_tokenizer.h"
#include "data/synthetic/task.h"
#include "data/text_dataset.h"
#include "layers/sequence_model.h"

namespace sf {

void check_data_config(const RunConfig& cfg, const Provenance& where) {
  const Validator v("data", where);
  const std::string& name = cfg.data.dataset;
  if (name == "text") {
    v.require(!cfg.data.path.empty(), "path", cfg.data.path,
              "a text dataset needs its corpus file (e.g. defaults: [data/tinyshakespeare])");
    return;
  }
  if (is_task(name)) return;
  std::vector<std::string> names{"text"};
  std::string tasks;
  for (const TaskInfo& t : task_registry()) {
    names.emplace_back(t.name);
    tasks += (tasks.empty() ? "" : ", ") + names.back();
  }
  v.require(false, "dataset", name,
            detail::cat("unknown dataset", did_you_mean(name, names), " (text, or a task: ", tasks, ")"));
}

std::unique_ptr<Tokenizer> make_run_tokenizer(const DataConfig& d) {
  switch (d.tokenizer) {
    case TokenizerKind::character:
      return make_tokenizer("char", read_corpus(d.path));
    case TokenizerKind::byte:
      return make_tokenizer("byte", "");
    case TokenizerKind::sentencepiece:
      return SentencePieceTokenizer::load(d.tokenizer_model);
  }
  throw Error("data.tokenizer: unhandled kind");
}

std::unique_ptr<BatchSource> make_batch_source(const RunConfig& cfg, const Tokenizer* tokenizer, int64_t rank,
                                               int64_t world) {
  const DataConfig& d = cfg.data;
  if (d.dataset != "text") {
    TaskOptions o{d.task, cfg.train.batch_size, cfg.train.seq_len, static_cast<uint64_t>(cfg.train.seed), rank, world,
                  cfg.train.grad_accum};
    return std::make_unique<TaskSource>(d.dataset, o);
  }
  SF_CHECK(tokenizer, "data.dataset text needs a tokenizer");
  TextDataset data = d.val_path.empty() ? TextDataset::from_file(d.path, *tokenizer, d.train_fraction)
                                        : TextDataset::from_files(d.path, d.val_path, *tokenizer);
  SamplerOptions so;
  so.batch_size = cfg.train.batch_size;
  so.seq_len = cfg.train.seq_len;
  so.seed = static_cast<uint64_t>(cfg.train.seed);
  so.rank = rank;
  so.world = world;
  try {
    return std::make_unique<BatchSampler>(std::move(data), so);
  } catch (const Error& e) {  // too short for one batch: name the file
    throw Error(detail::cat("corpus ", d.path, d.val_path.empty() ? "" : " / " + d.val_path, ": ", e.what()));
  }
}

int64_t data_vocab_size(const RunConfig& cfg, const Tokenizer* tokenizer) {
  if (cfg.data.dataset != "text") return cfg.data.task.vocab_size;
  SF_CHECK(tokenizer, "data.dataset text needs a tokenizer");
  return tokenizer->vocab_size();
}

EvalResult evaluate(SequenceModel& model, const std::vector<Batch>& batches, bool with_accuracy) {
  NoGradGuard no_grad;
  const bool was_training = model.training();
  model.eval();
  EvalResult r;
  double correct = 0, scored = 0;
  for (const auto& b : batches) {
    Variable logits = model.forward(b.x);
    r.loss += cross_entropy(logits, b.y).item<double>();
    if (with_accuracy) {
      Tensor pred = argmax(logits.data(), -1);
      Tensor mask = binary(BinaryOp::ne, b.y, static_cast<double>(kIgnoreIndex));
      correct += sum(binary(BinaryOp::eq, pred, b.y) * mask).item<double>();
      scored += sum(mask).item<double>();
    }
    ++r.batches;
  }
  model.train(was_training);
  if (r.batches) r.loss /= static_cast<double>(r.batches);
  if (with_accuracy) r.accuracy = scored > 0 ? correct / scored : 0.0;
  return r;
}

}  // namespace sf
