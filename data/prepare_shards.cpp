// prepare_shards: tokenize in parallel, write in order, manifest last (see prepare_shards.h).
#include "data/prepare_shards.h"

#include <condition_variable>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <tuple>
#include <utility>

#include "config/schema.h"
#include "core/error.h"
#include "data/file_list.h"
#include "data/text_dataset.h"

namespace sf {

namespace {

namespace fs = std::filesystem;

// Calls work(i) for i in [0, n) on `threads` threads and consume(result) for each on this thread, in order of
// i. At most 2 * threads results wait to be consumed, so memory stays bounded however many files there are.
// The first exception, from either side, stops the rest and is rethrown here.
template <class R, class Work, class Consume>
void ordered_parallel(size_t n, int threads, Work work, Consume consume) {
  std::mutex mu;
  std::condition_variable cv;
  std::map<size_t, R> ready;
  size_t next_claim = 0, next_consume = 0;
  std::exception_ptr error;
  const size_t window = 2 * static_cast<size_t>(threads);
  const auto fail = [&](std::exception_ptr e) {
    std::lock_guard lock(mu);
    if (!error) error = e;
  };
  auto worker = [&] {
    for (;;) {
      size_t i = 0;
      {
        std::unique_lock lock(mu);
        cv.wait(lock, [&] { return error || next_claim >= n || next_claim < next_consume + window; });
        if (error || next_claim >= n) return;
        i = next_claim++;
      }
      try {
        R result = work(i);
        std::lock_guard lock(mu);
        ready.emplace(i, std::move(result));
      } catch (...) {
        fail(std::current_exception());
      }
      cv.notify_all();
    }
  };
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) pool.emplace_back(worker);
  try {
    for (size_t i = 0; i < n; ++i) {
      R result;
      {
        std::unique_lock lock(mu);
        cv.wait(lock, [&] { return error || ready.count(i) > 0; });
        if (error) break;
        result = std::move(ready.at(i));
        ready.erase(i);
        next_consume = i + 1;
      }
      cv.notify_all();
      consume(std::move(result));
    }
  } catch (...) {
    fail(std::current_exception());
    cv.notify_all();
  }
  for (std::thread& t : pool) t.join();
  if (error) std::rethrow_exception(error);
}

struct TokenizedFile {
  std::vector<int32_t> ids;
  int64_t text_bytes = 0;
  int64_t decoded_bytes = 0;
};

// Appends ids to shard files of at most `shard_tokens` ids, named shard_000000.h5, ... in order.
class ShardWriter {
 public:
  ShardWriter(std::string dir, int width, int64_t shard_tokens, std::string fingerprint)
      : dir_(std::move(dir)), width_(width), shard_tokens_(shard_tokens), fingerprint_(std::move(fingerprint)) {}

  void append(const std::vector<int32_t>& ids) {
    for (size_t at = 0; at < ids.size();) {
      const size_t take = std::min(ids.size() - at, static_cast<size_t>(shard_tokens_) - buffer_.size());
      buffer_.insert(buffer_.end(), ids.begin() + static_cast<std::ptrdiff_t>(at),
                     ids.begin() + static_cast<std::ptrdiff_t>(at + take));
      at += take;
      if (static_cast<int64_t>(buffer_.size()) == shard_tokens_) flush();
    }
  }

  // Writes what is buffered as a shard of its own; returns the runs written since the last take.
  std::vector<TokenRun> take() {
    flush();
    return std::exchange(runs_, {});
  }

  const std::set<std::string>& written() const { return names_; }

 private:
  void flush() {
    if (buffer_.empty()) return;
    char name[32];
    std::snprintf(name, sizeof name, "shard_%06zu.h5", names_.size());
    write_shard((fs::path(dir_) / name).string(), buffer_, width_, fingerprint_);
    runs_.push_back({name, 0, 0, static_cast<int64_t>(buffer_.size()), width_});
    names_.insert(name);
    buffer_.clear();
  }

  std::string dir_;
  int width_;
  int64_t shard_tokens_;
  std::string fingerprint_;
  std::vector<int32_t> buffer_;
  std::vector<TokenRun> runs_;
  std::set<std::string> names_;
};

int64_t count_tokens(const std::vector<TokenRun>& runs) {
  int64_t n = 0;
  for (const TokenRun& r : runs) n += r.count;
  return n;
}

// Files from an earlier preparation that this one did not write again (shard_*.h5 only: nothing else in
// the directory is ours to remove).
void remove_stale_shards(const std::string& dir, const std::set<std::string>& written) {
  for (const fs::directory_entry& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    const bool ours = name.starts_with("shard_") && (name.ends_with(".h5") || name.ends_with(".h5.tmp"));
    if (ours && written.count(name) == 0) fs::remove(e.path());
  }
}

}  // namespace

