#include "train/data_source.h"

#include <cmath>
#include <numbers>
#include <tuple>

#include "autograd/functions.h"
#include "config/edit_distance.h"
#include "data/batch_sampler.h"
#include "data/file_list.h"
#include "data/llmc_bin.h"
#include "data/sentencepiece_tokenizer.h"
#include "data/synthetic/lowrank_gaussian.h"
#include "data/synthetic/task.h"
#include "data/text_dataset.h"
#include "data/token_shards.h"
#include "layers/model.h"

namespace sf {

namespace {

std::string list_text(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& s : items) out += (out.empty() ? "" : ", ") + s;
  return "[" + out + "]";
}

// The manifest must be what the data section describes (make_run_tokenizer's header says what is compared).
void check_manifest_describes(const ShardManifest& m, const DataConfig& d, const Tokenizer& manifest_tokenizer) {
  const std::string path = manifest_path(d.path);
  const std::string again = "; run `seqforge prepare-data RECIPE` to prepare them again";
  const std::string_view kind = enum_name(d.tokenizer);
  SF_CHECK(kind == manifest_tokenizer.kind(), path, ": the shards were tokenized by the ", manifest_tokenizer.kind(),
           " tokenizer, but data.tokenizer is ", kind, " (set data.tokenizer: ", manifest_tokenizer.kind(), again, ")");
  if (d.tokenizer == TokenizerKind::sentencepiece) {
    const std::string model = tokenizer_fingerprint(*SentencePieceTokenizer::load(d.tokenizer_model));
    SF_CHECK(model == m.fingerprint, path, ": the shards were tokenized by SentencePiece model ", m.fingerprint,
             ", but data.tokenizer_model ", d.tokenizer_model, " is model ", model, again);
  }
  if (d.source.empty()) return;  // a recipe that only trains on the shards does not say what they came from
  const bool same_split = !d.val_source.empty() || m.train_fraction == d.train_fraction;
  SF_CHECK(m.source == d.source && m.val_source == d.val_source && same_split, path, ": prepared from source ",
           list_text(m.source), ", val_source ", list_text(m.val_source), ", train_fraction ", m.train_fraction,
           "; the config names source ", list_text(d.source), ", val_source ", list_text(d.val_source),
           ", train_fraction ", d.train_fraction, again);
}

// The .bin files one data.path / data.val_path entry names (a file or a glob), laid end to end.
std::vector<TokenRun> bin_runs(const std::string& entry, std::string_view key) {
  std::vector<TokenRun> runs;
  for (const std::string& file : expand_file_list({entry}, key)) runs.push_back(llmc_bin_run(file));
  return runs;
}

// Bytes per token of a split the tokenizer decodes; 0 when it does not (ids beyond its vocabulary).
double decoded_bytes_per_token(const TokenSource& split, const Tokenizer& tokenizer) {
  const int64_t bytes = decoded_bytes(split, tokenizer);
  return bytes > 0 && split.size() > 0 ? static_cast<double>(bytes) / static_cast<double>(split.size()) : 0.0;
}

struct TokenData {
  TokenSplits splits;
  double bytes_per_token = 0;
  std::string name;  // the files, for messages
};

TokenData token_data(const RunConfig& cfg, const Tokenizer& tokenizer) {
  const DataConfig& d = cfg.data;
  const int64_t vocab = cfg.model.vocab_size > 0 ? cfg.model.vocab_size : tokenizer.vocab_size();
  TokenData out;
  if (d.dataset == "shards") {
    const ShardManifest m = read_manifest(d.path);
    SF_CHECK(m.fingerprint == tokenizer_fingerprint(tokenizer), manifest_path(d.path),
             ": the shards were tokenized by tokenizer ", m.fingerprint, " (",
             Tokenizer::from_string(m.tokenizer)->kind(), "), but this run's tokenizer (from its checkpoint) is ",
             tokenizer_fingerprint(tokenizer), " (", tokenizer.kind(), "): prepare shards with the run's tokenizer");
    out.splits = {open_shards(d.path, m, m.train, vocab), open_shards(d.path, m, m.val, vocab)};
    out.bytes_per_token = static_cast<double>(m.val.bytes) / static_cast<double>(m.val.tokens);
    out.name = "shards " + d.path;
    return out;
  }
  if (d.dataset == "bin") {
    std::vector<TokenRun> train = bin_runs(d.path, "data.path"), val;
    if (d.val_path.empty()) {
      int64_t n = 0;
      for (const TokenRun& r : train) n += r.count;
      std::tie(train, val) = split_runs(train, train_split_size(n, d.train_fraction));
    } else {
      val = bin_runs(d.val_path, "data.val_path");
    }
    out.splits = {std::make_shared<TokenFiles>(train, vocab), std::make_shared<TokenFiles>(val, vocab)};
    out.name = d.path + (d.val_path.empty() ? "" : " / " + d.val_path);
  } else {
    const TextDataset text = d.val_path.empty() ? TextDataset::from_file(d.path, tokenizer, d.train_fraction)
                                                : TextDataset::from_files(d.path, d.val_path, tokenizer);
    out.splits = text.splits();
    out.name = "corpus " + d.path + (d.val_path.empty() ? "" : " / " + d.val_path);
  }
  out.bytes_per_token = decoded_bytes_per_token(*out.splits.val, tokenizer);
  return out;
}

}  // namespace

