// SentencePieceTokenizer: SentencePiece models, loaded, trained, serialised (see the header).
#include "data/sentencepiece_tokenizer.h"

#include <sentencepiece_processor.h>
#include <sentencepiece_trainer.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>
#include <unordered_map>

#include "core/error.h"
#include "data/hex.h"

namespace sf {

namespace {

constexpr std::string_view kSpace = "\xE2\x96\x81";  // '▁', SentencePiece's visible space

// The bytes piece `id` stands for, as SentencePiece's decoder writes them when the pieces around it
// decode too: byte pieces "<0xAB>" as the byte, '▁' as a space, control pieces (none in our models
// but <unk>) as SentencePiece's " ⁇ ".
std::string piece_bytes(const sentencepiece::SentencePieceProcessor& sp, int id) {
  const std::string& piece = sp.IdToPiece(id);
  if (sp.IsByte(id)) return std::string(1, static_cast<char>(std::stoi(piece.substr(3, 2), nullptr, 16)));
  if (sp.IsUnknown(id)) return " \xE2\x81\x87 ";
  if (sp.IsControl(id)) return "";
  std::string out;
  for (size_t i = 0; i < piece.size();) {
    if (piece.compare(i, kSpace.size(), kSpace) == 0) {
      out += ' ';
      i += kSpace.size();
    } else {
      out += piece[i++];
    }
  }
  return out;
}

// Length of the valid UTF-8 sequence starting at text[i] (1-4), or 0 when text[i] does not start one
// (a stray continuation byte, an overlong form, a surrogate, a code point past U+10FFFF, a cut-off end).
size_t utf8_sequence_length(std::string_view text, size_t i) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(text[i + k]); };
  const auto cont = [&](size_t k) { return i + k < text.size() && (b(k) & 0xC0) == 0x80; };
  const unsigned char c = b(0);
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (!cont(1) || !cont(2)) return 0;
    if ((c == 0xE0 && b(1) < 0xA0) || (c == 0xED && b(1) >= 0xA0)) return 0;
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    if ((c == 0xF0 && b(1) < 0x90) || (c == 0xF4 && b(1) >= 0x90)) return 0;
    return 4;
  }
  return 0;
}

}  // namespace

SentencePieceTokenizer::SentencePieceTokenizer(std::string model, const std::string& source)
    : model_(std::move(model)), processor_(std::make_unique<sentencepiece::SentencePieceProcessor>()) {
  const auto status = processor_->LoadFromSerializedProto(model_);
  SF_CHECK(status.ok(), source, ": not a SentencePiece model (", status.ToString(), ")");
  const int n = processor_->GetPieceSize();
  SF_CHECK(n > 0, source, ": the SentencePiece model has no pieces");
  pieces_.reserve(static_cast<size_t>(n));
  for (int id = 0; id < n; ++id) pieces_.push_back(piece_bytes(*processor_, id));
  byte_ids_.fill(-1);
  for (int id = 0; id < n; ++id)
    if (processor_->IsByte(id)) byte_ids_[static_cast<unsigned char>(pieces_[static_cast<size_t>(id)][0])] = id;
}

SentencePieceTokenizer::~SentencePieceTokenizer() = default;

std::unique_ptr<SentencePieceTokenizer> SentencePieceTokenizer::load(const std::string& path) {
  std::error_code ec;
  SF_CHECK(std::filesystem::is_regular_file(path, ec), path, ": no such SentencePiece model file");
  std::ifstream in(path, std::ios::binary);
  SF_CHECK(in, path, ": cannot open the SentencePiece model for reading");
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  SF_CHECK(!in.bad(), path, ": read error");
  SF_CHECK(!bytes.empty(), path, ": the SentencePiece model file is empty");
  return std::make_unique<SentencePieceTokenizer>(std::move(bytes), path);
}

