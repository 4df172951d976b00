#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <unistd.h>

#include "core/error.h"
#include "tests/support.h"
#include "data/text_dataset.h"

using namespace sf;
namespace fs = std::filesystem;

namespace {
const std::string kCorpora = std::string(SF_SOURCE_DIR) + "/data/corpora";

using test::error_of;

class BadCorpus : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("sf_test_text_dataset_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string write(const std::string& name, const std::string& bytes) {
    std::string path = (dir_ / name).string();
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
  }
  fs::path dir_;
};
}  // namespace

TEST(TextDataset, TinyShakespeareSplitsLikeNanoGPT) {
  std::string path = kCorpora + "/tinyshakespeare.txt";
  CharTokenizer tok = CharTokenizer::build(read_corpus(path));
  TextDataset data = TextDataset::from_file(path, tok, 0.9);
  // nanoGPT prepare.py: "train has 1,003,854 tokens", "val has 111,540 tokens".
  EXPECT_EQ(data.train().size(), 1003854u);
  EXPECT_EQ(data.val().size(), 111540u);
  std::string text = read_corpus(path);
  EXPECT_EQ(tok.decode(data.val()), text.substr(1003854));
  EXPECT_EQ(tok.decode({data.train().begin(), data.train().begin() + 14}), "First Citizen:");
}

TEST(TextDataset, SeparateValidationFile) {
  ByteTokenizer tok;
  TextDataset data =
      TextDataset::from_files(kCorpora + "/wikitext-2/valid.txt", kCorpora + "/wikitext-2/test.txt", tok);
  EXPECT_EQ(data.train().size(), 1121681u);
  EXPECT_EQ(data.val().size(), 1256449u);
}

TEST(TextDataset, FromTextSplitsByFraction) {
  ByteTokenizer tok;
  TextDataset data = TextDataset::from_text("0123456789", tok, 0.75);
  EXPECT_EQ(tok.decode(data.train()), "0123456");
  EXPECT_EQ(tok.decode(data.val()), "789");
  EXPECT_THROW(TextDataset::from_text("0123", tok, 0.0), Error);
  EXPECT_THROW(TextDataset::from_text("0123", tok, 1.5), Error);
}

TEST_F(BadCorpus, MissingEmptyBinaryAndUnencodableFilesNameThePath) {
  std::string missing = (dir_ / "nope.txt").string();
  std::string msg = error_of([&] { read_corpus(missing); });
  EXPECT_NE(msg.find(missing), std::string::npos) << msg;
  EXPECT_NE(msg.find("no such"), std::string::npos) << msg;

  std::string empty = write("empty.txt", "");
  msg = error_of([&] { TextDataset::from_file(empty, ByteTokenizer()); });
  EXPECT_NE(msg.find(empty), std::string::npos) << msg;
  EXPECT_NE(msg.find("empty"), std::string::npos) << msg;

  std::string binary = write("tokens.bin", std::string("\x89HDF\r\n\x1a\n\0\0\0", 11));
  msg = error_of([&] { TextDataset::from_file(binary, ByteTokenizer()); });
  EXPECT_NE(msg.find(binary), std::string::npos) << msg;
  EXPECT_NE(msg.find("looks binary"), std::string::npos) << msg;

  msg = error_of([&] { read_corpus(dir_.string()); });
  EXPECT_NE(msg.find("directory"), std::string::npos) << msg;

  // A character the tokenizer lacks: the error names the file as well as the character.
  std::string other = write("other.txt", "abq");
  msg = error_of([&] { TextDataset::from_file(other, CharTokenizer::build("ab")); });
  EXPECT_NE(msg.find(other), std::string::npos) << msg;
  EXPECT_NE(msg.find("'q'"), std::string::npos) << msg;
}

TEST_F(BadCorpus, UnreadableFileNamesThePath) {
  std::string locked = write("locked.txt", "text");
  fs::permissions(locked, fs::perms::none);
  if (std::ifstream(locked).good()) GTEST_SKIP() << "running as root: permissions do not bite";
  std::string msg = error_of([&] { read_corpus(locked); });
  EXPECT_NE(msg.find(locked), std::string::npos) << msg;
  EXPECT_NE(msg.find("cannot open"), std::string::npos) << msg;
}
