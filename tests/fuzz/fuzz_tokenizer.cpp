// libFuzzer target: the tokenizers. Any bytes as a serialised tokenizer (Tokenizer::from_string)
// give a tokenizer or an sf::Error; any bytes as a corpus build a char tokenizer whose encode/decode
// round-trips the corpus exactly, and so do the byte tokenizer and the shipped SentencePiece BPE model
// (any bytes, valid UTF-8 or not).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "core/error.h"
#include "data/sentencepiece_tokenizer.h"
#include "data/tokenizer.h"

namespace {

void expect(bool ok) {
  if (!ok) std::abort();  // libFuzzer reports the input
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    std::unique_ptr<sf::Tokenizer> t = sf::Tokenizer::from_string(text);
    expect(sf::Tokenizer::from_string(t->to_string())->to_string() == t->to_string());
    try {
      t->decode(t->encode(text));
    } catch (const sf::Error&) {  // text holds bytes outside the vocabulary
    }
  } catch (const sf::Error&) {
  }
  if (!text.empty()) {
    std::unique_ptr<sf::Tokenizer> chars = sf::make_tokenizer("char", text);
    expect(chars->decode(chars->encode(text)) == text);
  }
  std::unique_ptr<sf::Tokenizer> bytes = sf::make_tokenizer("byte", "");
  expect(bytes->decode(bytes->encode(text)) == text);
  static const auto bpe = sf::SentencePieceTokenizer::load(SF_SOURCE_DIR "/data/tokenizers/shakespeare_bpe1024.model");
  expect(bpe->decode(bpe->encode(text)) == text);
  return 0;
}
