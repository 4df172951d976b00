// seqforge generate CKPT [--prompt TEXT | --prompt-file FILE] --tokens N --temperature T --top-k K --top-p P
//                        --num-samples N --seed S [--no-cache]
// The text goes to stdout; the closing speed line ("generated ... tok/s, KV cache") to stderr, so that a
// redirected stdout holds the text alone.
#include <chrono>
#include <iomanip>
#include <iostream>

#include "config/loader.h"
#include "core/parallel.h"
#include "tools/commands.h"
#include "train/generate.h"
#include "train/session.h"

namespace sf::cli {

void register_generate(CLI::App& app) {
  struct Args {
    std::string checkpoint, prompt = "\n", prompt_file;
    int64_t num_samples = 1;
    bool no_cache = false;
    SampleOptions sample;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand("generate", "Sample text from a checkpoint");
  cmd->add_option("checkpoint", args->checkpoint, "checkpoint file (.h5)")->required();
  CLI::Option* prompt = cmd->add_option("--prompt", args->prompt, "text to continue (default: a newline)");
  CLI::Option* prompt_file =
      cmd->add_option("--prompt-file", args->prompt_file, "continue the text of this file (instead of --prompt)");
  cmd->add_option("--tokens", args->sample.tokens, "tokens to generate")->capture_default_str();
  cmd->add_option("--temperature", args->sample.temperature, "softmax temperature; 0 = greedy (the most likely token)")
      ->capture_default_str();
  cmd->add_option("--top-k", args->sample.top_k, "sample among the k most likely tokens; 0 = all")
      ->capture_default_str();
  cmd->add_option("--top-p", args->sample.top_p,
                  "nucleus sampling, after --top-k: keep the most likely tokens until their probabilities sum to P; "
                  "1 = all")
      ->capture_default_str();
  cmd->add_option("--num-samples", args->num_samples,
                  "independent samples, each from its own random stream of --seed, separated by a line of dashes")
      ->capture_default_str();
  cmd->add_option("--seed", args->sample.seed, "random seed")->capture_default_str();
  cmd->add_flag("--no-cache", args->no_cache,
                "recompute the text for every token instead of stepping with the KV cache (or recurrent state): "
                "slower, the reference for comparison");
  cmd->callback([args, prompt, prompt_file] {
    // Every option before the checkpoint is read: a typo costs no loading time.
    SF_CHECK(prompt->count() == 0 || prompt_file->count() == 0,
             "--prompt and --prompt-file both given: the prompt comes from one of them");
    args->sample.cache = !args->no_cache;
    check_sample_options(args->sample);
    SF_CHECK(args->num_samples >= 1, "--num-samples must be >= 1, got ", args->num_samples);
    const bool from_file = prompt_file->count() > 0;
    const std::string text = from_file ? read_text(args->prompt_file, "--prompt-file") : args->prompt;
    const std::string source = from_file ? "--prompt-file " + args->prompt_file : "--prompt \"" + args->prompt + "\"";
    LoadedModel m = load_model(args->checkpoint);
    SequenceModel& model = m.sequence_model(detail::cat("seqforge generate ", args->checkpoint));
    SF_CHECK(m.tokenizer, args->checkpoint, ": the model was trained on a synthetic task; it has no text to generate");
    set_num_threads(static_cast<int>(m.config.train.threads));
    use_matmul_precision(m.config.train.matmul_precision);
    std::vector<int32_t> ids;
    try {  // the whole prompt before printing any of it
      ids = m.tokenizer->encode(text);
    } catch (const Error& e) {
      throw Error(detail::cat(source, ": ", e.what(), " (", args->checkpoint, ")"));
    }
    SF_CHECK(!ids.empty(), source, ": the prompt is empty; give at least one token to continue");
    const auto start = std::chrono::steady_clock::now();
    for (int64_t i = 0; i < args->num_samples; ++i) {
      if (i > 0) std::cout << "---------------\n";  // nanoGPT's sample.py separator
      std::cout << text << std::flush;
      SampleOptions options = args->sample;
      options.stream = static_cast<uint32_t>(i);
      sample(model, ids, options, [&](int32_t id) { std::cout << m.tokenizer->decode({id}) << std::flush; });
      std::cout << std::endl;
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const int64_t total = args->num_samples * args->sample.tokens;
    const GenerationPath path =
        generation_path(model, static_cast<int64_t>(ids.size()) + args->sample.tokens, args->sample.cache);
    std::cerr << "generated " << total << " tokens in " << std::fixed << std::setprecision(2) << seconds << " s ("
              << std::setprecision(0) << (seconds > 0 ? static_cast<double>(total) / seconds : 0.0) << " tok/s, "
              << path_name(model, path) << ")" << std::endl;
  });
}

}  // namespace sf::cli
