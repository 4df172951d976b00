// seqforge inspect CKPT [--json]: what a checkpoint holds, without running it: step, seed, tokenizer,
// the recipe it was trained from, parameters per module, FLOPs per token (train/model_flops.h), and the
// file's parts with their sizes (model tensors, optimizer state or its absence, sampler state, config,
// recipe). --json prints the same as one JSON object.
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "tools/commands.h"
#include "train/checkpoint.h"
#include "train/model_flops.h"
#include "train/session.h"

namespace sf::cli {
namespace {

struct TensorGroup {
  int64_t tensors = 0;
  uint64_t bytes = 0;
};

TensorGroup measure(const NamedTensors& tensors) {
  TensorGroup g;
  for (const auto& [name, t] : tensors) {
    ++g.tensors;
    g.bytes += t.nbytes();
  }
  return g;
}

// Everything printed, gathered once for both forms.
struct Report {
  std::string path;
  uint64_t file_bytes = 0;
  Checkpoint checkpoint;
  LoadedModel model;
  int64_t context = 0;  // train.seq_len, the context the FLOPs are counted at
  FlopsPerToken flops;
  TensorGroup weights, optimizer;
};

Report make_report(const std::string& path) {
  Report r;
  r.path = path;
  r.checkpoint = load_checkpoint(path);  // the optimizer state too, to measure it
  r.file_bytes = std::filesystem::file_size(path);
  r.model = load_model(r.checkpoint, path);
  r.context = r.model.config.train.seq_len;
  if (r.model.config.model.arch == ModelArch::sequence) r.flops = flops_per_token(r.model.sequence_model("FLOPs per token"), r.context);
  r.weights = measure(r.checkpoint.model);
  r.optimizer = measure(r.checkpoint.optim);
  return r;
}

void print_text(const Report& r, std::ostream& out) {
  const Checkpoint& c = r.checkpoint;
  const ModelConfig& mc = r.model.config.model;
  out << "checkpoint  " << r.path << " (" << r.file_bytes << " bytes)\n";
  out << "step        " << c.step << ", seed " << c.seed << "\n";
  if (r.model.tokenizer)
    out << "tokenizer   " << r.model.tokenizer->kind() << ", " << r.model.tokenizer->vocab_size()
        << " tokens, fingerprint " << tokenizer_fingerprint(*r.model.tokenizer) << "\n";
  else if (mc.arch == ModelArch::autoencoder)
    out << "tokenizer   none: model.arch: autoencoder on rows of " << r.model.config.data.dataset << "\n";
  else
    out << "tokenizer   none: synthetic task " << r.model.config.data.dataset << ", vocabulary " << mc.vocab_size << "\n";
  out << "recipe      as written (the checkpoint stores its text, not its path):\n";
  std::istringstream recipe(c.recipe_text);
  for (std::string line; std::getline(recipe, line);) out << "    " << line << "\n";
  out << "parameters  " << r.model.model->num_parameters() << ", per module:\n";
  r.model.model->print_parameter_summary(out);
  if (mc.arch == ModelArch::autoencoder)
    out << "FLOPs/token none: model.arch: autoencoder reads rows of numbers, not tokens\n";
  else
    out << "FLOPs/token forward " << static_cast<int64_t>(r.flops.forward) << ", training "
        << static_cast<int64_t>(r.flops.training) << ", at context T = train.seq_len = " << r.context << "\n"
        << "            nanoGPT's estimate: forward 2·N + 4·L_attn·d·T, training 3 × forward, with\n"
        << "            N = " << r.flops.matmul_params << " parameters in matrix products, L_attn = "
        << r.flops.attention_layers << " attention blocks, d = " << mc.n_embd << ";\n"
        << "            norms, softmax and the scans of recurrent and SSM mixers are not counted\n";
  out << "contents    model: " << r.weights.tensors << " tensors, " << r.weights.bytes << " bytes\n";
  if (c.has_optimizer)
    out << "            optimizer state: " << r.optimizer.tensors << " tensors, " << r.optimizer.bytes << " bytes\n";
  else
    out << "            optimizer state: none (saved with checkpoint.save_optimizer: false; a run cannot resume "
           "from it, train.init_from can start one)\n";
  out << "            sampler state: batch counter " << c.sampler_state << "; " << std::fixed << std::setprecision(1)
      << c.elapsed_s << std::defaultfloat << " s of training so far\n";
  out << "            config: " << c.config_yaml.size() << " bytes of YAML; recipe: " << c.recipe_text.size()
      << " bytes; tokenizer: " << c.tokenizer.size() << " bytes\n";
}

nlohmann::json to_json(const Report& r) {
  const Checkpoint& c = r.checkpoint;
  nlohmann::json modules = nlohmann::json::array();
  for (const ParameterCount& row : r.model.model->parameter_summary())
    modules.push_back({{"path", row.path}, {"depth", row.depth}, {"parameters", row.count}});
  nlohmann::json flops = nullptr;  // none for the autoencoder: it reads rows, not tokens
  if (r.model.config.model.arch == ModelArch::sequence)
    flops = {{"forward", r.flops.forward},
             {"training", r.flops.training},
             {"context", r.context},
             {"matmul_parameters", r.flops.matmul_params},
             {"attention_layers", r.flops.attention_layers}};
  nlohmann::json tokenizer = nullptr;
  if (r.model.tokenizer)
    tokenizer = {{"kind", r.model.tokenizer->kind()},
                 {"vocab_size", r.model.tokenizer->vocab_size()},
                 {"fingerprint", tokenizer_fingerprint(*r.model.tokenizer)}};
  return {{"checkpoint", r.path},
          {"file_bytes", r.file_bytes},
          {"step", c.step},
          {"seed", c.seed},
          {"dataset", r.model.config.data.dataset},
          {"tokenizer", tokenizer},
          {"recipe", c.recipe_text},
          {"parameters", r.model.model->num_parameters()},
          {"modules", modules},
          {"arch", enum_name(r.model.config.model.arch)},
          {"flops_per_token", flops},
          {"contents",
           {{"model", {{"tensors", r.weights.tensors}, {"bytes", r.weights.bytes}}},
            {"optimizer",
             {{"present", c.has_optimizer}, {"tensors", r.optimizer.tensors}, {"bytes", r.optimizer.bytes}}},
            {"sampler_state", c.sampler_state},
            {"elapsed_s", c.elapsed_s},
            {"config_bytes", c.config_yaml.size()},
            {"recipe_bytes", c.recipe_text.size()},
            {"tokenizer_bytes", c.tokenizer.size()}}}};
}

}  // namespace

void register_inspect(CLI::App& app) {
  struct Args {
    std::string checkpoint;
    bool json = false;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand("inspect", "Describe a checkpoint: step, tokenizer, parameters, FLOPs, contents");
  cmd->add_option("checkpoint", args->checkpoint, "checkpoint file (.h5)")->required();
  cmd->add_flag("--json", args->json, "print one JSON object instead of the text");
  cmd->callback([args] {
    const Report r = make_report(args->checkpoint);
    if (args->json)  // a recipe that is not UTF-8 prints with replacement characters rather than failing
      std::cout << to_json(r).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << std::endl;
    else
      print_text(r, std::cout);
  });
}

}  // namespace sf::cli
