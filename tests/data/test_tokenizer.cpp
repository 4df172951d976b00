#include <gtest/gtest.h>

#include <string>

#include "core/error.h"
#include "tests/support.h"
#include "data/text_dataset.h"
#include "data/tokenizer.h"

using namespace sf;

namespace {
const std::string kShakespeare = std::string(SF_SOURCE_DIR) + "/data/corpora/tinyshakespeare.txt";

using test::error_of;
}  // namespace

TEST(CharTokenizer, TinyShakespeareHas65CharactersAndRoundTrips) {
  std::string text = read_corpus(kShakespeare);
  CharTokenizer tok = CharTokenizer::build(text);
  EXPECT_EQ(tok.vocab_size(), 65);
  EXPECT_EQ(tok.kind(), "char");
  // nanoGPT's shakespeare_char: id 0 is '\n', 1 is ' ', 13 is 'A', 64 is 'z'.
  EXPECT_EQ(tok.vocab()[0], '\n');
  EXPECT_EQ(tok.vocab()[1], ' ');
  EXPECT_EQ(tok.vocab()[13], 'A');
  EXPECT_EQ(tok.vocab()[64], 'z');
  std::vector<int32_t> ids = tok.encode(text);
  ASSERT_EQ(ids.size(), text.size());
  EXPECT_EQ(tok.encode("hii there"), (std::vector<int32_t>{46, 47, 47, 1, 58, 46, 43, 56, 43}));
  EXPECT_EQ(tok.decode(ids), text);
}

TEST(CharTokenizer, UnknownCharacterNamesCharacterAndPosition) {
  CharTokenizer tok = CharTokenizer::build("abc");
  std::string msg = error_of([&] { tok.encode("abzc"); });
  EXPECT_NE(msg.find("'z'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("position 2"), std::string::npos) << msg;
  msg = error_of([&] { tok.encode("a\xC3\xA9"); });
  EXPECT_NE(msg.find("byte 0xC3"), std::string::npos) << msg;
  EXPECT_NE(msg.find("position 1"), std::string::npos) << msg;
  msg = error_of([&] { tok.decode({0, 3}); });
  EXPECT_NE(msg.find("id 3 at position 1"), std::string::npos) << msg;
  EXPECT_THROW(CharTokenizer::build(""), Error);
}

TEST(ByteTokenizer, RoundTripsAnyBytesIncludingNonAscii) {
  ByteTokenizer tok;
  EXPECT_EQ(tok.vocab_size(), 256);
  std::string text = "na\xC3\xAFve caf\xC3\xA9 \xE2\x9C\x93";  // naïve café ✓
  text.push_back('\0');
  text.push_back('\xFF');
  std::vector<int32_t> ids = tok.encode(text);
  ASSERT_EQ(ids.size(), text.size());
  EXPECT_EQ(ids[2], 0xC3);
  EXPECT_EQ(ids.back(), 255);
  EXPECT_EQ(tok.decode(ids), text);
  EXPECT_THROW(tok.decode({65, 256}), Error);
  EXPECT_THROW(tok.decode({-1}), Error);
}

TEST(Tokenizer, SerialisationRoundTrips) {
  CharTokenizer chars = CharTokenizer::build("hello, world\n\xC3\xA9");
  std::unique_ptr<Tokenizer> back = Tokenizer::from_string(chars.to_string());
  EXPECT_EQ(back->kind(), "char");
  EXPECT_EQ(back->vocab_size(), chars.vocab_size());
  EXPECT_EQ(back->encode("world\xC3\xA9"), chars.encode("world\xC3\xA9"));
  EXPECT_EQ(back->to_string(), chars.to_string());

  std::unique_ptr<Tokenizer> bytes = Tokenizer::from_string(ByteTokenizer().to_string());
  EXPECT_EQ(bytes->kind(), "byte");
  EXPECT_EQ(bytes->vocab_size(), 256);

  EXPECT_EQ(make_tokenizer("char", "ba")->encode("ab"), (std::vector<int32_t>{0, 1}));
  EXPECT_EQ(make_tokenizer("byte", "")->vocab_size(), 256);
  EXPECT_NE(error_of([] { make_tokenizer("bpe", ""); }).find("known: char, byte"), std::string::npos);
}

TEST(Tokenizer, CorruptSerialisationIsRefused) {
  const std::string good = CharTokenizer::build("abc").to_string();
  EXPECT_EQ(good, "seqforge-tokenizer 1\nkind char\nvocab 616263\n");
  for (const char* bad : {"", "hello", "seqforge-tokenizer 2\nkind byte\n", "seqforge-tokenizer 1\n",
                          "seqforge-tokenizer 1\nkind bpe\n", "seqforge-tokenizer 1\nkind char\n",
                          "seqforge-tokenizer 1\nkind char\nvocab 61626\n",
                          "seqforge-tokenizer 1\nkind char\nvocab 61zz63\n",
                          "seqforge-tokenizer 1\nkind char\nvocab 636261\n",
                          "seqforge-tokenizer 1\nkind char\nvocab 616163\n",
                          "seqforge-tokenizer 1\nkind char\nvocab \n",
                          "seqforge-tokenizer 1\nkind byte\nvocab 61\n",
                          "seqforge-tokenizer 1\nkind byte\nkind byte\n"}) {
    std::string msg = error_of([&] { Tokenizer::from_string(bad); });
    EXPECT_NE(msg.find("okenizer"), std::string::npos) << "input: " << bad << "\nmessage: " << msg;
  }
  EXPECT_NE(error_of([] { Tokenizer::from_string("seqforge-tokenizer 1\nkind bpe\n"); }).find("unknown kind 'bpe'"),
            std::string::npos);
}
