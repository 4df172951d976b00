// Token shards: the manifest (JSON) and the shard files (HDF5); see token_shards.h.
#include "data/token_shards.h"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/file_io.h"
#include "data/h5_file.h"

namespace sf {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr const char* kManifestFormat = "seqforge-token-shards";
constexpr const char* kShardFormat = "seqforge-token-shard";
constexpr int64_t kVersion = 1;

json split_to_json(const ShardSplit& split) {
  json shards = json::array();
  for (const TokenRun& run : split.shards)
    shards.push_back({{"file", run.path}, {"offset", run.first}, {"tokens", run.count}});
  return {{"tokens", split.tokens}, {"bytes", split.bytes}, {"shards", shards}};
}

ShardSplit split_from_json(const json& j, int width, const std::string& where) {
  ShardSplit split;
  split.tokens = j.at("tokens").get<int64_t>();
  split.bytes = j.at("bytes").get<int64_t>();
  int64_t sum = 0;
  for (const json& s : j.at("shards")) {
    TokenRun run{s.at("file").get<std::string>(), 0, s.at("offset").get<int64_t>(), s.at("tokens").get<int64_t>(),
                 width};
    SF_CHECK(!run.path.empty() && fs::path(run.path).filename() == run.path && run.first >= 0 && run.count > 0,
             where, ": shard entry ", s.dump(), " is not {file: a name in the directory, offset >= 0, tokens > 0}");
    sum += run.count;
    split.shards.push_back(std::move(run));
  }
  SF_CHECK(sum == split.tokens, where, ": the shards hold ", sum, " tokens but the split says ", split.tokens);
  return split;
}

}  // namespace

std::string manifest_path(const std::string& dir) { return (fs::path(dir) / "manifest.json").string(); }

void write_manifest(const std::string& dir, const ShardManifest& m) {
  json j = {{"format", kManifestFormat},
            {"version", kVersion},
            {"tokenizer", m.tokenizer},
            {"tokenizer_fingerprint", m.fingerprint},
            {"dtype", m.width == 2 ? "uint16" : "uint32"},
            {"source", m.source},
            {"val_source", m.val_source},
            {"train_fraction", m.val_source.empty() ? json(m.train_fraction) : json(nullptr)},
            {"splits", {{"train", split_to_json(m.train)}, {"val", split_to_json(m.val)}}}};
  write_file_atomically(manifest_path(dir), j.dump(2) + "\n", "the shard manifest");
}

ShardManifest read_manifest(const std::string& dir) {
  const std::string path = manifest_path(dir);
  std::error_code ec;
  SF_CHECK(fs::is_regular_file(path, ec), path, ": no shard manifest (data.dataset: shards reads the shards that "
           "`seqforge prepare-data RECIPE` writes to data.path); run `seqforge prepare-data RECIPE` first");
  std::ifstream in(path, std::ios::binary);
  SF_CHECK(in, path, ": cannot open for reading");
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ShardManifest m;
  try {
    const json j = json::parse(text);
    SF_CHECK(j.at("format") == kManifestFormat, path, ": not a seqforge shard manifest (format ", j.at("format").dump(),
             ")");
    const int64_t version = j.at("version").get<int64_t>();
    SF_CHECK(version == kVersion, path, ": manifest version ", version, "; this seqforge reads version ", kVersion,
             " (run `seqforge prepare-data RECIPE` again)");
    m.tokenizer = j.at("tokenizer").get<std::string>();
    m.fingerprint = j.at("tokenizer_fingerprint").get<std::string>();
    const std::string dtype = j.at("dtype").get<std::string>();
    SF_CHECK(dtype == "uint16" || dtype == "uint32", path, ": dtype '", dtype, "' (expected uint16 or uint32)");
    m.width = dtype == "uint16" ? 2 : 4;
    m.source = j.at("source").get<std::vector<std::string>>();
    m.val_source = j.at("val_source").get<std::vector<std::string>>();
    if (!j.at("train_fraction").is_null()) m.train_fraction = j.at("train_fraction").get<double>();
    m.train = split_from_json(j.at("splits").at("train"), m.width, path + " (train split)");
    m.val = split_from_json(j.at("splits").at("val"), m.width, path + " (val split)");
  } catch (const json::exception& e) {
    throw Error(detail::cat(path, ": malformed shard manifest (", e.what(), ")"));
  }
  std::unique_ptr<Tokenizer> tokenizer;
  try {
    tokenizer = Tokenizer::from_string(m.tokenizer);
  } catch (const Error& e) {
    throw Error(detail::cat(path, ": ", e.what()));
  }
  SF_CHECK(tokenizer_fingerprint(*tokenizer) == m.fingerprint, path, ": tokenizer_fingerprint ", m.fingerprint,
           " is not the fingerprint of its tokenizer (", tokenizer_fingerprint(*tokenizer), "); the manifest is corrupt");
  return m;
}

void write_shard(const std::string& path, const std::vector<int32_t>& ids, int width, const std::string& fingerprint) {
  const std::string tmp = path + ".tmp";
  H5File f = H5File::create(tmp);
  if (width == 2) {
    f.write_uint_array("/tokens", std::vector<uint16_t>(ids.begin(), ids.end()));
  } else {
    f.write_uint_array("/tokens", std::vector<uint32_t>(ids.begin(), ids.end()));
  }
  f.write_attr("/", "format", kShardFormat);
  f.write_attr("/", "format_version", kVersion);
  f.write_attr("/", "tokenizer_fingerprint", fingerprint);
  f.close();
  std::error_code ec;
  fs::rename(tmp, path, ec);
  SF_CHECK(!ec, path, ": cannot replace it with the new shard: ", ec.message());
}

std::shared_ptr<TokenFiles> open_shards(const std::string& dir, const ShardManifest& manifest,
                                        const ShardSplit& split, int64_t vocab_limit) {
  std::map<std::string, H5File::RawArray> arrays;  // one check per file, however many runs it holds
  std::vector<TokenRun> runs;
  for (TokenRun run : split.shards) {
    const std::string path = (fs::path(dir) / run.path).string();
    auto it = arrays.find(path);
    if (it == arrays.end()) {
      std::error_code ec;
      SF_CHECK(fs::exists(path, ec), path, ": no such shard (listed in ", manifest_path(dir),
               "); run `seqforge prepare-data RECIPE` again");
      const H5File f = H5File::open(path);
      SF_CHECK(f.has_attr("/", "format") && f.read_attr_string("/", "format") == kShardFormat, path,
               ": not a seqforge token shard");
      const std::string fingerprint = f.read_attr_string("/", "tokenizer_fingerprint");
      SF_CHECK(fingerprint == manifest.fingerprint, path, ": tokenized by tokenizer ", fingerprint, ", but ",
               manifest_path(dir), " names tokenizer ", manifest.fingerprint,
               "; shards of different tokenizers cannot be mixed: run `seqforge prepare-data RECIPE` again");
      it = arrays.emplace(path, f.raw_array("/tokens")).first;
    }
    const H5File::RawArray& a = it->second;
    SF_CHECK(a.width == manifest.width, path, ": holds ", 8 * a.width, "-bit ids; the manifest says ",
             8 * manifest.width);
    SF_CHECK(run.first + run.count <= a.count, path, ": holds ", a.count, " tokens, but ", manifest_path(dir),
             " reads ", run.first + run.count, "; the shard is truncated: run `seqforge prepare-data RECIPE` again");
    run.path = path;
    run.data_offset = a.offset;
    runs.push_back(std::move(run));
  }
  return std::make_shared<TokenFiles>(std::move(runs), vocab_limit);
}

}  // namespace sf
