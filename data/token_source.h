// TokenSource: a split's token ids as one array that the sampler reads window by window, whether
// they are in memory (a tokenized text) or on disk (token shards, llm.c .bin files). On disk the
// windows are read with pread from files that hold their ids as plain little-endian arrays, so
// resident memory does not grow with the corpus.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "data/tokenizer.h"

namespace sf {

class TokenSource {
 public:
  virtual ~TokenSource() = default;
  virtual int64_t size() const = 0;
  // Copies ids [offset, offset + count) to `out`; throws sf::Error naming the file on a read failure.
  virtual void read(int64_t offset, int64_t count, int32_t* out) const = 0;
};

// The train and validation splits of a dataset, as BatchSampler draws from them.
struct TokenSplits {
  std::shared_ptr<const TokenSource> train;
  std::shared_ptr<const TokenSource> val;
};

class TokenVector final : public TokenSource {
 public:
  explicit TokenVector(std::shared_ptr<const std::vector<int32_t>> ids) : ids_(std::move(ids)) {}
  int64_t size() const override { return static_cast<int64_t>(ids_->size()); }
  void read(int64_t offset, int64_t count, int32_t* out) const override;

 private:
  std::shared_ptr<const std::vector<int32_t>> ids_;
};

// `count` ids from element `first` of the little-endian array of `width`-byte unsigned integers
// (2: uint16, 4: uint32) that starts at byte `data_offset` of `path`.
struct TokenRun {
  std::string path;
  int64_t data_offset = 0;
  int64_t first = 0;
  int64_t count = 0;
  int width = 2;
};

// The first `n` ids of `runs` laid end to end, and the rest; the run the boundary falls in is cut in two.
std::pair<std::vector<TokenRun>, std::vector<TokenRun>> split_runs(const std::vector<TokenRun>& runs, int64_t n);

// Runs laid end to end; the files stay open, nothing else is held. Every id read is checked against
// `vocab_limit` (the model's vocabulary), so an id no embedding row exists for is an error naming the
// file and position instead of a crash deep in the model.
class TokenFiles final : public TokenSource {
 public:
  // Throws sf::Error naming the file when it cannot be opened or is shorter than its run.
  TokenFiles(std::vector<TokenRun> runs, int64_t vocab_limit);
  ~TokenFiles() override;
  TokenFiles(const TokenFiles&) = delete;
  TokenFiles& operator=(const TokenFiles&) = delete;

  int64_t size() const override { return starts_.back(); }
  void read(int64_t offset, int64_t count, int32_t* out) const override;

 private:
  std::vector<TokenRun> runs_;
  std::vector<int> fds_;         // one per run
  std::vector<int64_t> starts_;  // starts_[i]: index of run i's first id; starts_.back() = size()
  int64_t vocab_limit_;
};

// The number of bytes the tokenizer decodes `tokens` to (what bits per byte divide by), decoding a chunk at
// a time so the split is never held whole; -1 when an id does not decode (an llm.c file of GPT-2 ids read
// with the byte tokenizer).
int64_t decoded_bytes(const TokenSource& tokens, const Tokenizer& tokenizer);

}  // namespace sf
