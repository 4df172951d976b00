// seqforge bench SCENARIO [--peer torch] [--steps N] [--warmup N] [--threads N]: training-step throughput of a recipe's
// model. Prints the GEMM limit this binary reaches (1024³ fp32 through sf::matmul, all threads), the median
// tokens/s of timed steps (zero_grad + forward + loss + backward + clip + optimizer step, after warm-up),
// model FLOP/s (nanoGPT's estimate, train/model_flops.h: 6·params + 12·n_layer·d·ctx per token over the
// attention blocks, params without position embeddings) and its fraction of the GEMM limit, allocations
// that reached the OS during timed steps, the measured peak memory of the attention op at two lengths, and
// peak resident memory. With --peer torch, tools/bench/torch_peer.py runs the same model in PyTorch right
// after and the ratio is printed.
// The step is train/train_step.h's, the one `seqforge train` runs. Block scenarios (tools/bench_blocks.h) time single
// mixer blocks; memory scenarios (tools/bench_memory.h) measure the peak memory of one step per method.
// The last line is one JSON object. Scenarios are YAML files under tools/bench/ (see README there).
#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <random>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include "autograd/functions.h"
#include "autograd/fused_attention.h"
#include "config/loader.h"
#include "core/allocator.h"
#include "core/cpu/attention.h"
#include "core/cpu/blas.h"
#include "core/parallel.h"
#include "core/rng.h"
#include "layers/sequence_model.h"
#include "optim/factory.h"
#include "tools/bench_blocks.h"
#include "tools/bench_common.h"
#include "tools/bench_memory.h"
#include "tools/commands.h"
#include "train/metrics.h"
#include "train/model_flops.h"
#include "train/session.h"
#include "train/train_step.h"

