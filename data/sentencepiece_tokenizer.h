// SentencePieceTokenizer: BPE or unigram subwords through Google's SentencePiece library.
//
// Models that seqforge trains (train_sentencepiece) are exact: the identity normaliser, no dummy
// prefix, whitespace kept, byte fallback (any byte that no piece covers becomes one of 256 byte pieces)
// and '\n' as a piece of its own, so decode(encode(text)) == text for every input and bits per byte
// are honest (bytes that are not valid UTF-8, which SentencePiece itself would replace by U+FFFD, are
// encoded as their byte pieces here, and so is a literal '▁', which SentencePiece would read as a
// space). decode() joins each id's bytes (a byte piece is its raw byte, '▁' a space), so a text
// decoded id by id, as generation streams it, equals the whole decoded at once.
// The serialised form (Tokenizer::to_string) carries the model itself, as hex:
//   seqforge-tokenizer 1 / kind sentencepiece / model 0a1b...
#pragma once
#include <array>
#include <memory>
#include <string>
#include <vector>

#include "data/tokenizer.h"

namespace sentencepiece {
class SentencePieceProcessor;
}

namespace sf {

class SentencePieceTokenizer final : public Tokenizer {
 public:
  // `model` is a serialised ModelProto (the bytes of a .model file); `source` names it in errors.
  // Throws sf::Error when the bytes are not a SentencePiece model.
  SentencePieceTokenizer(std::string model, const std::string& source);
  ~SentencePieceTokenizer() override;
  // Reads a .model file; a missing, unreadable or corrupt file throws sf::Error naming it.
  static std::unique_ptr<SentencePieceTokenizer> load(const std::string& path);

  std::vector<int32_t> encode(std::string_view text) const override;
  std::string decode(const std::vector<int32_t>& ids) const override;
  int64_t vocab_size() const override { return static_cast<int64_t>(pieces_.size()); }
  std::string kind() const override { return "sentencepiece"; }
  std::string to_string() const override;

  const std::string& model() const { return model_; }  // the .model file's bytes

 private:
  std::string model_;
  std::unique_ptr<sentencepiece::SentencePieceProcessor> processor_;
  std::vector<std::string> pieces_;  // id -> the bytes it decodes to
  std::array<int32_t, 256> byte_ids_;  // byte -> id of its byte piece, -1 without byte_fallback
};

struct SentencePieceOptions {
  std::vector<std::string> corpus;  // text files, read whole line by line
  int64_t vocab_size = 1024;        // including the 256 byte pieces, '\n' and <unk>
  std::string kind = "bpe";         // "bpe" or "unigram"
  int threads = 1;
};

// Trains an exact model (see above) and returns its serialised bytes. Throws sf::Error naming the
// corpus file or the option when something is wrong (missing file, vocabulary too small or too large).
std::string train_sentencepiece(const SentencePieceOptions& options);

}  // namespace sf
