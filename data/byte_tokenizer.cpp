// ByteTokenizer: the byte values are the ids.
#include "core/error.h"
#include "data/tokenizer.h"

namespace sf {

std::vector<int32_t> ByteTokenizer::encode(std::string_view text) const {
  std::vector<int32_t> ids(text.size());
  for (size_t i = 0; i < text.size(); ++i) ids[i] = static_cast<unsigned char>(text[i]);
  return ids;
}

std::string ByteTokenizer::decode(const std::vector<int32_t>& ids) const {
  std::string text(ids.size(), '\0');
  for (size_t i = 0; i < ids.size(); ++i) {
    SF_CHECK(ids[i] >= 0 && ids[i] < 256, "ByteTokenizer: id ", ids[i], " at position ", i,
             " is outside [0, 256)");
    text[i] = static_cast<char>(ids[i]);
  }
  return text;
}

std::string ByteTokenizer::to_string() const { return "seqforge-tokenizer 1\nkind byte\n"; }

}  // namespace sf