void check_data_config(const RunConfig& cfg, const Provenance& where) {
  const Validator v("data", where);
  const std::string& name = cfg.data.dataset;
  if (is_token_dataset(name)) {
    const char* need = name == "text" ? "a text dataset needs its corpus file (e.g. defaults: [data/tinyshakespeare])"
                       : name == "shards"
                           ? "a shards dataset needs the directory of its shards (seqforge prepare-data writes them there)"
                           : "a bin dataset needs its .bin file(s)";
    v.require(!cfg.data.path.empty(), "path", cfg.data.path, need);
    return;
  }
  if (is_task(name) || is_vector_dataset(name)) return;
  std::vector<std::string> names{"text", "shards", "bin", "lowrank_gaussian"};
  std::string tasks;
  for (const TaskInfo& t : task_registry()) {
    names.emplace_back(t.name);
    tasks += (tasks.empty() ? "" : ", ") + names.back();
  }
  v.require(false, "dataset", name,
            detail::cat("unknown dataset", did_you_mean(name, names), " (text, shards, bin, or a task: ", tasks,
                        "; lowrank_gaussian for model.arch: autoencoder)"));
}

std::unique_ptr<Tokenizer> make_run_tokenizer(const DataConfig& d) {
  if (d.dataset == "shards") {
    const ShardManifest m = read_manifest(d.path);
    std::unique_ptr<Tokenizer> tokenizer = Tokenizer::from_string(m.tokenizer);
    check_manifest_describes(m, d, *tokenizer);
    return tokenizer;
  }
  std::vector<std::string> corpus;  // a .bin file has none: its tokenizer is byte or sentencepiece
  if (d.dataset == "text") corpus.push_back(d.path);
  return corpus_tokenizer(enum_name(d.tokenizer), corpus, d.tokenizer_model);
}

std::unique_ptr<BatchSource> make_batch_source(const RunConfig& cfg, const Tokenizer* tokenizer, int64_t rank,
                                               int64_t world) {
  const DataConfig& d = cfg.data;
  if (is_vector_dataset(d.dataset))
    return std::make_unique<LowRankGaussianSource>(
        LowRankOptions{d.task, cfg.train.batch_size, static_cast<uint64_t>(cfg.train.seed), rank, world});
  if (!is_token_dataset(d.dataset)) {
    TaskOptions o{d.task, cfg.train.batch_size, cfg.train.seq_len, static_cast<uint64_t>(cfg.train.seed), rank, world,
                  cfg.train.grad_accum};
    return std::make_unique<TaskSource>(d.dataset, o);
  }
  SF_CHECK(tokenizer, "data.dataset ", d.dataset, " needs a tokenizer");
  TokenData data = token_data(cfg, *tokenizer);
  SamplerOptions so;
  so.batch_size = cfg.train.batch_size;
  so.seq_len = cfg.train.seq_len;
  so.seed = static_cast<uint64_t>(cfg.train.seed);
  so.rank = rank;
  so.world = world;
  try {
    return std::make_unique<BatchSampler>(std::move(data.splits), so, data.bytes_per_token);
  } catch (const Error& e) {  // too short for one batch: name the files
    throw Error(detail::cat(data.name, ": ", e.what()));
  }
}

int64_t data_vocab_size(const RunConfig& cfg, const Tokenizer* tokenizer) {
  SF_CHECK(!is_vector_dataset(cfg.data.dataset), "data.dataset ", cfg.data.dataset, " holds rows of numbers, no tokens");
  if (!is_token_dataset(cfg.data.dataset)) return cfg.data.task.vocab_size;
  SF_CHECK(tokenizer, "data.dataset ", cfg.data.dataset, " needs a tokenizer");
  return tokenizer->vocab_size();
}

double bits_per_byte(double loss, double bytes_per_token) {
  return bytes_per_token > 0 ? loss / std::numbers::ln2 / bytes_per_token : NAN;
}

EvalResult evaluate(Model& model, const std::vector<Batch>& batches, bool with_accuracy) {
  NoGradGuard no_grad;
  const bool was_training = model.training();
  model.eval();
  EvalResult r;
  double correct = 0, scored = 0, exact = 0, sequences = 0;
  for (const auto& b : batches) {
    Variable logits = model.forward(b.x);
    r.loss += model.criterion(logits, b.y).item<double>();
    if (with_accuracy) {
      Tensor pred = argmax(logits.data(), -1);
      Tensor mask = binary(BinaryOp::ne, b.y, static_cast<double>(kIgnoreIndex));
      Tensor right = binary(BinaryOp::eq, pred, b.y) * mask;
      correct += sum(right).item<double>();
      scored += sum(mask).item<double>();
      // Sequences without a scored position count in neither total.
      const Tensor row_scored = sum(mask, {1}), has_scored = binary(BinaryOp::gt, row_scored, 0.0);
      exact += sum(binary(BinaryOp::eq, sum(right, {1}), row_scored) * has_scored).item<double>();
      sequences += sum(has_scored).item<double>();
    }
    ++r.batches;
  }
  model.train(was_training);
  if (r.batches) r.loss /= static_cast<double>(r.batches);
  if (with_accuracy) {
    r.accuracy = scored > 0 ? correct / scored : 0.0;
    r.exact_match = sequences > 0 ? exact / sequences : 0.0;
  }
  return r;
}

}  // namespace sf
