// seqforge prepare-data RECIPE [key=value ...] [--shard-tokens N] [--threads N]
// seqforge prepare-data --input FILE... [--val FILE...] --out DIR [--tokenizer KIND] [--tokenizer-model M]
//                       [--train-fraction F] [--shard-tokens N] [--threads N]
// Tokenizes text files into token shards (data/prepare_shards.h) that `data.dataset: shards` trains on. A
// recipe says what in its data section (data.source, data.val_source, data.tokenizer, data.tokenizer_model,
// data.train_fraction, and data.path, the shard directory); the flags say the same for a run without one.
// Progress goes to stderr: a bar on a terminal, a line every few seconds otherwise.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <thread>

#include <yaml-cpp/yaml.h>

#include "config/loader.h"
#include "data/prepare_shards.h"
#include "tools/commands.h"
#include "train/data_source.h"

namespace sf::cli {
namespace {

using Clock = std::chrono::steady_clock;

// `value` (a file name, a list of them) as YAML, quoted where a name needs it, for a key=value override.
template <class T>
std::string yaml_text(const T& value) {
  YAML::Emitter out;
  out.SetSeqFormat(YAML::Flow);
  out << value;
  return out.c_str();
}

std::string megabytes(int64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f MB", static_cast<double>(bytes) / 1e6);
  return buf;
}

// Draws PrepareProgress on stderr: a bar redrawn in place on a terminal, else a line every 5 s (logs).
class ProgressBar {
 public:
  ProgressBar() : tty_(::isatty(STDERR_FILENO) == 1) {}

  void operator()(const PrepareProgress& p) {
    const auto now = Clock::now();
    const bool last = p.files_done == p.files;
    if (!last && now - shown_ < (tty_ ? std::chrono::milliseconds(100) : std::chrono::milliseconds(5000))) return;
    shown_ = now;
    const double seconds = std::chrono::duration<double>(now - start_).count();
    const std::string counts = detail::cat(p.files_done, "/", p.files, " files, ", megabytes(p.bytes_done), " of ",
                                           megabytes(p.bytes), ", ", p.tokens, " tokens, ",
                                           megabytes(static_cast<int64_t>(static_cast<double>(p.bytes_done) /
                                                                          std::max(seconds, 1e-3))),
                                           "/s");
    if (!tty_) {
      std::cerr << "prepare-data: " << counts << std::endl;
      return;
    }
    constexpr int kWidth = 30;
    const auto filled = static_cast<int>(kWidth * static_cast<double>(p.bytes_done) /
                                         static_cast<double>(std::max<int64_t>(p.bytes, 1)));
    std::cerr << "\r[" << std::string(static_cast<size_t>(filled), '#')
              << std::string(static_cast<size_t>(kWidth - filled), '.') << "] " << counts << "\033[K"
              << (last ? "\n" : "") << std::flush;
  }

