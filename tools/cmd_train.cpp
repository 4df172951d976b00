// seqforge train RECIPE [key=value ...] [--out DIR] [--resume [--allow-change KEY ...]] [--sample N] [--dry-run] [--check-nan]
// seqforge train --resume --out DIR [key=value ...]   (with the config DIR's newest checkpoint stores)
//
// SIGINT/SIGTERM: the run finishes its step, saves a checkpoint and exits 0 (a second signal exits at
// once). A fresh run refuses a run directory that already holds checkpoints: they are only ever
// continued (--resume), never overwritten.
//
// A finished text run ends with a sample of its text (--sample N tokens, as `seqforge generate` draws them)
// and the path of its last checkpoint.
#include <filesystem>
#include <iostream>
#include <regex>

#include "autograd/function.h"
#include "optim/schedule.h"
#include "tools/commands.h"
#include "train/checkpoint.h"
#include "train/data_source.h"
#include "train/generate.h"
#include "train/resume_config.h"
#include "train/signals.h"
#include "train/trainer.h"

namespace sf::cli {
namespace {
namespace fs = std::filesystem;

void check_run_directory(const std::string& dir, bool resume) {
  const std::string last = latest_checkpoint((fs::path(dir) / "checkpoints").string());
  SF_CHECK(resume || last.empty(), "run directory ", dir, " already holds checkpoints (newest: ", last,
           "); pass --resume to continue that run, or choose another --out so they are not overwritten");
  std::error_code ec;
  fs::create_directories(dir, ec);
  SF_CHECK(!ec, "run directory ", dir, ": cannot create it (", ec.message(), ")");
}

// `train --resume --out DIR key=value`: CLI11 hands the first override to the recipe positional.
bool looks_like_override(const std::string& arg) {
  static const std::regex form(R"([A-Za-z_]\w*(\.\w+)*=[\s\S]*)");
  return std::regex_match(arg, form);
}

// What `seqforge generate CHECKPOINT --tokens N` prints, from the model in memory: the end of a run shows
// what it learnt.
void print_sample(Trainer& trainer, const std::string& checkpoint, int64_t tokens) {
  SampleOptions options;
  options.tokens = tokens;
  const std::string prompt = "\n";
  std::cout << "\nsample of " << tokens << " tokens (seqforge generate " << checkpoint << " --tokens " << tokens
            << "):" << prompt << std::flush;
  sample(*trainer.sequence_model(), trainer.tokenizer()->encode(prompt), options,
         [&](int32_t id) { std::cout << trainer.tokenizer()->decode({id}) << std::flush; });
  std::cout << "\n\n";
}

}  // namespace

void register_train(CLI::App& app) {
  struct Args {
    std::string recipe, out;
    std::vector<std::string> overrides, allow_change;
    bool resume = false, dry_run = false, check_nan = false;
    int64_t sample_tokens = 200;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand("train", "Train a model from a YAML recipe");
  cmd->add_option("recipe", args->recipe,
                  "recipe file (recipes/*.yaml); with --resume --out DIR it may be left out: the run continues "
                  "from the config its newest checkpoint stores");
  cmd->add_option("overrides", args->overrides, "config overrides, key.sub=value");
  cmd->add_option("--out", args->out, "run directory (default: runs/<recipe name>)");
  CLI::Option* resume = cmd->add_flag(
      "--resume", args->resume,
      "continue from the newest checkpoint in the run directory. Only steps, intervals, logging, threads, device, "
      "max_bad_steps, checkpoint retention and distributed.* may differ from the checkpoint's config (the first line "
      "lists them); any other difference is refused unless --allow-change names it");
  cmd->add_option("--allow-change", args->allow_change,
                  "with --resume: let this key, or every key of this section (optim), differ from the checkpoint's "
                  "config; repeat for more")
      ->allow_extra_args(false)
      ->needs(resume);
  cmd->add_option("--sample", args->sample_tokens,
                  "at the end of a text run, print this many tokens sampled from the final model; 0 = none")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_flag("--dry-run", args->dry_run, "validate the recipe, build the model, print it, and stop");
  cmd->add_flag("--check-nan", args->check_nan,
                "check every op's output and gradients; stop at the first NaN/Inf naming the op (slower)");
  cmd->callback([args] {
    const StopOnSignal stop_on_signal;  // from the start: a signal while the data loads stops after the first step
    if (looks_like_override(args->recipe)) {
      args->overrides.insert(args->overrides.begin(), args->recipe);
      args->recipe.clear();
    }
    SF_CHECK(!args->recipe.empty() || (args->resume && !args->out.empty()),
             "train needs a recipe (seqforge train RECIPE), or --resume --out DIR to continue the run stored in DIR");
    TrainOptions options;
    options.out_dir = args->out.empty()
                          ? (fs::path("runs") / fs::path(args->recipe).stem()).string()
                          : args->out;
    options.resume = args->resume;
    ResumedConfig run = options.resume
                            ? resume_config({options.out_dir, args->recipe, args->overrides, args->allow_change})
                            : ResumedConfig{load_run_config(args->recipe, args->overrides), ""};
    check_data_config(run.loaded.config, run.loaded.where);
    if (!args->dry_run) check_run_directory(options.out_dir, options.resume);
    Trainer trainer(std::move(run.loaded), options);
    const WorldInfo& world = trainer.world();
    const bool speaks = world.rank == 0;  // in a multi-rank launch only rank 0 prints
    if (speaks && !run.summary.empty()) std::cout << run.summary << "\n";
    if (speaks) trainer.describe(std::cout);
    const std::string warning = schedule_warning(trainer.config().optim, trainer.config().train.steps);
    if (speaks && !warning.empty()) std::cerr << "warning: " << warning << std::endl;
    if (args->dry_run) {
      std::cout << "dry run: recipe, data and model are valid; nothing trained\n";
      return;
    }
    if (speaks) std::cout << "run directory: " << options.out_dir << std::endl;  // before the first step, also in a log file
    if (speaks && world.world > 1)
      std::cout << "data-parallel: " << world.world << " ranks, " << trainer.config().train.batch_size / world.world
                << " of the global batch of " << trainer.config().train.batch_size << " sequences each\n";
    set_check_nan(args->check_nan);
    try {
      trainer.run(std::cout);
    } catch (const std::exception& e) {
      if (world.world > 1) abort_world(e.what());  // the other ranks would wait for this one until timeout_s
      throw;
    }
    if (!speaks) return;
    const std::string checkpoint = latest_checkpoint((fs::path(options.out_dir) / "checkpoints").string());
    if (stop_requested()) {
      std::cout << "interrupted by signal " << stop_signal() << " after step " << trainer.step()
                << ": checkpoint saved to " << checkpoint;
      if (trainer.config().checkpoint.save_optimizer)
        std::cout << "; continue with --resume --out " << options.out_dir << std::endl;
      else  // --resume would refuse it
        std::cout << " without optimizer state (checkpoint.save_optimizer: false): it cannot be resumed, only "
                     "started from with train.init_from="
                  << checkpoint << std::endl;
      return;
    }
    if (args->sample_tokens > 0 && trainer.tokenizer() != nullptr && trainer.sequence_model()) print_sample(trainer, checkpoint, args->sample_tokens);
    std::cout << "checkpoint: " << checkpoint << std::endl;
  });
}

}  // namespace sf::cli
