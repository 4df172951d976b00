// seqforge export CKPT --format safetensors [--out FILE] [--dtype fp32|bf16]: the checkpoint's weights in a
// file other programs load (train/export.h says what goes in). seqforge export CKPT --merge [--out FILE]: an
// adapter run's checkpoint, or a base checkpoint plus --adapter FILE, as a plain seqforge checkpoint with the
// adapters merged (train/export_merged.h). Format and dtype are checked here rather
// than by CLI11, so a mistake is an sf::Error (exit 1) naming the checkpoint, like every other bad input.
#include <iostream>

#include "core/error.h"
#include "tools/commands.h"
#include "train/export.h"
#include "train/export_merged.h"

namespace sf::cli {

void register_export(CLI::App& app) {
  struct Args {
    std::string checkpoint, format, out, dtype, adapter;
    bool merge = false, force = false;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand("export", "Write a checkpoint's weights as safetensors (no optimizer state)");
  cmd->add_option("checkpoint", args->checkpoint, "checkpoint file (.h5)")->required();
  cmd->add_option("--format", args->format, "output format: safetensors (not with --merge)");
  cmd->add_flag("--merge", args->merge,
                "fold the run's LoRA/NOLA adapters into the weights and write a plain seqforge checkpoint (.h5; "
                "default: the checkpoint's path with .merged.h5)");
  cmd->add_option("--adapter", args->adapter,
                  "with --merge: an adapter-only file (a run's adapter.h5) to merge into the base checkpoint given; "
                  "refused unless the base is the one it was trained on")
      ->needs("--merge");
  cmd->add_flag("--force", args->force,
                "with --adapter: merge it even into a base whose fingerprint is not the one it was trained on (a "
                "warning names both)")
      ->needs("--adapter");
  cmd->add_option("--out", args->out, "output file (default: the checkpoint's path with .safetensors)");
  cmd->add_option("--dtype", args->dtype,
                  "fp32 or bf16 (rounded to nearest even): the type of the floating tensors; default: as stored");
  cmd->callback([args] {
    if (args->merge) {
      SF_CHECK(args->format.empty() && args->dtype.empty(), "export ", args->checkpoint,
               ": --merge writes a seqforge checkpoint as stored; drop --format and --dtype");
      const MergedExport written = export_merged(args->checkpoint, args->out, args->adapter, args->force);
      if (!written.warning.empty()) std::cerr << "warning: " << written.warning << " (loaded anyway: --force)\n";
      std::cout << "wrote " << written.path << " (adapters merged)\n";
      return;
    }
    SF_CHECK(!args->format.empty(), "export ", args->checkpoint,
             ": say what to write: --format safetensors, or --merge");
    SF_CHECK(args->format == "safetensors", "export ", args->checkpoint, ": unknown --format '", args->format,
             "' (known: safetensors)");
    ExportOptions options;
    options.out = args->out;
    if (args->dtype == "fp32") {
      options.dtype = DType::f32;
    } else if (args->dtype == "bf16") {
      options.dtype = DType::bf16;
    } else {
      SF_CHECK(args->dtype.empty(), "export ", args->checkpoint, ": unknown --dtype '", args->dtype,
               "' (fp32 or bf16)");
    }
    const ExportSummary written = export_safetensors(args->checkpoint, options);
    std::cout << "wrote " << written.path << ": " << written.tensors << " tensors, " << written.bytes << " bytes\n";
  });
}

}  // namespace sf::cli
