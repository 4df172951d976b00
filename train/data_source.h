// The batches of a run, from its data config: a text corpus through its tokenizer, or a synthetic task.
#pragma once
#include <memory>

#include "config/run_config.h"
#include "data/batch_source.h"
#include "data/tokenizer.h"

namespace sf {

// What the config layer cannot check: data.dataset is "text" or a registered task (else the message
// suggests the nearest names), and a text dataset names its corpus. Messages name the file and line
// that set the key. For commands to call right after loading, before anything is built.
void check_data_config(const RunConfig& config, const Provenance& where);

// The tokenizer data.tokenizer names for a fresh run: char builds its vocabulary from data.path, byte
// needs nothing, sentencepiece loads data.tokenizer_model. Errors name the file.
std::unique_ptr<Tokenizer> make_run_tokenizer(const DataConfig& data);

// `tokenizer` is needed for text and ignored for tasks.
std::unique_ptr<BatchSource> make_batch_source(const RunConfig& config, const Tokenizer* tokenizer, int64_t rank = 0,
                                               int64_t world = 1);

// The model's vocabulary for this data: the tokenizer's, or the task's alphabet.
int64_t data_vocab_size(const RunConfig& config, const Tokenizer* tokenizer);

struct EvalResult {
  double loss = 0;
  double accuracy = -1;  // fraction of scored positions predicted exactly; -1 when not scored
  int64_t batches = 0;
};

class SequenceModel;
// Mean loss (and accuracy when the source scores it) of `model` in eval mode, without gradients.
EvalResult evaluate(SequenceModel& model, const std::vector<Batch>& batches, bool with_accuracy);

}  // namespace sf
