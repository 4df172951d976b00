// seqforge train RECIPE [key=value ...] [--out DIR] [--resume] [--dry-run]
#include <filesystem>
#include <iostream>

#include "tools/commands.h"
#include "train/trainer.h"

namespace sf::cli {

void register_train(CLI::App& app) {
  struct Args {
    std::string recipe, out;
    std::vector<std::string> overrides;
    bool resume = false, dry_run = false;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand("train", "Train a model from a YAML recipe");
  cmd->add_option("recipe", args->recipe, "recipe file (recipes/*.yaml)")->required();
  cmd->add_option("overrides", args->overrides, "config overrides, key.sub=value");
  cmd->add_option("--out", args->out, "run directory (default: runs/<recipe name>)");
  cmd->add_flag("--resume", args->resume, "continue from the newest checkpoint in the run directory");
  cmd->add_flag("--dry-run", args->dry_run, "validate the recipe, build the model, print it, and stop");
  cmd->callback([args] {
    LoadedConfig loaded = load_run_config(args->recipe, args->overrides);
    TrainOptions options;
    options.out_dir = args->out.empty()
                          ? (std::filesystem::path("runs") / std::filesystem::path(args->recipe).stem()).string()
                          : args->out;
    options.resume = args->resume;
    Trainer trainer(std::move(loaded), options);
    trainer.describe(std::cout);
    if (args->dry_run) {
      std::cout << "dry run: recipe, data and model are valid; nothing trained\n";
      return;
    }
    std::cout << "run directory: " << options.out_dir << "\n";
    trainer.run(std::cout);
  });
}

}  // namespace sf::cli
