#include "tools/bench_memory.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <functional>
#include <iostream>
#include <map>

#include <yaml-cpp/yaml.h>

#include "config/loader.h"
#include "core/allocator.h"
#include "core/parallel.h"
#include "layers/adapters/attach.h"
#include "layers/sequence_model.h"
#include "optim/factory.h"
#include "optim/mezo.h"
#include "tools/bench_common.h"
#include "train/data_source.h"
#include "train/metrics.h"
#include "train/train_step.h"

namespace sf::cli {
namespace {

struct MemoryScenario {
  std::string name, recipe;
  std::vector<std::string> overrides, methods;
  int64_t threads = 2;
};

MemoryScenario load(const std::string& path) {
  const YAML::Node n = YAML::LoadFile(path);
  SF_CHECK(n.IsMap(), path, ": a scenario is a map (name, recipe, overrides, threads, memory)");
  MemoryScenario s;
  for (const auto& kv : n) {
    const std::string key = kv.first.as<std::string>();
    if (key == "name") s.name = kv.second.as<std::string>();
    else if (key == "recipe") s.recipe = kv.second.as<std::string>();
    else if (key == "overrides") s.overrides = kv.second.as<std::vector<std::string>>();
    else if (key == "threads") s.threads = kv.second.as<int64_t>();
    else if (key == "memory") s.methods = kv.second.as<std::vector<std::string>>();
    else SF_CHECK(false, path, ": unknown key '", key, "' in a memory scenario (name, recipe, overrides, threads, memory)");
  }
  SF_CHECK(!s.recipe.empty(), path, ": 'recipe' is required");
  SF_CHECK(s.threads > 0, path, ": need threads > 0");
  if (s.name.empty()) s.name = std::filesystem::path(path).stem().string();
  return s;
}

// What one row measures: the model, its batch and the recipe it was built from.
struct Subject {
  SequenceModel& model;
  const Batch& batch;
  const RunConfig& config;
};

// One step of a method whose optimizer (and its state) is made inside the measurement.
void optimizer_step(const Subject& s, OptimizerKind kind) {
  RunConfig c = s.config;
  c.optim.name = kind;
  auto optimizer = make_optimizer(c.optim, s.model.named_parameters(), s.model.parameter_hints());
  auto step = make_train_step(c, StepContext{s.model, *optimizer, [&s] { return s.batch; },
                                             static_cast<uint64_t>(c.train.seed), 1});
  step->prepare(0);
  step->apply(c.optim.lr);
  optimizer->zero_grad();
}

// One AdamW step with LoRA q,v r=4 (spec defaults) on the model, which gets its adapters for this step only.
void lora_step(const Subject& s) {
  std::vector<bool> trainable;
  for (const Variable& p : s.model.parameters()) trainable.push_back(p.requires_grad());
  AdapterConfig lora;
  lora.kind = AdapterKind::lora;
  apply_adapter_config(s.model, lora, static_cast<uint64_t>(s.config.train.seed));
  optimizer_step(s, OptimizerKind::adamw);
  drop_adapters(s.model);
  size_t i = 0;
  for (Variable p : s.model.parameters()) p.set_requires_grad(trainable[i++]);
}

// The methods a scenario may list. A new method is one more row.
const std::map<std::string, std::function<void(const Subject&)>>& methods() {
  static const std::map<std::string, std::function<void(const Subject&)>> table{
      {"no_grad_forward", [](const Subject& s) { evaluate(s.model, {s.batch}, false); }},
      {"mezo", [](const Subject& s) { optimizer_step(s, OptimizerKind::mezo); }},
      {"backprop_adamw", [](const Subject& s) { optimizer_step(s, OptimizerKind::adamw); }},
      {"lora_adamw", lora_step},
  };
  return table;
}

// Peak bytes in use while `f` runs (everything alive counts: parameters, the batch).
size_t peak_of(const std::function<void()>& f) {
  Allocator& alloc = cpu_allocator();
  alloc.reset_peak();
  f();
  return alloc.stats().peak_bytes_in_use;
}

double mib(double bytes) { return bytes / (1 << 20); }

}  // namespace

bool is_memory_scenario(const std::string& path) {
  SF_CHECK(std::filesystem::exists(path), "bench: scenario file ", path, " not found");
  const YAML::Node n = YAML::LoadFile(path);
  return n.IsMap() && n["memory"];
}

void run_memory_bench(const std::string& path, int64_t threads) {
  MemoryScenario s = load(path);
  if (threads > 0) s.threads = threads;
  for (const std::string& m : s.methods)
    SF_CHECK(methods().count(m), path, ": memory: unknown method '", m, "' (no_grad_forward, mezo, backprop_adamw, lora_adamw)");
  RunConfig cfg = load_run_config(s.recipe, s.overrides).config;
  SF_CHECK(cfg.model.arch == ModelArch::sequence, path, ": memory scenarios measure a sequence model; ", s.recipe,
           " has model.arch: autoencoder");
  if (cfg.model.vocab_size == 0) cfg.model.vocab_size = 256;  // bytes
  set_num_threads(static_cast<int>(s.threads));
  const ModelConfig& mc = cfg.model;
  const int64_t B = cfg.train.batch_size, T = cfg.train.seq_len;
  SequenceModel model(mc);
  model.init_parameters(static_cast<uint64_t>(cfg.train.seed));
  model.train();
  std::mt19937_64 gen(0);
  const Batch batch = random_batch(gen, B, T, mc.vocab_size);
  const Subject subject{model, batch, cfg};
  const double params = static_cast<double>(model.num_parameters());
  std::cout << "scenario " << s.name << " (" << s.recipe << "): " << mc.n_layer << "L/" << mc.n_head << "H/" << mc.n_embd
            << ", ctx " << T << ", batch " << B << ", vocab " << mc.vocab_size << ", fp32; " << params
            << " parameters; threads " << s.threads << "\n";

  // Once untimed first, so that anything a first run keeps (lazily made buffers) counts as resident, not as a peak.
  for (const auto& [name, f] : methods()) f(subject);
  Allocator& alloc = cpu_allocator();
  const double resident = static_cast<double>(alloc.stats().bytes_in_use);  // parameters and the batch
  // Saved activations: what the tape holds once a forward with gradients is done.
  double saved = 0;
  {
    Variable loss = model.loss(batch.x, batch.y);
    saved = static_cast<double>(alloc.stats().bytes_in_use) - resident;
  }
  std::map<std::string, double> peak;
  std::vector<std::pair<std::string, double>> fields{{"params", params}, {"resident_bytes", resident},
                                                     {"saved_activation_bytes", saved}};
  for (const std::string& m : s.methods) {
    peak[m] = static_cast<double>(peak_of([&] { methods().at(m)(subject); }));
    std::cout << m << ": peak " << mib(peak[m]) << " MiB\n";
    fields.emplace_back("peak_bytes_" + m, peak[m]);
  }
  std::cout << "resident before each step (parameters, batch) " << mib(resident) << " MiB; saved activations "
            << mib(saved) << " MiB\n";
  if (peak.count("no_grad_forward") && peak.count("mezo")) {
    const double a = peak["no_grad_forward"], b = peak["mezo"];
    const double bar = a * 1.01 + static_cast<double>(kMezoChunk) * 4;
    std::cout << "mezo over the no-grad forward: " << mib(b - a) << " MiB (bar: <= 1% + one z chunk = "
              << mib(bar - a) << " MiB): " << (b <= bar ? "ok" : "OVER") << "\n";
    fields.emplace_back("mezo_within_forward_bar", b <= bar ? 1 : 0);
  }
  if (peak.count("no_grad_forward") && peak.count("mezo") && peak.count("backprop_adamw")) {
    const double measured = peak["backprop_adamw"] / peak["mezo"];
    const double transient = peak["no_grad_forward"] - resident;  // the forward's own working memory
    const double predicted = (params * (4 + 4 + 8) + saved) / (params * 4 + transient);
    std::cout << "backprop_adamw / mezo: measured " << measured << "x, predicted " << predicted
              << "x (params*(4+4+8) + saved activations over params*4 + forward transient; within 20%: "
              << (std::abs(measured / predicted - 1) <= 0.2 ? "ok" : "NO") << "); the MeZO paper: 7-12x (OPT 1.3B-30B, fp16)\n";
    fields.emplace_back("ratio_measured", measured);
    fields.emplace_back("ratio_predicted", predicted);
  }
  fields.emplace_back("threads", static_cast<double>(s.threads));
  std::cout << "{\"scenario\": \"" << s.name << "\", " << json_line(fields).substr(1) << std::endl;
}

}  // namespace sf::cli