std::vector<int32_t> SentencePieceTokenizer::encode(std::string_view text) const {
  // SentencePiece replaces bytes that are not valid UTF-8 by U+FFFD before it looks for pieces, and reads
  // a literal '▁' as the space it stands for; both would not come back: valid runs go through
  // SentencePiece, each invalid byte and each byte of a literal '▁' becomes its byte piece.
  std::vector<int32_t> out;
  std::vector<int> ids;
  size_t run = 0;
  const auto flush = [&](size_t end) {
    if (end == run) return;
    const auto status = processor_->Encode(text.substr(run, end - run), &ids);
    SF_CHECK(status.ok(), "SentencePieceTokenizer: cannot encode the text (", status.ToString(), ")");
    out.insert(out.end(), ids.begin(), ids.end());
  };
  const auto push_byte = [&](size_t i, std::string_view why) {
    const int32_t id = byte_ids_[static_cast<unsigned char>(text[i])];
    SF_CHECK(id >= 0, "SentencePieceTokenizer: ", detail::describe_byte(static_cast<unsigned char>(text[i])),
             " at position ", i, " is ", why, " and the model has no byte pieces (byte_fallback)");
    out.push_back(id);
  };
  for (size_t i = 0; i < text.size();) {
    const bool meta_space = text.compare(i, kSpace.size(), kSpace) == 0;
    const size_t n = utf8_sequence_length(text, i);
    if (n && !meta_space) {
      i += n;
      continue;
    }
    flush(i);
    if (meta_space) {
      for (size_t k = 0; k < kSpace.size(); ++k) push_byte(i + k, "part of a literal '\u2581'");
      i += kSpace.size();
    } else {
      push_byte(i, "not valid UTF-8");
      ++i;
    }
    run = i;
  }
  flush(text.size());
  return out;
}

std::string SentencePieceTokenizer::decode(const std::vector<int32_t>& ids) const {
  std::string text;
  for (size_t i = 0; i < ids.size(); ++i) {
    SF_CHECK(ids[i] >= 0 && ids[i] < vocab_size(), "SentencePieceTokenizer: id ", ids[i], " at position ", i,
             " is outside [0, ", vocab_size(), ")");
    text += pieces_[static_cast<size_t>(ids[i])];
  }
  return text;
}

std::string SentencePieceTokenizer::to_string() const {
  return "seqforge-tokenizer 1\nkind sentencepiece\nmodel " + to_hex(model_) + "\n";
}

std::string train_sentencepiece(const SentencePieceOptions& o) {
  SF_CHECK(!o.corpus.empty(), "tokenizer train: no corpus file given");
  SF_CHECK(o.kind == "bpe" || o.kind == "unigram", "tokenizer train: --kind '", o.kind, "' (known: bpe, unigram)");
  // <unk>, '\n' and the 256 byte pieces are always in the vocabulary; at least one learned piece on top.
  constexpr int64_t kReserved = 258;
  SF_CHECK(o.vocab_size > kReserved && o.vocab_size <= 1 << 20, "tokenizer train: --vocab-size ", o.vocab_size,
           " must be in (", kReserved, ", ", 1 << 20, "]: 256 byte pieces, '\\n' and <unk> are always in it");
  std::string inputs;
  for (const std::string& path : o.corpus) {
    std::error_code ec;
    SF_CHECK(std::filesystem::is_regular_file(path, ec), path, ": no such corpus file");
    SF_CHECK(path.find(',') == std::string::npos, path, ": SentencePiece cannot read a file whose name has a comma");
    inputs += (inputs.empty() ? "" : ",") + path;
  }
  const std::unordered_map<std::string, std::string> args{
      {"input", inputs},
      {"model_type", o.kind},
      {"vocab_size", std::to_string(o.vocab_size)},
      {"normalization_rule_name", "identity"},
      {"remove_extra_whitespaces", "false"},
      {"add_dummy_prefix", "false"},
      {"allow_whitespace_only_pieces", "true"},
      {"split_digits", "true"},
      {"byte_fallback", "true"},
      {"character_coverage", "1.0"},
      {"user_defined_symbols", "\n"},
      {"unk_id", "0"},
      {"bos_id", "-1"},
      {"eos_id", "-1"},
      {"pad_id", "-1"},
      {"num_threads", std::to_string(std::max(1, o.threads))},
      {"minloglevel", "2"},
  };
  std::string model;
  const auto status = sentencepiece::SentencePieceTrainer::Train(args, nullptr, &model);
  if (!status.ok()) {
    const std::string why = status.ToString();
    // "... required_chars. 300 vs 322. Increase vocab_size or decrease character_coverage ..."
    const std::smatch m = [&] {
      std::smatch found;
      std::regex_search(why, found, std::regex(R"(required_chars\. (\d+) vs (\d+)\.)"));
      return found;
    }();
    SF_CHECK(m.empty(), "tokenizer train on ", inputs, ": --vocab-size ", o.vocab_size,
             " is too small: every character of the corpus, the 256 byte pieces, '\\n' and <unk> take ", m[2].str(),
             " pieces before any is learned");
    throw Error(detail::cat("tokenizer train on ", inputs, ": ", why));
  }
  return model;
}

}  // namespace sf
