// Corpus reading and the train/validation split.
#include "data/text_dataset.h"

#include <array>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "core/error.h"
#include "data/sentencepiece_tokenizer.h"

namespace sf {

namespace {

std::vector<int32_t> encode_file(const std::string& path, std::string_view text, const Tokenizer& tokenizer) {
  try {
    return tokenizer.encode(text);
  } catch (const Error& e) {
    throw Error(detail::cat(path, ": ", e.what()));
  }
}

}  // namespace

std::string read_corpus(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  SF_CHECK(fs::exists(path, ec), path, ": no such corpus file");
  SF_CHECK(!fs::is_directory(path, ec), path, ": is a directory, expected a text file");
  std::ifstream in(path, std::ios::binary);
  SF_CHECK(in, path, ": cannot open for reading");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  SF_CHECK(!in.bad(), path, ": read error");
  SF_CHECK(!text.empty(), path, ": corpus file is empty");
  size_t nul = text.find('\0');
  SF_CHECK(nul == std::string::npos, path, ": looks binary (NUL byte at offset ", nul,
           "); expected a text corpus");
  return text;
}

std::unique_ptr<Tokenizer> corpus_tokenizer(std::string_view kind, const std::vector<std::string>& corpus_files,
                                            const std::string& model_path) {
  if (kind == "sentencepiece") return SentencePieceTokenizer::load(model_path);
  std::string distinct;  // the distinct bytes of each file, so that one file at a time is held
  if (kind == "char") {
    for (const std::string& path : corpus_files) {
      std::array<bool, 256> seen{};
      for (unsigned char c : read_corpus(path)) seen[c] = true;
      for (int c = 0; c < 256; ++c)
        if (seen[c]) distinct += static_cast<char>(c);
    }
  }
  return make_tokenizer(kind, distinct);
}

int64_t train_split_size(int64_t n, double train_fraction) {
  return static_cast<int64_t>(std::floor(static_cast<double>(n) * train_fraction));
}

TextDataset::TextDataset(std::vector<int32_t> train, std::vector<int32_t> val)
    : train_(std::make_shared<const std::vector<int32_t>>(std::move(train))),
      val_(std::make_shared<const std::vector<int32_t>>(std::move(val))) {}

TokenSplits TextDataset::splits() const {
  return {std::make_shared<TokenVector>(train_), std::make_shared<TokenVector>(val_)};
}

TextDataset TextDataset::from_text(std::string_view text, const Tokenizer& tokenizer, double train_fraction) {
  return split(tokenizer.encode(text), train_fraction);
}

TextDataset TextDataset::from_file(const std::string& path, const Tokenizer& tokenizer, double train_fraction) {
  return split(encode_file(path, read_corpus(path), tokenizer), train_fraction);
}

TextDataset TextDataset::split(std::vector<int32_t> tokens, double train_fraction) {
  SF_CHECK(train_fraction > 0.0 && train_fraction <= 1.0, "TextDataset: train_fraction must be in (0, 1], got ",
           train_fraction);
  const auto n_train = static_cast<size_t>(train_split_size(static_cast<int64_t>(tokens.size()), train_fraction));
  std::vector<int32_t> val(tokens.begin() + static_cast<std::ptrdiff_t>(n_train), tokens.end());
  tokens.resize(n_train);
  return TextDataset(std::move(tokens), std::move(val));
}

TextDataset TextDataset::from_files(const std::string& train_path, const std::string& val_path,
                                    const Tokenizer& tokenizer) {
  std::vector<int32_t> train = encode_file(train_path, read_corpus(train_path), tokenizer);
  std::vector<int32_t> val = encode_file(val_path, read_corpus(val_path), tokenizer);
  return TextDataset(std::move(train), std::move(val));
}

}  // namespace sf