 private:
  bool tty_;
  Clock::time_point start_ = Clock::now(), shown_{};
};

void print_summary(const ShardManifest& m, const std::string& dir) {
  const auto shards = [](const ShardSplit& s) { return s.shards.size(); };
  const auto per_token = [](const ShardSplit& s) {
    return static_cast<double>(s.bytes) / static_cast<double>(std::max<int64_t>(s.tokens, 1));
  };
  std::cout << "wrote " << manifest_path(dir) << ": tokenizer " << Tokenizer::from_string(m.tokenizer)->kind()
            << " (fingerprint " << m.fingerprint << "), uint" << 8 * m.width << " ids\n"
            << "  train: " << m.train.tokens << " tokens in " << shards(m.train) << " shard(s), "
            << per_token(m.train) << " bytes/token\n"
            << "  val:   " << m.val.tokens << " tokens in " << shards(m.val) << " shard(s), " << per_token(m.val)
            << " bytes/token\n";
}

}  // namespace

void register_prepare_data(CLI::App& app) {
  struct Args {
    std::string recipe, out, tokenizer, tokenizer_model;
    std::vector<std::string> overrides, input, val;
    double train_fraction = 0;
    PrepareSettings settings;
  };
  auto args = std::make_shared<Args>();
  args->settings.threads = static_cast<int>(std::max(1U, std::thread::hardware_concurrency()));
  CLI::App* cmd = app.add_subcommand("prepare-data", "Tokenize text files into token shards (data.dataset: shards)");
  cmd->add_option("recipe", args->recipe,
                  "a recipe whose data section names the shards: dataset shards, path (the directory), source, "
                  "val_source, tokenizer, tokenizer_model, train_fraction");
  cmd->add_option("overrides", args->overrides, "config overrides for the recipe, key.sub=value");
  CLI::Option* input = cmd->add_option("--input", args->input,
                                       "without a recipe: text files, directories or globs, in order (data.source)");
  CLI::Option* val = cmd->add_option("--val", args->val,
                                     "text files of the validation split (data.val_source); default: the tail of --input");
  CLI::Option* tokenizer = cmd->add_option("--tokenizer", args->tokenizer, "char (default), byte or sentencepiece")
                               ->check(CLI::IsMember({"char", "byte", "sentencepiece"}));
  CLI::Option* model = cmd->add_option("--tokenizer-model", args->tokenizer_model,
                                       "the SentencePiece model file, with --tokenizer sentencepiece");
  CLI::Option* out = cmd->add_option("--out", args->out, "without a recipe: the shard directory (data.path)");
  CLI::Option* fraction = cmd->add_option("--train-fraction", args->train_fraction,
                                          "share of --input's tokens that train when --val is not given (default 0.9)");
  cmd->add_option("--shard-tokens", args->settings.shard_tokens, "the most token ids in one shard file")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--threads", args->settings.threads, "files tokenized at once (default: all cores)")
      ->check(CLI::PositiveNumber);
  cmd->callback([args, input, val, tokenizer, model, out, fraction] {
    const std::vector<CLI::Option*> flags{input, val, tokenizer, model, out, fraction};
    const bool any_flag = std::any_of(flags.begin(), flags.end(), [](CLI::Option* o) { return o->count() > 0; });
    RunConfig config;
    if (!args->recipe.empty()) {
      SF_CHECK(!any_flag, "prepare-data takes a recipe or --input/--out flags, not both: the recipe's data section "
                          "already says what to prepare (change it with overrides such as data.source=[...])");
      LoadedConfig loaded = load_run_config(args->recipe, args->overrides);
      check_data_config(loaded.config, loaded.where);
      config = std::move(loaded.config);
      SF_CHECK(config.data.dataset == "shards", args->recipe, ": data.dataset is ", config.data.dataset,
               "; prepare-data writes token shards for data.dataset: shards (with data.path: the shard directory and "
               "data.source: the text files)");
      SF_CHECK(!config.data.source.empty(), args->recipe, ": data.source is empty; name the text files to tokenize");
    } else {
      SF_CHECK(input->count() > 0 && out->count() > 0,
               "prepare-data needs a recipe (seqforge prepare-data RECIPE) or --input FILE... and --out DIR");
      SF_CHECK(args->overrides.empty(), "prepare-data: overrides (", args->overrides.front(), ") need a recipe");
      std::vector<std::string> overrides{"data.dataset=shards", "data.path=" + yaml_text(args->out),
                                         "data.source=" + yaml_text(args->input)};
      if (val->count() > 0) overrides.push_back("data.val_source=" + yaml_text(args->val));
      if (tokenizer->count() > 0) overrides.push_back("data.tokenizer=" + args->tokenizer);
      if (model->count() > 0) overrides.push_back("data.tokenizer_model=" + yaml_text(args->tokenizer_model));
      if (fraction->count() > 0) overrides.push_back(detail::cat("data.train_fraction=", args->train_fraction));
      config = run_config_from_yaml("{}", "command line", overrides);
    }
    ProgressBar bar;
    const ShardManifest m = prepare_shards(config.data, args->settings, std::ref(bar));
    print_summary(m, config.data.path);
  });
}

}  // namespace sf::cli
