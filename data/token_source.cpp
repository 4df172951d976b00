// Token ids in memory and in files read with pread (see token_source.h).
#include "data/token_source.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>

#include "core/error.h"

namespace sf {

static_assert(std::endian::native == std::endian::little, "token files are little-endian and read as they lie");

void TokenVector::read(int64_t offset, int64_t count, int32_t* out) const {
  SF_CHECK(offset >= 0 && count >= 0 && offset + count <= size(), "TokenVector: ids [", offset, ", ", offset + count,
           ") are outside the ", size(), " held");
  std::copy_n(ids_->data() + offset, count, out);
}

std::pair<std::vector<TokenRun>, std::vector<TokenRun>> split_runs(const std::vector<TokenRun>& runs, int64_t n) {
  std::pair<std::vector<TokenRun>, std::vector<TokenRun>> out;
  int64_t left = n;  // ids still to put in the first part
  for (const TokenRun& run : runs) {
    const int64_t head = std::clamp<int64_t>(left, 0, run.count);
    left -= head;
    if (head > 0) out.first.push_back({run.path, run.data_offset, run.first, head, run.width});
    if (head < run.count) out.second.push_back({run.path, run.data_offset, run.first + head, run.count - head, run.width});
  }
  return out;
}

TokenFiles::TokenFiles(std::vector<TokenRun> runs, int64_t vocab_limit)
    : runs_(std::move(runs)), starts_{0}, vocab_limit_(vocab_limit) {
  for (const TokenRun& run : runs_) {
    const int fd = ::open(run.path.c_str(), O_RDONLY | O_CLOEXEC);
    SF_CHECK(fd >= 0, run.path, ": cannot open token file (", std::strerror(errno), ")");
    fds_.push_back(fd);
    struct stat st {};
    SF_CHECK(::fstat(fd, &st) == 0, run.path, ": cannot read its size (", std::strerror(errno), ")");
    const int64_t end = run.data_offset + (run.first + run.count) * run.width;
    SF_CHECK(st.st_size >= end, run.path, ": the file has ", st.st_size, " bytes but its ", run.first + run.count,
             " tokens end at byte ", end, "; the file is truncated");
    starts_.push_back(starts_.back() + run.count);
  }
}

TokenFiles::~TokenFiles() {
  for (int fd : fds_) ::close(fd);
}

void TokenFiles::read(int64_t offset, int64_t count, int32_t* out) const {
  SF_CHECK(offset >= 0 && count >= 0 && offset + count <= size(), "TokenFiles: ids [", offset, ", ", offset + count,
           ") are outside the ", size(), " held");
  std::vector<unsigned char> bytes;
  while (count > 0) {
    // The run holding `offset`: the last one starting at or before it.
    const size_t i = static_cast<size_t>(std::upper_bound(starts_.begin(), starts_.end(), offset) - starts_.begin() - 1);
    const TokenRun& run = runs_[i];
    const int64_t first = run.first + (offset - starts_[i]);
    const int64_t n = std::min(count, starts_[i + 1] - offset);
    bytes.resize(static_cast<size_t>(n * run.width));
    for (size_t done = 0; done < bytes.size();) {
      const ssize_t got = ::pread(fds_[i], bytes.data() + done, bytes.size() - done,
                                  static_cast<off_t>(run.data_offset + first * run.width) + static_cast<off_t>(done));
      if (got < 0 && errno == EINTR) continue;
      SF_CHECK(got > 0, run.path, ": cannot read tokens ", first, "..", first + n, " (",
               got < 0 ? std::strerror(errno) : "the file ends early: truncated since it was opened?", ")");
      done += static_cast<size_t>(got);
    }
    for (int64_t k = 0; k < n; ++k) {
      uint32_t id = 0;
      std::memcpy(&id, bytes.data() + k * run.width, static_cast<size_t>(run.width));
      SF_CHECK(id < static_cast<uint64_t>(vocab_limit_), run.path, ": token ", first + k, " is id ", id,
               ", outside the model's vocabulary of ", vocab_limit_, " (set model.vocab_size, or check data.tokenizer)");
      out[k] = static_cast<int32_t>(id);
    }
    out += n;
    offset += n;
    count -= n;
  }
}

int64_t decoded_bytes(const TokenSource& tokens, const Tokenizer& tokenizer) {
  constexpr int64_t kChunk = 1 << 20;
  std::vector<int32_t> ids;
  int64_t bytes = 0;
  for (int64_t at = 0; at < tokens.size(); at += kChunk) {
    ids.resize(static_cast<size_t>(std::min(kChunk, tokens.size() - at)));
    tokens.read(at, static_cast<int64_t>(ids.size()), ids.data());
    try {
      bytes += static_cast<int64_t>(tokenizer.decode(ids).size());
    } catch (const Error&) {
      return -1;
    }
  }
  return bytes;
}

}  // namespace sf
