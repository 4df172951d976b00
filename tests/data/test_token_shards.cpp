// Token shards (prepare_shards, the manifest, open_shards): the same text gives the same batches as a text
// dataset for every tokenizer, windows cross shard boundaries, and every broken directory is refused naming
// the file: a missing manifest, shards of another tokenizer, a truncated shard, a file that is not HDF5.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "data/batch_sampler.h"
#include "data/h5_file.h"
#include "data/prepare_shards.h"
#include "data/sentencepiece_tokenizer.h"
#include "data/text_dataset.h"
#include "tests/support.h"

namespace sf {
namespace {

namespace fs = std::filesystem;
using test::error_of;
using test::ScratchDir;

// The first 60,000 bytes of tiny Shakespeare: enough for several small shards, fast to tokenize.
std::string shakespeare() {
  return read_corpus(std::string(SF_SOURCE_DIR) + "/data/corpora/tinyshakespeare.txt").substr(0, 60000);
}

DataConfig shards_config(const std::string& dir, std::vector<std::string> source, TokenizerKind kind) {
  DataConfig d;
  d.dataset = "shards";
  d.path = dir;
  d.source = std::move(source);
  d.tokenizer = kind;
  return d;
}

// Small shards, so windows and the train/val boundary fall across them.
constexpr PrepareSettings kSmallShards{7000, 2};

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<int32_t> all_ids(const TokenSource& tokens) {
  std::vector<int32_t> ids(static_cast<size_t>(tokens.size()));
  tokens.read(0, tokens.size(), ids.data());
  return ids;
}

TokenSplits open_splits(const std::string& dir, int64_t vocab) {
  const ShardManifest m = read_manifest(dir);
  return {open_shards(dir, m, m.train, vocab), open_shards(dir, m, m.val, vocab)};
}

SamplerOptions sampler_options() {
  SamplerOptions o;
  o.batch_size = 8;
  o.seq_len = 32;
  o.seed = 7;
  return o;
}

void expect_same_batches(const BatchSampler& a, const BatchSampler& b) {
  for (uint64_t k = 0; k < 50; ++k) {
    ASSERT_EQ(to_vector<int64_t>(a.batch(k).x), to_vector<int64_t>(b.batch(k).x)) << "batch " << k;
    ASSERT_EQ(to_vector<int64_t>(a.batch(k).y), to_vector<int64_t>(b.batch(k).y)) << "batch " << k;
  }
  const std::vector<Batch> ea = a.eval_batches(5), eb = b.eval_batches(5);
  for (size_t i = 0; i < ea.size(); ++i) EXPECT_EQ(to_vector<int64_t>(ea[i].x), to_vector<int64_t>(eb[i].x));
}

class ShardsEqualText : public testing::TestWithParam<TokenizerKind> {};

TEST_P(ShardsEqualText, SameSplitsAndBatches) {
  ScratchDir dir;
  const std::string text = dir.write("corpus.txt", shakespeare());
  DataConfig d = shards_config(dir.path("shards"), {text}, GetParam());
  if (GetParam() == TokenizerKind::sentencepiece) {
    SentencePieceOptions o;
    o.corpus = {text};
    o.vocab_size = 400;
    d.tokenizer_model = dir.write("tok.model", train_sentencepiece(o));
  }
  const ShardManifest m = prepare_shards(d, kSmallShards);
  const std::unique_ptr<Tokenizer> tokenizer = corpus_tokenizer(enum_name(GetParam()), {text}, d.tokenizer_model);
  EXPECT_EQ(m.tokenizer, tokenizer->to_string());
  const TextDataset expected = TextDataset::from_file(text, *tokenizer, 0.9);
  const TokenSplits shards = open_splits(d.path, tokenizer->vocab_size());
  EXPECT_EQ(all_ids(*shards.train), expected.train());
  EXPECT_EQ(all_ids(*shards.val), expected.val());
  EXPECT_GT(m.train.shards.size(), 1u) << "the test wants windows that cross shards";
  EXPECT_EQ(m.val.shards.front().path, m.train.shards.back().path) << "the split falls inside a shard";
  // Bytes: the text's, split where its tokens split.
  EXPECT_EQ(m.train.bytes + m.val.bytes, 60000);
  EXPECT_EQ(m.val.bytes, static_cast<int64_t>(tokenizer->decode(expected.val()).size()));
  expect_same_batches(BatchSampler(expected.splits(), sampler_options()), BatchSampler(shards, sampler_options()));
}

INSTANTIATE_TEST_SUITE_P(Tokenizers, ShardsEqualText,
                         testing::Values(TokenizerKind::character, TokenizerKind::byte, TokenizerKind::sentencepiece),
                         [](const testing::TestParamInfo<TokenizerKind>& info) {
                           return std::string(enum_name(info.param));
                         });

TEST(Shards, SeparateValidationFilesAndTheCharVocabularyOfEverySource) {
  ScratchDir dir;
  const std::string a = dir.write("a.txt", "abab\nabab\n"), b = dir.write("b.txt", "cab\n"),
                    v = dir.write("v.txt", "zab\n");
  DataConfig d = shards_config(dir.path("shards"), {a, b}, TokenizerKind::character);
  d.val_source = {v};
  const ShardManifest m = prepare_shards(d, {3, 2});
  const std::unique_ptr<Tokenizer> tok = Tokenizer::from_string(m.tokenizer);
  EXPECT_EQ(tok->vocab_size(), 5);  // \n a b c z: the validation file's characters too
  const TokenSplits s = open_splits(d.path, tok->vocab_size());
  EXPECT_EQ(tok->decode(all_ids(*s.train)), "abab\nabab\ncab\n");
  EXPECT_EQ(tok->decode(all_ids(*s.val)), "zab\n");
  EXPECT_EQ(m.train.bytes, 14);
  EXPECT_EQ(m.val.bytes, 4);
  EXPECT_EQ(m.train_fraction, 0.0);
}

TEST(Shards, DirectoriesAndGlobsExpandInNameOrder) {
  ScratchDir dir;
  dir.write("in/2.txt", "cc\n");
  dir.write("in/1.txt", "bb\n");
  dir.write("in/.hidden", "zz\n");
  dir.write("more/x.txt", "dd\n");
  dir.write("more/y.md", "ee\n");
  DataConfig d = shards_config(dir.path("shards"), {dir.path("in"), dir.path("more/*.txt")}, TokenizerKind::byte);
  d.train_fraction = 0.5;
  const ShardManifest m = prepare_shards(d, {}, {});
  const TokenSplits s = open_splits(d.path, 256);
  std::vector<int32_t> ids = all_ids(*s.train), val = all_ids(*s.val);
  ids.insert(ids.end(), val.begin(), val.end());
  EXPECT_EQ(ByteTokenizer().decode(ids), "bb\ncc\ndd\n");
  EXPECT_CONTAINS(error_of([&] { prepare_shards(shards_config(d.path, {dir.path("none/*.txt")}, TokenizerKind::byte), {}); }),
                  "none/*.txt: the pattern matches no file");
  EXPECT_CONTAINS(error_of([&] { prepare_shards(shards_config(d.path, {dir.path("no.txt")}, TokenizerKind::byte), {}); }),
                  "no.txt: no such file");
}

TEST(Shards, ProgressCountsEveryFile) {
  ScratchDir dir;
  const std::string a = dir.write("a.txt", "hello\n"), b = dir.write("b.txt", "world!\n");
  std::vector<PrepareProgress> seen;
  prepare_shards(shards_config(dir.path("s"), {a, b}, TokenizerKind::byte), {},
                 [&](const PrepareProgress& p) { seen.push_back(p); });
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[1].files_done, 2);
  EXPECT_EQ(seen[1].bytes_done, 13);
  EXPECT_EQ(seen[1].bytes, 13);
  EXPECT_EQ(seen[1].tokens, 13);
}

TEST(Shards, AFailedPreparationLeavesNoManifestAndARerunRemovesStaleShards) {
  ScratchDir dir;
  const std::string text = dir.write("corpus.txt", shakespeare()), empty = dir.write("empty.txt", "");
  const DataConfig good = shards_config(dir.path("s"), {text}, TokenizerKind::character);
  EXPECT_GT(prepare_shards(good, {5000, 2}).train.shards.size(), 5u);
  // A failure part-way (the empty file) must not leave the old manifest naming shards it overwrote.
  EXPECT_CONTAINS(error_of([&] { prepare_shards(shards_config(good.path, {text, empty}, TokenizerKind::byte), {5000, 2}); }),
                  "empty.txt: corpus file is empty");
  EXPECT_FALSE(fs::exists(manifest_path(good.path)));
  EXPECT_CONTAINS(error_of([&] { read_manifest(good.path); }), "run `seqforge prepare-data RECIPE`");
  const ShardManifest m = prepare_shards(good, {1 << 20, 2});
  EXPECT_EQ(m.train.shards.size(), 1u);
  int files = 0;
  for (const auto& e : fs::directory_iterator(good.path)) files += e.path().extension() == ".h5" ? 1 : 0;
  EXPECT_EQ(files, 1);
}

class BrokenShards : public testing::Test {
 protected:
  void SetUp() override {
    text_ = dir_.write("corpus.txt", shakespeare());
    prepare_shards(shards_config(dir_.path("char"), {text_}, TokenizerKind::character), kSmallShards);
  }
  std::string open_error(const std::string& sub) {
    return error_of([&] { open_splits(dir_.path(sub), 256); });
  }
  ScratchDir dir_;
  std::string text_;
};

TEST_F(BrokenShards, AShardOfAnotherTokenizerIsRefused) {
  prepare_shards(shards_config(dir_.path("byte"), {text_}, TokenizerKind::byte), kSmallShards);
  fs::copy_file(dir_.path("byte/shard_000001.h5"), dir_.path("char/shard_000001.h5"),
                fs::copy_options::overwrite_existing);
  const std::string msg = open_error("char");
  EXPECT_CONTAINS(msg, dir_.path("char/shard_000001.h5") + ": tokenized by tokenizer ");
  EXPECT_CONTAINS(msg, "shards of different tokenizers cannot be mixed");
}

TEST_F(BrokenShards, AShardShorterThanTheManifestSaysIsRefused) {
  const std::string shard = dir_.path("char/shard_000001.h5");
  write_shard(shard, std::vector<int32_t>(100, 1), 2, read_manifest(dir_.path("char")).fingerprint);
  EXPECT_CONTAINS(open_error("char"), shard + ": holds 100 tokens, but ");
  EXPECT_CONTAINS(open_error("char"), "the shard is truncated");
}

TEST_F(BrokenShards, ACutFileOrOneThatIsNotHdf5IsRefused) {
  const std::string shard = dir_.path("char/shard_000002.h5");
  const auto size = fs::file_size(shard);
  fs::resize_file(shard, size / 2);
  EXPECT_CONTAINS(open_error("char"), shard);
  std::ofstream(shard, std::ios::trunc) << "not a shard\n";
  EXPECT_CONTAINS(open_error("char"), shard + ": not an HDF5 file");
  fs::remove(shard);
  EXPECT_CONTAINS(open_error("char"), shard + ": no such shard");
}

TEST_F(BrokenShards, AManifestThatIsMissingMalformedOrNotItsTokenizersIsRefused) {
  const std::string path = manifest_path(dir_.path("char"));
  std::string json = slurp(path);
  std::ofstream(path, std::ios::trunc) << json.substr(0, json.size() / 2);
  EXPECT_CONTAINS(error_of([&] { read_manifest(dir_.path("char")); }), path + ": malformed shard manifest");
  const size_t at = json.find("\"tokenizer_fingerprint\": \"") + 26;
  json[at] = json[at] == '0' ? '1' : '0';
  std::ofstream(path, std::ios::trunc) << json;
  EXPECT_CONTAINS(error_of([&] { read_manifest(dir_.path("char")); }), "the manifest is corrupt");
  EXPECT_CONTAINS(error_of([&] { read_manifest(dir_.path("none")); }),
                  dir_.path("none/manifest.json") + ": no shard manifest");
}

TEST(Shards, WideVocabulariesAreStoredAsUint32) {
  ScratchDir dir;
  const std::string shard = dir.path("wide.h5");
  write_shard(shard, {0, 70000, 5}, 4, "f");
  const H5File f = H5File::open(shard);
  const H5File::RawArray a = f.raw_array("/tokens");
  EXPECT_EQ(a.width, 4);
  EXPECT_EQ(a.count, 3);
  TokenFiles tokens({{shard, a.offset, 1, 2, 4}}, 100000);
  int32_t ids[2];
  tokens.read(0, 2, ids);
  EXPECT_EQ(ids[0], 70000);
  EXPECT_EQ(ids[1], 5);
  TokenFiles small({{shard, a.offset, 0, 3, 4}}, 1000);
  EXPECT_CONTAINS(error_of([&] { small.read(0, 3, ids); }), shard + ": token 1 is id 70000, outside the model's vocabulary");
}

}  // namespace
}  // namespace sf