ShardManifest prepare_shards(const DataConfig& data, const PrepareSettings& settings,
                             const std::function<void(const PrepareProgress&)>& progress) {
  SF_CHECK(settings.shard_tokens > 0, "prepare-data: --shard-tokens must be positive, got ", settings.shard_tokens);
  SF_CHECK(!data.path.empty(), "prepare-data: no output directory (data.path)");
  const std::vector<std::string> train_files = expand_file_list(data.source, "data.source");
  const std::vector<std::string> val_files =
      data.val_source.empty() ? std::vector<std::string>{} : expand_file_list(data.val_source, "data.val_source");
  std::vector<std::string> files = train_files;
  files.insert(files.end(), val_files.begin(), val_files.end());

  const std::unique_ptr<Tokenizer> tokenizer = corpus_tokenizer(enum_name(data.tokenizer), files, data.tokenizer_model);
  ShardManifest m;
  m.tokenizer = tokenizer->to_string();
  m.fingerprint = tokenizer_fingerprint(*tokenizer);
  m.width = tokenizer->vocab_size() <= 65536 ? 2 : 4;
  m.source = data.source;
  m.val_source = data.val_source;
  m.train_fraction = data.val_source.empty() ? data.train_fraction : 0.0;

  const std::string& dir = data.path;
  std::error_code ec;
  fs::create_directories(dir, ec);
  SF_CHECK(!ec && fs::is_directory(dir), dir, ": cannot create the shard directory (", ec.message(), ")");
  fs::remove(manifest_path(dir), ec);  // from here until the new one is written, the directory holds no shards
  SF_CHECK(!ec, manifest_path(dir), ": cannot remove the old manifest (", ec.message(), ")");

  PrepareProgress p;
  p.files = static_cast<int64_t>(files.size());
  for (const std::string& f : files) p.bytes += static_cast<int64_t>(fs::file_size(f, ec));
  ShardWriter writer(dir, m.width, settings.shard_tokens, m.fingerprint);
  // Tokenizes `list` into the writer; returns the runs written and the bytes the ids decode to.
  const auto write_stream = [&](const std::vector<std::string>& list) {
    int64_t decoded = 0;
    ordered_parallel<TokenizedFile>(
        list.size(), std::max(1, settings.threads),
        [&](size_t i) {
          const std::string text = read_corpus(list[i]);
          TokenizedFile t;
          try {
            t.ids = tokenizer->encode(text);
            t.decoded_bytes = static_cast<int64_t>(tokenizer->decode(t.ids).size());
          } catch (const Error& e) {
            throw Error(detail::cat(list[i], ": ", e.what()));
          }
          t.text_bytes = static_cast<int64_t>(text.size());
          return t;
        },
        [&](TokenizedFile&& t) {
          writer.append(t.ids);
          decoded += t.decoded_bytes;
          ++p.files_done;
          p.bytes_done += t.text_bytes;
          p.tokens += static_cast<int64_t>(t.ids.size());
          if (progress) progress(p);
        });
    return std::make_pair(writer.take(), decoded);
  };

  auto [train_runs, train_bytes] = write_stream(train_files);
  std::vector<TokenRun> val_runs;
  if (val_files.empty()) {
    std::tie(train_runs, val_runs) = split_runs(train_runs, train_split_size(count_tokens(train_runs), data.train_fraction));
  } else {
    val_runs = write_stream(val_files).first;
  }
  m.train = {count_tokens(train_runs), 0, train_runs};
  m.val = {count_tokens(val_runs), 0, val_runs};
  SF_CHECK(m.train.tokens > 0 && m.val.tokens > 0, "prepare-data: the train split has ", m.train.tokens,
           " tokens and the validation split ", m.val.tokens, "; both need some (data.train_fraction ",
           data.train_fraction, ")");
  // The validation split is read back through the path training takes, which also checks what was written.
  m.val.bytes = decoded_bytes(*open_shards(dir, m, m.val, tokenizer->vocab_size()), *tokenizer);
  m.train.bytes = val_files.empty() ? train_bytes - m.val.bytes : train_bytes;
  write_manifest(dir, m);
  remove_stale_shards(dir, writer.written());
  return m;
}

}  // namespace sf
