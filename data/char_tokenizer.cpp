// CharTokenizer: one id per distinct byte of the corpus, in byte order.
#include <algorithm>

#include "core/error.h"
#include "data/hex.h"
#include "data/tokenizer.h"

namespace sf {

CharTokenizer CharTokenizer::build(std::string_view corpus) {
  SF_CHECK(!corpus.empty(), "CharTokenizer: cannot build a vocabulary from an empty corpus");
  std::array<bool, 256> seen{};
  for (unsigned char c : corpus) seen[c] = true;
  std::vector<unsigned char> vocab;
  for (int c = 0; c < 256; ++c)
    if (seen[c]) vocab.push_back(static_cast<unsigned char>(c));
  return CharTokenizer(std::move(vocab));
}

CharTokenizer::CharTokenizer(std::vector<unsigned char> vocab) : vocab_(std::move(vocab)) {
  SF_CHECK(!vocab_.empty(), "CharTokenizer: empty vocabulary");
  ids_.fill(-1);
  for (size_t i = 0; i < vocab_.size(); ++i) {
    SF_CHECK(i == 0 || vocab_[i - 1] < vocab_[i], "CharTokenizer: vocabulary is not sorted and distinct at id ",
             i, " (", detail::describe_byte(vocab_[i]), ")");
    ids_[vocab_[i]] = static_cast<int32_t>(i);
  }
}

std::vector<int32_t> CharTokenizer::encode(std::string_view text) const {
  std::vector<int32_t> ids(text.size());
  std::array<bool, 256> unknown{};  // every byte outside the vocabulary is named once, at its first position
  std::string named;
  int count = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    ids[i] = ids_[c];
    if (ids[i] >= 0 || unknown[c]) continue;
    unknown[c] = true;
    named += detail::cat(count++ ? ", " : "", detail::describe_byte(c), " at position ", i);
  }
  SF_CHECK(count == 0, "CharTokenizer: ", count == 1 ? "character " : "characters ", named, count == 1 ? " is" : " are",
           " not in the vocabulary of ", vocab_.size());
  return ids;
}

std::string CharTokenizer::decode(const std::vector<int32_t>& ids) const {
  std::string text(ids.size(), '\0');
  for (size_t i = 0; i < ids.size(); ++i) {
    SF_CHECK(ids[i] >= 0 && ids[i] < vocab_size(), "CharTokenizer: id ", ids[i], " at position ", i,
             " is outside the vocabulary [0, ", vocab_size(), ")");
    text[i] = static_cast<char>(vocab_[ids[i]]);
  }
  return text;
}

std::string CharTokenizer::to_string() const {
  return "seqforge-tokenizer 1\nkind char\nvocab " + to_hex({reinterpret_cast<const char*>(vocab_.data()), vocab_.size()}) +
         "\n";
}

}  // namespace sf
