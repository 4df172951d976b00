#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <string>

#include <unistd.h>

#include "data/sentencepiece_tokenizer.h"
#include "data/text_dataset.h"
#include "tests/support.h"

using namespace sf;

namespace {
const std::string kShakespeare = std::string(SF_SOURCE_DIR) + "/data/corpora/tinyshakespeare.txt";
using test::error_of;
using test::ScratchDir;

// A small model trained on the first 200 kB of tiny Shakespeare, once for the whole suite.
const std::string& small_model(const std::string& kind = "bpe") {
  static std::map<std::string, std::string> models;
  auto it = models.find(kind);
  if (it == models.end()) {
    static const std::string corpus = [] {
      const std::string path = ::testing::TempDir() + "/sf_spm_corpus_" + std::to_string(getpid()) + ".txt";
      std::ofstream(path, std::ios::binary) << read_corpus(kShakespeare).substr(0, 200000);
      return path;
    }();
    SentencePieceOptions o;
    o.corpus = {corpus};
    o.vocab_size = 400;
    o.kind = kind;
    it = models.emplace(kind, train_sentencepiece(o)).first;
  }
  return it->second;
}
}  // namespace

TEST(SentencePieceTokenizer, BpeRoundTripsTheCorpusAndAnyBytesExactly) {
  const SentencePieceTokenizer tok(small_model(), "test");
  EXPECT_EQ(tok.vocab_size(), 400);
  EXPECT_EQ(tok.kind(), "sentencepiece");
  const std::string text = read_corpus(kShakespeare);
  const std::vector<int32_t> ids = tok.encode(text);
  EXPECT_LT(ids.size(), text.size() * 7 / 10) << "subwords should be fewer than characters";
  EXPECT_EQ(tok.decode(ids), text);
  // Bytes the corpus never had, invalid UTF-8, leading and repeated whitespace, tabs, a literal '▁' (the
  // piece SentencePiece writes for a space), NUL: byte pieces cover them.
  for (const std::string s : {std::string("  héllo\t\twörld\n\n\n"), std::string("\xff\xfe\x01 x"),
                              std::string("a\xC3(b\xE2\x82 \xED\xA0\x80\xF4\x90\x80\x80\xC0\xAF\xE2\x82"),
                              std::string(" leading space"), std::string("日本語 \r\n"),
                              std::string("a\xE2\x96\x81" "b \xE2\x96\x81\xE2\x96\x81 \xE2\x96"),
                              std::string("nul\0in\0\0the middle", 18)}) {
    EXPECT_EQ(tok.decode(tok.encode(s)), s);
  }
}

TEST(SentencePieceTokenizer, DecodingIdByIdEqualsDecodingTheWhole) {
  const SentencePieceTokenizer tok(small_model(), "test");
  const std::string s = "ROMEO:\nWhat, ho! Ünïcödé  twice.\n";
  const std::vector<int32_t> ids = tok.encode(s);
  std::string streamed;
  for (int32_t id : ids) streamed += tok.decode({id});
  EXPECT_EQ(streamed, s);
}

TEST(SentencePieceTokenizer, UnigramModelsTrainAndRoundTrip) {
  const SentencePieceTokenizer tok(small_model("unigram"), "test");
  EXPECT_EQ(tok.vocab_size(), 400);
  const std::string s = "First Citizen:\nBefore we proceed any further, hear me speak.\n";
  EXPECT_EQ(tok.decode(tok.encode(s)), s);
}

TEST(SentencePieceTokenizer, TrainingIsDeterministic) {
  ScratchDir dir;
  SentencePieceOptions o;
  o.corpus = {dir.write("c.txt", read_corpus(kShakespeare).substr(0, 200000))};
  o.vocab_size = 400;
  o.threads = 2;
  // Same pieces in the same order (the model file also records the corpus path and thread count).
  const SentencePieceTokenizer a(train_sentencepiece(o), "a"), b(small_model(), "b");
  ASSERT_EQ(a.vocab_size(), b.vocab_size());
  for (int32_t id = 0; id < a.vocab_size(); ++id) ASSERT_EQ(a.decode({id}), b.decode({id})) << "id " << id;
}

TEST(SentencePieceTokenizer, SerialisationCarriesTheModel) {
  const SentencePieceTokenizer tok(small_model(), "test");
  const std::unique_ptr<Tokenizer> back = Tokenizer::from_string(tok.to_string());
  EXPECT_EQ(back->kind(), "sentencepiece");
  EXPECT_EQ(back->to_string(), tok.to_string());
  EXPECT_EQ(tokenizer_fingerprint(*back), tokenizer_fingerprint(tok));
  const std::string s = "To be, or not to be";
  EXPECT_EQ(back->encode(s), tok.encode(s));
  // A different model has a different fingerprint.
  EXPECT_NE(tokenizer_fingerprint(SentencePieceTokenizer(small_model("unigram"), "u")), tokenizer_fingerprint(tok));
}

TEST(SentencePieceTokenizer, LoadsAModelFileAndNamesABadOne) {
  ScratchDir dir;
  const std::string good = dir.write("tok.model", small_model());
  EXPECT_EQ(SentencePieceTokenizer::load(good)->vocab_size(), 400);
  const std::string missing = dir.path("nope.model");
  EXPECT_NE(error_of([&] { SentencePieceTokenizer::load(missing); }).find(missing + ": no such"), std::string::npos);
  const std::string corrupt = dir.write("corrupt.model", "this is not a protobuf \x01\x02\x03");
  std::string msg = error_of([&] { SentencePieceTokenizer::load(corrupt); });
  EXPECT_NE(msg.find(corrupt + ": not a SentencePiece model"), std::string::npos) << msg;
  const std::string truncated = dir.write("truncated.model", small_model().substr(0, small_model().size() / 2));
  msg = error_of([&] { SentencePieceTokenizer::load(truncated); });
  EXPECT_NE(msg.find(truncated), std::string::npos) << msg;
  const std::string empty = dir.write("empty.model", "");
  EXPECT_NE(error_of([&] { SentencePieceTokenizer::load(empty); }).find("empty"), std::string::npos);
}

TEST(SentencePieceTokenizer, DecodeNamesAnIdOutsideTheVocabulary) {
  const SentencePieceTokenizer tok(small_model(), "test");
  const std::string msg = error_of([&] { tok.decode({5, 400}); });
  EXPECT_NE(msg.find("id 400 at position 1"), std::string::npos) << msg;
}

TEST(SentencePieceTokenizer, TrainingRefusesBadOptionsNamingThem) {
  SentencePieceOptions o;
  o.corpus = {"/nonexistent/corpus.txt"};
  EXPECT_NE(error_of([&] { train_sentencepiece(o); }).find("/nonexistent/corpus.txt: no such corpus file"),
            std::string::npos);
  ScratchDir dir;
  o.corpus = {dir.write("c.txt", "some text\n")};
  o.vocab_size = 100;
  EXPECT_NE(error_of([&] { train_sentencepiece(o); }).find("--vocab-size 100"), std::string::npos);
  o.vocab_size = 400;
  o.kind = "wordpiece";
  EXPECT_NE(error_of([&] { train_sentencepiece(o); }).find("'wordpiece'"), std::string::npos);
}
