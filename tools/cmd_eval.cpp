// seqforge eval CKPT [key=value ...]: validation loss (and task accuracy) of a checkpoint; the last
// line is one JSON object.
#include <iostream>

#include "core/parallel.h"
#include "tools/commands.h"
#include "train/data_source.h"
#include "train/metrics.h"
#include "train/session.h"

namespace sf::cli {

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
    set_num_threads(static_cast<int>(m.config.train.threads));
    use_matmul_precision(m.config.train.matmul_precision);
    auto source = make_batch_source(m.config, m.tokenizer.get());
    auto batches = source->eval_batches(m.config.train.eval_batches);
    EvalResult r = evaluate(*m.model, batches, source->scores_accuracy());
    std::cout << "checkpoint " << args->checkpoint << " (step " << m.step << "), " << r.batches << " batches\n";
    std::vector<std::pair<std::string, double>> fields{{"step", static_cast<double>(m.step)}, {"val_loss", r.loss}};
    if (r.accuracy >= 0) fields.emplace_back("accuracy", r.accuracy);
    std::cout << json_line(fields) << std::endl;
  });
}

}  // namespace sf::cli
