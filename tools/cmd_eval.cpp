// seqforge eval CKPT [key=value ...]: validation loss (bits per byte when the data knows its bytes, task
// accuracy and exact match) of a checkpoint; the last line is one JSON object.
#include <cmath>
#include <filesystem>
#include <iostream>
#include <utility>

#include "core/parallel.h"
#include "tools/commands.h"
#include "train/data_source.h"
#include "train/metrics.h"
#include "train/session.h"

namespace sf::cli {
namespace {

// A checkpoint written before the loader stored absolute paths holds the corpus paths as the recipe
// wrote them, relative to the directory training ran in: they still work from there.
void check_stored_corpus_paths(const RunConfig& config, const std::string& checkpoint) {
  namespace fs = std::filesystem;
  if (config.data.dataset != "text") return;
  const std::pair<const char*, const std::string*> paths[] = {{"data.path", &config.data.path},
                                                              {"data.val_path", &config.data.val_path}};
  for (const auto& [key, path] : paths) {
    SF_CHECK(path->empty() || fs::path(*path).is_absolute() || fs::exists(*path), checkpoint, " stores ", key, " '",
             *path, "' relative to the directory its training ran in (it predates absolute paths), and ",
             fs::current_path().string(), " is not that directory: run eval from there, or pass ", key, "=FILE");
  }
}

}  // namespace

void register_eval(CLI::App& app) {
  struct Args {
    std::string checkpoint;
    std::vector<std::string> overrides;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand("eval", "Evaluate a checkpoint; prints a JSON object on its last line");
  cmd->add_option("checkpoint", args->checkpoint, "checkpoint file (.h5)")->required();
  cmd->add_option("overrides", args->overrides,
                  "config overrides, e.g. data.path=... train.eval_batches=50 data.task.eval_len=4096");
  cmd->callback([args] {
    LoadedModel m = load_model(args->checkpoint, args->overrides);
    check_stored_corpus_paths(m.config, args->checkpoint);
    set_num_threads(static_cast<int>(m.config.train.threads));
    use_matmul_precision(m.config.train.matmul_precision);
    auto source = make_batch_source(m.config, m.tokenizer.get());
    auto batches = source->eval_batches(m.config.train.eval_batches);
    EvalResult r = evaluate(*m.model, batches, source->scores_accuracy());
    std::cout << "checkpoint " << args->checkpoint << " (step " << m.step << "), " << r.batches << " batches\n";
    std::vector<std::pair<std::string, double>> fields{{"step", static_cast<double>(m.step)}, {"val_loss", r.loss}};
    const double bpb = bits_per_byte(r.loss, source->bytes_per_token());
    if (!std::isnan(bpb)) fields.emplace_back("val_bpb", bpb);
    if (r.accuracy >= 0) fields.emplace_back("accuracy", r.accuracy);
    if (r.exact_match >= 0) fields.emplace_back("exact_match", r.exact_match);
    std::cout << json_line(fields) << std::endl;
  });
}

}  // namespace sf::cli
