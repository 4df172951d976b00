// seqforge generate CKPT --prompt TEXT --tokens N --temperature T --top-k K --seed S
#include <iostream>

#include "core/parallel.h"
#include "tools/commands.h"
#include "train/generate.h"
#include "train/session.h"

namespace sf::cli {

void register_generate(CLI::App& app) {
  struct Args {
    std::string checkpoint, prompt = "\n";
    SampleOptions sample;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand("generate", "Sample text from a checkpoint");
  cmd->add_option("checkpoint", args->checkpoint, "checkpoint file (.h5)")->required();
  cmd->add_option("--prompt", args->prompt, "text to continue (default: a newline)");
  cmd->add_option("--tokens", args->sample.tokens, "tokens to generate")->capture_default_str();
  cmd->add_option("--temperature", args->sample.temperature, "softmax temperature")->capture_default_str();
  cmd->add_option("--top-k", args->sample.top_k, "sample among the k most likely tokens; 0 = all")
      ->capture_default_str();
  cmd->add_option("--seed", args->sample.seed, "random seed")->capture_default_str();
  cmd->callback([args] {
    LoadedModel m = load_model(args->checkpoint);
    SF_CHECK(m.tokenizer, args->checkpoint, ": the model was trained on a synthetic task; it has no text to generate");
    set_num_threads(static_cast<int>(m.config.train.threads));
    use_matmul_precision(m.config.train.matmul_precision);
    std::vector<int32_t> prompt;
    try {  // the whole prompt before printing any of it
      prompt = m.tokenizer->encode(args->prompt);
    } catch (const Error& e) {
      throw Error(detail::cat("--prompt \"", args->prompt, "\": ", e.what(), " (", args->checkpoint, ")"));
    }
    std::cout << args->prompt << std::flush;
    sample(*m.model, std::move(prompt), args->sample, [&](int32_t id) {
      std::cout << m.tokenizer->decode({id}) << std::flush;
    });
    std::cout << std::endl;
  });
}

}  // namespace sf::cli
