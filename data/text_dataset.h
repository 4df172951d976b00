// TextDataset: a corpus file read, validated and tokenized into a train and a validation split.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "data/token_source.h"
#include "data/tokenizer.h"

namespace sf {

// Reads a whole text file. Throws sf::Error naming the path when the file is missing, unreadable,
// empty, or holds NUL bytes ("looks binary": a token shard or checkpoint passed as a corpus).
std::string read_corpus(const std::string& path);

// The tokenizer of a corpus, by kind: "char" takes its vocabulary from every byte of `corpus_files` (read
// one at a time), "byte" needs nothing, "sentencepiece" loads `model_path`. Errors name the file.
std::unique_ptr<Tokenizer> corpus_tokenizer(std::string_view kind, const std::vector<std::string>& corpus_files,
                                            const std::string& model_path);

// nanoGPT's split of n tokens: the first floor(n * train_fraction) train. Every dataset that splits one
// token stream (text, shards, .bin files) cuts it here, so the same tokens give the same splits.
int64_t train_split_size(int64_t n, double train_fraction);

class TextDataset {
 public:
  TextDataset(std::vector<int32_t> train, std::vector<int32_t> val);

  // nanoGPT's split: the first floor(n * train_fraction) tokens of the file train, the rest validate.
  static TextDataset from_file(const std::string& path, const Tokenizer& tokenizer, double train_fraction = 0.9);
  static TextDataset from_text(std::string_view text, const Tokenizer& tokenizer, double train_fraction = 0.9);
  // A separate validation file (WikiText-2: train on valid.txt, evaluate on test.txt).
  static TextDataset from_files(const std::string& train_path, const std::string& val_path,
                                const Tokenizer& tokenizer);

  const std::vector<int32_t>& train() const { return *train_; }
  const std::vector<int32_t>& val() const { return *val_; }
  TokenSplits splits() const;  // the same ids, shared, for BatchSampler

 private:
  static TextDataset split(std::vector<int32_t> tokens, double train_fraction);

  // Shared so that samplers copy a dataset for free.
  std::shared_ptr<const std::vector<int32_t>> train_;
  std::shared_ptr<const std::vector<int32_t>> val_;
};

}  // namespace sf