namespace sf::cli {
namespace {

using Clock = std::chrono::steady_clock;

struct Scenario {
  std::string name, recipe;
  std::vector<std::string> overrides;
  int64_t threads = 2, warmup = 3, steps = 10;
  std::vector<int64_t> attention_lengths{1024, 4096};
};

Scenario load_scenario(const std::string& path) {
  SF_CHECK(std::filesystem::exists(path), "bench: scenario file ", path, " not found");
  YAML::Node n = YAML::LoadFile(path);
  SF_CHECK(n.IsMap(), path, ": a scenario is a map (name, recipe, overrides, threads, warmup, steps)");
  Scenario s;
  for (const auto& kv : n) {
    const std::string key = kv.first.as<std::string>();
    if (key == "name") s.name = kv.second.as<std::string>();
    else if (key == "recipe") s.recipe = kv.second.as<std::string>();
    else if (key == "overrides") s.overrides = kv.second.as<std::vector<std::string>>();
    else if (key == "threads") s.threads = kv.second.as<int64_t>();
    else if (key == "warmup") s.warmup = kv.second.as<int64_t>();
    else if (key == "steps") s.steps = kv.second.as<int64_t>();
    else if (key == "attention_lengths") s.attention_lengths = kv.second.as<std::vector<int64_t>>();
    else SF_CHECK(false, path, ": unknown key '", key, "' (name, recipe, overrides, threads, warmup, steps, attention_lengths)");
  }
  SF_CHECK(!s.recipe.empty(), path, ": 'recipe' is required");
  SF_CHECK(s.threads > 0 && s.steps > 0 && s.warmup >= 0, path, ": need threads > 0, steps > 0, warmup >= 0");
  if (s.name.empty()) s.name = std::filesystem::path(path).stem().string();
  return s;
}

Tensor random_tensor(const Shape& shape, uint64_t seed) {
  Tensor t = empty(shape, DType::f32);
  rng_normal(t.data<float>(), t.numel(), RngStream{seed, 0, 0});
  return t;
}

// FLOP/s of a 1024³ float32 product through the GEMM path every Linear uses (at the matmul precision set).
double gemm_limit() {
  const Tensor a = random_tensor({1024, 1024}, 1), b = random_tensor({1024, 1024}, 2);
  std::vector<double> times;
  for (int i = 0; i < 8; ++i) {
    const auto t0 = Clock::now();
    Tensor c = matmul(a, b);
    if (i > 0) times.push_back(std::chrono::duration<double>(Clock::now() - t0).count());
  }
  return 2.0 * 1024 * 1024 * 1024 / median(times);
}

// Allocator peak, beyond q, k, v, of flash attention forward + backward for (1, H, L, d_h).
size_t attention_peak(int64_t heads, int64_t length, int64_t head_dim) {
  Variable q(random_tensor({1, heads, length, head_dim}, 3), true), k(random_tensor({1, heads, length, head_dim}, 4), true),
      v(random_tensor({1, heads, length, head_dim}, 5), true);
  Allocator& alloc = cpu_allocator();
  alloc.reset_peak();
  const size_t base = alloc.stats().bytes_in_use;
  sum(flash_attention(q, k, v)).backward();
  return alloc.stats().peak_bytes_in_use - base;
}

std::string env_or(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v ? v : fallback;
}


}  // namespace

void register_bench(CLI::App& app) {
  struct Args {
    std::string scenario, peer, peer_script, json_out;
    int64_t steps = -1, warmup = -1, threads = -1;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand("bench", "Time training steps of a scenario (tools/bench/*.yaml); last line JSON");
  cmd->add_option("scenario", args->scenario, "scenario file (tools/bench/*.yaml)")->required();
  cmd->add_option("--peer", args->peer, "also run the same model in a peer framework: torch")
      ->check(CLI::IsMember({"torch"}));
  cmd->add_option("--peer-script", args->peer_script,
                  "the PyTorch peer script (default tools/bench/torch_peer.py, or torch_mixers.py for block scenarios)");
  cmd->add_option("--json-out", args->json_out, "block scenarios: also write the JSON lines to this file");
  cmd->add_option("--steps", args->steps, "timed steps (default: the scenario's)");
  cmd->add_option("--warmup", args->warmup, "untimed steps first (default: the scenario's)");
  cmd->add_option("--threads", args->threads, "threads for both programs (default: the scenario's)");
  cmd->callback([args] {
    if (is_block_scenario(args->scenario))
      return run_block_bench(args->scenario, args->peer, args->peer_script, args->threads, args->json_out);
    if (is_memory_scenario(args->scenario)) {
      SF_CHECK(args->peer.empty() && args->json_out.empty(), "bench: ", args->scenario,
               " is a memory scenario: it takes --threads only");
      return run_memory_bench(args->scenario, args->threads);
    }
    SF_CHECK(args->json_out.empty(), "bench: --json-out is for block scenarios (", args->scenario, " is a model scenario)");
    if (args->peer_script.empty()) args->peer_script = "tools/bench/torch_peer.py";
    Scenario s = load_scenario(args->scenario);
    if (args->steps > 0) s.steps = args->steps;
    if (args->warmup >= 0) s.warmup = args->warmup;
    if (args->threads > 0) s.threads = args->threads;
    RunConfig cfg = load_run_config(s.recipe, s.overrides).config;
    SF_CHECK(cfg.model.arch == ModelArch::sequence, "bench: scenario ", s.name, " (", s.recipe,
             "): model scenarios time a sequence model's tokens per second; model.arch: autoencoder is timed by "
             "`seqforge train` (ms/step in its log and metrics.jsonl)");
    if (cfg.model.vocab_size == 0) cfg.model.vocab_size = 65;  // the char vocabulary of tinyshakespeare
    set_num_threads(static_cast<int>(s.threads));
    use_matmul_precision(cfg.train.matmul_precision);
    const bool bf16 = cfg.train.matmul_precision == Precision::bf16;
    const ModelConfig& mc = cfg.model;
    const int64_t B = cfg.train.batch_size, T = cfg.train.seq_len, V = mc.vocab_size;
    std::cout << "scenario " << s.name << " (" << s.recipe << "): " << mc.n_layer << "L/" << mc.n_head << "H/"
              << mc.n_embd << ", ctx " << T << ", batch " << B << ", vocab " << V << "; threads " << s.threads
              << ", OPENBLAS_CORETYPE=" << env_or("OPENBLAS_CORETYPE", "(unset)") << ", OMP_NUM_THREADS="
              << env_or("OMP_NUM_THREADS", "(unset)") << "\n";

    const double limit = gemm_limit();
    std::cout << "GEMM limit (1024^3, " << (bf16 ? "bf16" : "fp32") << " operands, " << s.threads << " threads, " << cpu::gemm_backend_name()
              << "; SF_GEMM=onednn|openblas|eigen picks one): " << limit / 1e9 << " GFLOP/s\n";

    auto shared_model = std::make_shared<SequenceModel>(mc);  // MKOR hooks into the model's layers
    SequenceModel& model = *shared_model;
    model.init_parameters(static_cast<uint64_t>(cfg.train.seed));
    model.train();
    auto optimizer = make_optimizer(cfg.optim, shared_model, cfg.train.grad_accum);
    const FlopsPerToken estimate = flops_per_token(model, T);

    std::mt19937_64 gen(0);
    Batch batch;  // drawn before each timed step, handed to it by next_batch
    auto step = make_train_step(cfg, StepContext{model, *optimizer, [&batch] { return batch; },
                                                 static_cast<uint64_t>(cfg.train.seed), s.warmup + s.steps});
    std::vector<double> times;
    AllocatorStats before{};
    double loss = 0;
    for (int64_t it = 0; it < s.warmup + s.steps; ++it) {
      batch = random_batch(gen, B, T, V);
      if (it == s.warmup) before = cpu_allocator().stats();
      const auto t0 = Clock::now();
      loss = step->prepare(it).loss;
      step->apply(cfg.optim.lr);
      if (it >= s.warmup) times.push_back(std::chrono::duration<double>(Clock::now() - t0).count());
    }
    const AllocatorStats after = cpu_allocator().stats();
    const double step_s = median(times), tokens_per_s = static_cast<double>(B * T) / step_s;
    const double model_flops = estimate.training * tokens_per_s;
    const int64_t rss = peak_rss_bytes();
    std::cout << "params " << estimate.matmul_params << " (no position embeddings), " << estimate.training * B * T / 1e9
              << " GFLOP/step; median step " << step_s * 1e3 << " ms over " << s.steps << " steps (min "
              << *std::min_element(times.begin(), times.end()) * 1e3 << " ms), loss " << loss << "\n";
    std::cout << "seqforge: " << tokens_per_s << " tok/s, " << model_flops / 1e9 << " model GFLOP/s = "
              << 100.0 * model_flops / limit << "% of the GEMM limit; peak RSS " << rss / (1 << 20) << " MiB\n";
    std::cout << "allocator during timed steps: " << after.allocations - before.allocations << " allocations, "
              << after.os_allocations - before.os_allocations << " from the OS\n";

    std::vector<std::pair<std::string, double>> fields{{"tokens_per_s", tokens_per_s},
                                                       {"model_flops_per_s", model_flops},
                                                       {"gemm_limit_flops_per_s", limit},
                                                       {"peak_rss_bytes", static_cast<double>(rss)}};
    if (s.attention_lengths.size() == 2) {
      const int64_t h = mc.n_head, dh = mc.n_embd / mc.n_head, l0 = s.attention_lengths[0], l1 = s.attention_lengths[1];
      const size_t p0 = attention_peak(h, l0, dh), p1 = attention_peak(h, l1, dh);
      const double growth = static_cast<double>(p1) / (static_cast<double>(p0) * static_cast<double>(l1) / l0);
      std::cout << "attention op peak (fwd+bwd, 1x" << h << " heads x d_h " << dh << "): ctx " << l0 << " "
                << p0 / 1024 << " KiB, ctx " << l1 << " " << p1 / 1024 << " KiB = " << growth
                << " x linear (the kernels' own bound, flash_attention_peak_bytes, without the incoming gradient: " << cpu::flash_attention_peak_bytes(1, h, l1, dh, DType::f32, num_threads()) / 1024
                << " KiB at ctx " << l1 << ")\n";
      fields.emplace_back("attention_peak_bytes_short", static_cast<double>(p0));
      fields.emplace_back("attention_peak_bytes_long", static_cast<double>(p1));
    }

    if (args->peer == "torch") {
      std::ostringstream c;
      c << torch_env(s.threads) << "/usr/bin/python3 " << args->peer_script << " --n-layer "
        << mc.n_layer << " --n-head " << mc.n_head << " --n-embd " << mc.n_embd << " --ctx " << T << " --batch " << B
        << " --vocab " << V << " --bias " << (mc.bias ? 1 : 0) << " --threads " << s.threads << " --warmup "
        << s.warmup << " --steps " << s.steps << " --lr " << cfg.optim.lr << " --beta1 " << cfg.optim.beta1
        << " --beta2 " << cfg.optim.beta2 << " --weight-decay " << cfg.optim.weight_decay << " --clip "
        << cfg.optim.grad_clip << " --autocast " << (bf16 ? "bf16" : "none");
      if (const std::string why = torch_peer_unavailable(args->peer_script); !why.empty()) {
        std::cout << "peer torch: skipped (" << why << ")\n";
      } else {
        std::string out;
        SF_CHECK(run_capture(c.str(), out), "bench: the PyTorch peer failed: ", c.str(), "\n", out);
        const std::string line = out.substr(out.rfind('{'));
        const double peer_tps = json_number(line, "tokens_per_s");
        std::cout << "peer torch (OpenBLAS openmp, OPENBLAS_CORETYPE=SkylakeX, " << s.threads << " threads"
                  << (bf16 ? ", autocast bf16 (oneDNN GEMMs)" : "") << "): "
                  << peer_tps << " tok/s, " << json_number(line, "model_flops_per_s") / 1e9 << " model GFLOP/s, GEMM "
                  << json_number(line, "gemm_limit_flops_per_s") / 1e9 << " GFLOP/s, peak RSS "
                  << json_number(line, "peak_rss_bytes") / (1 << 20) << " MiB\n";
        std::cout << "ratio seqforge / torch: " << tokens_per_s / peer_tps << "\n";
        fields.emplace_back("peer_tokens_per_s", peer_tps);
        fields.emplace_back("ratio", tokens_per_s / peer_tps);
      }
    }
    fields.emplace_back("threads", static_cast<double>(s.threads));
    std::cout << "{\"scenario\": \"" << s.name << "\", " << json_line(fields).substr(1) << std::endl;
  });
}

}  // namespace sf::cli
