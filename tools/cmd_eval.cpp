// seqforge eval CKPT [key=value ...]: validation loss of a checkpoint; the last line is JSON.
#include <iostream>

#include "core/parallel.h"
#include "data/batch_sampler.h"
#include "data/text_dataset.h"
#include "tools/commands.h"
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
  cmd->add_option("overrides", args->overrides, "config overrides, e.g. data.path=... train.eval_batches=50");
  cmd->callback([args] {
    LoadedModel m = load_model(args->checkpoint, args->overrides);
    set_num_threads(static_cast<int>(m.config.train.threads));
    const DataConfig& d = m.config.data;
    TextDataset data = d.val_path.empty() ? TextDataset::from_file(d.path, *m.tokenizer, d.train_fraction)
                                          : TextDataset::from_files(d.path, d.val_path, *m.tokenizer);
    SamplerOptions so;
    so.batch_size = m.config.train.batch_size;
    so.seq_len = m.config.train.seq_len;
    so.seed = static_cast<uint64_t>(m.config.train.seed);
    NoGradGuard no_grad;
    double total = 0;
    auto batches = BatchSampler(data, so).eval_batches(m.config.train.eval_batches);
    for (const auto& b : batches) total += m.model->loss(b.x, b.y).item<double>();
    double val_loss = total / static_cast<double>(batches.size());
    std::cout << "checkpoint " << args->checkpoint << " (step " << m.step << "), " << batches.size()
              << " batches of " << so.batch_size << "x" << so.seq_len << "\n";
    std::cout << json_line({{"step", static_cast<double>(m.step)}, {"val_loss", val_loss}}) << std::endl;
  });
}

}  // namespace sf::cli
