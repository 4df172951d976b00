// seqforge tokenizer train --corpus FILE... --vocab-size N --kind bpe|unigram --out tok.model
// Trains an exact SentencePiece model (data/sentencepiece_tokenizer.h) for data.tokenizer: sentencepiece.
#include <chrono>
#include <iostream>
#include <thread>

#include "core/file_io.h"
#include "data/sentencepiece_tokenizer.h"
#include "data/text_dataset.h"
#include "tools/commands.h"

namespace sf::cli {

void register_tokenizer(CLI::App& app) {
  struct Args {
    SentencePieceOptions options;
    std::string out;
  };
  auto args = std::make_shared<Args>();
  args->options.threads = static_cast<int>(std::max(1U, std::thread::hardware_concurrency()));
  CLI::App* cmd = app.add_subcommand("tokenizer", "Subword tokenizers (SentencePiece BPE / unigram)");
  cmd->require_subcommand(1);
  CLI::App* train = cmd->add_subcommand("train", "Train a SentencePiece model on text files");
  train->add_option("--corpus", args->options.corpus, "text files to learn the vocabulary from")->required();
  train->add_option("--vocab-size", args->options.vocab_size,
                    "pieces in the vocabulary, with the 256 byte pieces, '\\n' and <unk>")
      ->capture_default_str();
  train->add_option("--kind", args->options.kind, "bpe or unigram")
      ->check(CLI::IsMember({"bpe", "unigram"}))
      ->capture_default_str();
  train->add_option("--out", args->out, "the model file to write (e.g. tok.model)")->required();
  train->add_option("--threads", args->options.threads, "training threads (default: all cores)");
  train->callback([args] {
    const auto start = std::chrono::steady_clock::now();
    std::string model = train_sentencepiece(args->options);
    const SentencePieceTokenizer tok(model, args->out);
    write_file_atomically(args->out, model, "the tokenizer model");
    int64_t bytes = 0, tokens = 0;
    for (const std::string& path : args->options.corpus) {
      const std::string text = read_corpus(path);
      bytes += static_cast<int64_t>(text.size());
      tokens += static_cast<int64_t>(tok.encode(text).size());
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::cout << "wrote " << args->out << ": " << args->options.kind << ", " << tok.vocab_size()
              << " pieces, fingerprint " << tokenizer_fingerprint(tok) << "\n"
              << "corpus: " << bytes << " bytes -> " << tokens << " tokens ("
              << static_cast<double>(bytes) / static_cast<double>(std::max<int64_t>(tokens, 1))
              << " bytes per token), " << seconds << " s\n";
  });
}

}  // namespace sf::cli
