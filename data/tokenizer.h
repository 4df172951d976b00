// Tokenizers: text <-> token ids.
//
// A tokenizer serialises itself to a short text (to_string) that checkpoints and token files store,
// so a run can be resumed or sampled from without the corpus it was built on:
//   seqforge-tokenizer 1
//   kind char
//   vocab 0a2021...      (char only: the vocabulary bytes in id order, as hex)
#pragma once
#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace sf {

class Tokenizer {
 public:
  virtual ~Tokenizer() = default;

  // Throws sf::Error naming the offending characters (encode) or id (decode) and their positions.
  virtual std::vector<int32_t> encode(std::string_view text) const = 0;
  virtual std::string decode(const std::vector<int32_t>& ids) const = 0;
  virtual int64_t vocab_size() const = 0;
  virtual std::string kind() const = 0;  // "char", "byte", "sentencepiece" (data/sentencepiece_tokenizer.h)

  virtual std::string to_string() const = 0;
  // Rebuilds a tokenizer from to_string()'s text; a corrupt text throws sf::Error saying what is wrong.
  static std::unique_ptr<Tokenizer> from_string(std::string_view text);
};

// Builds a tokenizer of a kind named in a config: "char" takes its vocabulary from `corpus`,
// "byte" ignores it. An unknown kind throws sf::Error listing the known ones.
std::unique_ptr<Tokenizer> make_tokenizer(std::string_view kind, std::string_view corpus);

// One id per distinct byte of the corpus, in byte order (nanoGPT's shakespeare_char: 65 ids on tiny
// Shakespeare). Multi-byte UTF-8 characters become several ids, which keeps decode exact.
class CharTokenizer final : public Tokenizer {
 public:
  static CharTokenizer build(std::string_view corpus);  // throws on an empty corpus
  explicit CharTokenizer(std::vector<unsigned char> vocab);  // sorted, distinct, non-empty

  std::vector<int32_t> encode(std::string_view text) const override;
  std::string decode(const std::vector<int32_t>& ids) const override;
  int64_t vocab_size() const override { return static_cast<int64_t>(vocab_.size()); }
  std::string kind() const override { return "char"; }
  std::string to_string() const override;

  const std::vector<unsigned char>& vocab() const { return vocab_; }

 private:
  std::vector<unsigned char> vocab_;  // id -> byte
  std::array<int32_t, 256> ids_;      // byte -> id, -1 when not in the vocabulary
};

// The 256 byte values are the ids: any text encodes, no vocabulary to store.
class ByteTokenizer final : public Tokenizer {
 public:
  std::vector<int32_t> encode(std::string_view text) const override;
  std::string decode(const std::vector<int32_t>& ids) const override;
  int64_t vocab_size() const override { return 256; }
  std::string kind() const override { return "byte"; }
  std::string to_string() const override;
};

// 16 hex digits of FNV-1a over to_string(): names a tokenizer in token shards and checkpoints, so data
// tokenized by one tokenizer is never read with another.
std::string tokenizer_fingerprint(const Tokenizer& tokenizer);

namespace detail {
// "'a'" for a printable ASCII byte, "byte 0xC3" otherwise: for error messages.
std::string describe_byte(unsigned char c);
}  // namespace detail

}  // namespace sf
