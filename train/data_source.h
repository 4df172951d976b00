// The batches of a run, from its data config: token ids (a text corpus through its tokenizer, token shards,
// llm.c .bin files), a synthetic task, or rows of numbers (lowrank_gaussian, for model.arch: autoencoder).
#pragma once
#include <memory>

#include "config/run_config.h"
#include "data/batch_source.h"
#include "data/tokenizer.h"

namespace sf {

// What the config layer cannot check: data.dataset is text, shards, bin, a registered task or lowrank_gaussian (else the
// message suggests the nearest names), and a token dataset names its data.path. Messages name the file
// and line that set the key. For commands to call right after loading, before anything is built.
void check_data_config(const RunConfig& config, const Provenance& where);

// The tokenizer of a fresh run. Text: data.tokenizer (char builds its vocabulary from data.path, byte needs
// nothing, sentencepiece loads data.tokenizer_model). Bin: byte or sentencepiece likewise. Shards: the
// manifest's, which the data section must describe: data.tokenizer its kind, data.tokenizer_model its
// SentencePiece model, and, when data.source is set, the sources, validation sources and train_fraction it
// was prepared from; otherwise an error says to run `seqforge prepare-data` again. Errors name the file.
std::unique_ptr<Tokenizer> make_run_tokenizer(const DataConfig& data);

// `tokenizer` is needed for token datasets and ignored for tasks; shards must have been tokenized by it (the
// fingerprints agree). Ids are checked against model.vocab_size (or the tokenizer's vocabulary when 0).
std::unique_ptr<BatchSource> make_batch_source(const RunConfig& config, const Tokenizer* tokenizer, int64_t rank = 0,
                                               int64_t world = 1);

// The model's vocabulary for this data: the tokenizer's, or the task's alphabet.
int64_t data_vocab_size(const RunConfig& config, const Tokenizer* tokenizer);

struct EvalResult {
  double loss = 0;
  double accuracy = -1;     // fraction of scored positions predicted exactly; -1 when not scored
  double exact_match = -1;  // fraction of sequences with every scored position right (passkey: the whole key)
  int64_t batches = 0;
};

// Bits per byte of a mean loss in nats per token: loss / ln 2 / bytes_per_token; NaN when the bytes per
// token are unknown (0).
double bits_per_byte(double loss, double bytes_per_token);

class Model;
// Mean loss (the model's criterion; and accuracy when the source scores it: argmax of the logits) of `model` in
// eval mode, without gradients.
EvalResult evaluate(Model& model, const std::vector<Batch>& batches, bool with_accuracy);

}  // namespace sf
