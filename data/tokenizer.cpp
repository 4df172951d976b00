// Tokenizer::from_string (the serialised form is described in tokenizer.h) and make_tokenizer.
#include "data/tokenizer.h"

#include <cstdio>
#include <map>

#include "core/error.h"
#include "core/hash.h"
#include "data/hex.h"
#include "data/sentencepiece_tokenizer.h"

namespace sf {

namespace {

constexpr std::string_view kMagic = "seqforge-tokenizer";
constexpr std::string_view kVersion = "1";

// "key value" lines after the header; every key at most once.
std::map<std::string, std::string, std::less<>> parse_fields(std::string_view text) {
  std::map<std::string, std::string, std::less<>> fields;
  size_t line_no = 0;
  while (!text.empty()) {
    size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
    ++line_no;
    if (line_no == 1) {
      SF_CHECK(line == std::string(kMagic) + " " + std::string(kVersion),
               "tokenizer: not a serialised seqforge tokenizer (first line is '", line.substr(0, 40),
               "', expected '", kMagic, " ", kVersion, "')");
      continue;
    }
    size_t space = line.find(' ');
    SF_CHECK(space != std::string_view::npos && space > 0, "tokenizer: line ", line_no,
             " is not 'key value': '", line.substr(0, 40), "'");
    auto [it, fresh] = fields.emplace(line.substr(0, space), line.substr(space + 1));
    SF_CHECK(fresh, "tokenizer: key '", it->first, "' appears twice");
  }
  SF_CHECK(line_no > 0, "tokenizer: empty serialisation");
  return fields;
}

std::string take(std::map<std::string, std::string, std::less<>>& fields, std::string_view key) {
  auto it = fields.find(key);
  SF_CHECK(it != fields.end(), "tokenizer: missing '", key, "'");
  std::string value = std::move(it->second);
  fields.erase(it);
  return value;
}

}  // namespace

std::unique_ptr<Tokenizer> Tokenizer::from_string(std::string_view text) {
  auto fields = parse_fields(text);
  std::string kind = take(fields, "kind");
  std::unique_ptr<Tokenizer> tok;
  if (kind == "char") {
    const std::string vocab = from_hex(take(fields, "vocab"), "tokenizer: vocab");
    tok = std::make_unique<CharTokenizer>(std::vector<unsigned char>(vocab.begin(), vocab.end()));
  } else if (kind == "byte") {
    tok = std::make_unique<ByteTokenizer>();
  } else if (kind == "sentencepiece") {
    tok = std::make_unique<SentencePieceTokenizer>(from_hex(take(fields, "model"), "tokenizer: model"),
                                                   "tokenizer");
  } else {
    throw Error(detail::cat("tokenizer: unknown kind '", kind, "' (known: char, byte, sentencepiece)"));
  }
  SF_CHECK(fields.empty(), "tokenizer: unexpected key '", fields.begin()->first, "' for kind ", kind);
  return tok;
}

std::unique_ptr<Tokenizer> make_tokenizer(std::string_view kind, std::string_view corpus) {
  if (kind == "char") return std::make_unique<CharTokenizer>(CharTokenizer::build(corpus));
  if (kind == "byte") return std::make_unique<ByteTokenizer>();
  throw Error(detail::cat("unknown tokenizer '", kind, "' (known: char, byte)"));
}

std::string tokenizer_fingerprint(const Tokenizer& tokenizer) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(fnv1a(tokenizer.to_string())));
  return buf;
}

namespace detail {
std::string describe_byte(unsigned char c) {
  if (c >= 0x20 && c < 0x7f) return std::string("'") + static_cast<char>(c) + "'";
  char buf[16];
  std::snprintf(buf, sizeof buf, "byte 0x%02X", c);
  return buf;
}
}  // namespace detail

}  // namespace sf
