#include "tools/bench_blocks.h"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include "autograd/functions.h"
#include "config/loader.h"
#include "core/parallel.h"
#include "core/rng.h"
#include "layers/transformer_block.h"
#include "tools/bench_common.h"

namespace sf::cli {
namespace {

using Clock = std::chrono::steady_clock;

struct BlockScenario {
  std::string name;
  std::vector<std::pair<std::string, std::vector<std::string>>> blocks;  // mixer -> its config overrides
  std::vector<std::string> overrides;                                    // for every block
  std::vector<int64_t> lengths{512, 1024, 2048, 4096, 8192, 16384};
  int64_t batch = 1, threads = 2, warmup = 2, reps = 7, min_reps = 3, attention_max_length = 8192;
  double point_budget_s = 15.0;
  std::vector<std::string> peer_args;  // passed to the peer as they are (its block sizes: --gam-slots 256 ...)
  std::map<std::string, std::string> peer_blocks;  // mixer -> the peer's name for its block, where they differ

  const std::string& peer_name(const std::string& mixer) const {
    const auto it = peer_blocks.find(mixer);
    return it == peer_blocks.end() ? mixer : it->second;
  }
};

BlockScenario load(const std::string& path) {
  YAML::Node n = YAML::LoadFile(path);
  SF_CHECK(n.IsMap(), path, ": a scenario is a map");
  BlockScenario s;
  s.name = std::filesystem::path(path).stem().string();
  const char* known = "name, blocks, overrides, lengths, batch, threads, warmup, reps, min_reps, point_budget_s, "
                      "attention_max_length, peer_args, peer_blocks";
  for (const auto& kv : n) {
    const std::string key = kv.first.as<std::string>();
    const YAML::Node& v = kv.second;
    if (key == "name") s.name = v.as<std::string>();
    else if (key == "blocks") {
      SF_CHECK(v.IsMap() && v.size() > 0, path, ": 'blocks' maps each mixer to its overrides ({gam: [model.gam.slots=256]})");
      for (const auto& b : v) s.blocks.emplace_back(b.first.as<std::string>(), b.second.IsNull() ? std::vector<std::string>{} : b.second.as<std::vector<std::string>>());
    } else if (key == "overrides") s.overrides = v.as<std::vector<std::string>>();
    else if (key == "lengths") s.lengths = v.as<std::vector<int64_t>>();
    else if (key == "batch") s.batch = v.as<int64_t>();
    else if (key == "threads") s.threads = v.as<int64_t>();
    else if (key == "warmup") s.warmup = v.as<int64_t>();
    else if (key == "reps") s.reps = v.as<int64_t>();
    else if (key == "min_reps") s.min_reps = v.as<int64_t>();
    else if (key == "point_budget_s") s.point_budget_s = v.as<double>();
    else if (key == "attention_max_length") s.attention_max_length = v.as<int64_t>();
    else if (key == "peer_args") s.peer_args = v.as<std::vector<std::string>>();
    else if (key == "peer_blocks") s.peer_blocks = v.as<std::map<std::string, std::string>>();
    else SF_CHECK(false, path, ": unknown key '", key, "' (", known, ")");
  }
  SF_CHECK(!s.blocks.empty(), path, ": 'blocks' is required");
  SF_CHECK(!s.lengths.empty() && s.batch > 0 && s.threads > 0 && s.warmup >= 1 && s.min_reps >= 1 &&
               s.reps >= s.min_reps && s.point_budget_s > 0,
           path, ": need lengths, batch > 0, threads > 0, warmup >= 1, 1 <= min_reps <= reps, point_budget_s > 0");
  for (int64_t L : s.lengths) SF_CHECK(L > 0, path, ": lengths must be positive, got ", L);
  return s;
}

Tensor random_normal(const Shape& shape, uint64_t seed) {
  Tensor t = empty(shape, DType::f32);
  rng_normal(t.data<float>(), t.numel(), RngStream{seed, 0, 0});
  return t;
}

struct Point {
  double ms = 0, ms_min = 0, tokens_per_s = 0;
  int64_t reps = 0, params = 0;
};

Point time_block(const ModelConfig& c, const BlockScenario& s, int64_t L) {
  TransformerBlock block(c, 0);
  block.init_parameters(0);
  block.train();
  block.set_rng_step(0, 0);
  const int64_t D = c.n_embd;
  Variable x(random_normal({s.batch, L, D}, 1), true);
  const Tensor g = random_normal({s.batch, L, D}, 2);  // out.backward(g): the gradient of sum(out ⊙ g), as the peer
  const std::vector<Variable> params = block.parameters();
  const auto one = [&] {
    for (Variable p : params) p.zero_grad();
    x.zero_grad();
    const auto t0 = Clock::now();
    block.forward(x).backward(g);
    return std::chrono::duration<double>(Clock::now() - t0).count();
  };
  double last = 0;
  for (int64_t i = 0; i < s.warmup; ++i) last = one();
  const int64_t reps = std::clamp<int64_t>(static_cast<int64_t>(s.point_budget_s / last), s.min_reps, s.reps);
  std::vector<double> times;
  for (int64_t i = 0; i < reps; ++i) times.push_back(one());
  Point p;
  p.ms = median(times) * 1e3;
  p.ms_min = *std::min_element(times.begin(), times.end()) * 1e3;
  p.tokens_per_s = static_cast<double>(s.batch * L) / (p.ms / 1e3);
  p.reps = reps;
  p.params = block.num_parameters();
  return p;
}

std::string json_of(const std::string& program, const std::string& block, int64_t L, const Point& p, const BlockScenario& s) {
  std::ostringstream o;
  o << std::setprecision(10) << "{\"program\": \"" << program << "\", \"block\": \"" << block << "\", \"L\": " << L
    << ", \"tokens_per_s\": " << p.tokens_per_s << ", \"ms\": " << p.ms << ", \"ms_min\": " << p.ms_min
    << ", \"reps\": " << p.reps << ", \"params\": " << p.params << ", \"B\": " << s.batch << ", \"threads\": " << s.threads
    << "}";
  return o.str();
}

}  // namespace

bool is_block_scenario(const std::string& path) {
  SF_CHECK(std::filesystem::exists(path), "bench: scenario file ", path, " not found");
  const YAML::Node n = YAML::LoadFile(path);
  return n.IsMap() && n["blocks"];
}

void run_block_bench(const std::string& path, const std::string& peer, std::string peer_script, int64_t threads,
                     const std::string& json_out) {
  BlockScenario s = load(path);
  if (threads > 0) s.threads = threads;
  if (peer_script.empty()) peer_script = "tools/bench/torch_mixers.py";
  set_num_threads(static_cast<int>(s.threads));
  // Configs first, so that a bad override fails before anything is timed.
  std::vector<std::pair<std::string, ModelConfig>> configs;
  for (const auto& [mixer, extra] : s.blocks) {
    std::vector<std::string> o = s.overrides;
    o.push_back("model.mixer=" + mixer);
    o.insert(o.end(), extra.begin(), extra.end());
    ModelConfig c = run_config_from_yaml("{}", path + " (block " + mixer + ")", o).model;
    c.n_layer = 1;
    c.dropout = 0.0;
    configs.emplace_back(mixer, c);
  }
  std::cout << "block scenario " << s.name << ": B " << s.batch << ", D " << configs.front().second.n_embd
            << ", threads " << s.threads << ", lengths";
  for (int64_t L : s.lengths) std::cout << " " << L;
  std::cout << "\n";

  std::map<std::pair<std::string, int64_t>, Point> ours, theirs;
  std::vector<std::string> json_lines;
  for (auto& [mixer, c] : configs) {
    for (int64_t L : s.lengths) {
      if (mixer == "attention" && L > s.attention_max_length) continue;
      c.block_size = L;
      const Point p = time_block(c, s, L);
      ours[{mixer, L}] = p;
      json_lines.push_back(json_of("seqforge", mixer, L, p, s));
      std::cout << "seqforge " << std::left << std::setw(10) << mixer << " L=" << std::setw(6) << L << std::right
                << " median " << std::fixed << std::setprecision(1) << std::setw(9) << p.ms << " ms (n=" << p.reps
                << ") -> " << std::setw(9) << std::setprecision(0) << p.tokens_per_s << " tok/s, params " << p.params
                << std::defaultfloat << std::setprecision(6) << std::endl;
    }
  }

  if (peer == "torch") {
    if (const std::string why = torch_peer_unavailable(peer_script); !why.empty()) {
      std::cout << "peer torch: skipped (" << why << ")\n";
    } else {
      std::ostringstream cmd, which, lengths;
      for (size_t i = 0; i < configs.size(); ++i) which << (i ? "," : "") << s.peer_name(configs[i].first);
      for (size_t i = 0; i < s.lengths.size(); ++i) lengths << (i ? "," : "") << s.lengths[i];
      cmd << torch_env(s.threads) << "/usr/bin/python3 " << peer_script << " --json --threads " << s.threads
          << " --which " << which.str() << " --L " << lengths.str() << " --batch " << s.batch << " --d-model "
          << configs.front().second.n_embd << " --attn-max-L " << s.attention_max_length << " --warmup " << s.warmup
          << " --reps " << s.reps << " --min-reps " << s.min_reps << " --point-budget-s " << s.point_budget_s;
      for (const std::string& a : s.peer_args) cmd << " " << a;
      cmd << " 2>/dev/null";
      std::string out;
      SF_CHECK(run_capture(cmd.str(), out), "bench: the PyTorch peer failed: ", cmd.str(), "\n", out);
      std::istringstream lines(out);
      for (std::string line; std::getline(lines, line);) {
        if (line.empty() || line[0] != '{') continue;
        std::string block = json_string(line, "block");
        for (const auto& [mixer, c] : configs)
          if (s.peer_name(mixer) == block) block = mixer;  // results keyed by our mixer name
        Point p;
        p.tokens_per_s = json_number(line, "tokens_per_s");
        p.ms = json_number(line, "ms");
        p.ms_min = json_number(line, "ms_min");
        p.reps = static_cast<int64_t>(json_number(line, "reps"));
        p.params = static_cast<int64_t>(json_number(line, "params"));
        const auto L = static_cast<int64_t>(json_number(line, "L"));
        theirs[{block, L}] = p;
        json_lines.push_back(json_of("torch", block, L, p, s));
      }
    }
  }

  std::cout << "\n| block | L | seqforge tok/s | torch tok/s | ratio | seqforge us/token |\n|---|---:|---:|---:|---:|---:|\n";
  for (const auto& [key, p] : ours) {
    const auto t = theirs.find(key);
    std::cout << "| " << key.first << " | " << key.second << " | " << std::fixed << std::setprecision(0) << p.tokens_per_s
              << " | " << (t == theirs.end() ? std::string("-") : std::to_string(static_cast<int64_t>(t->second.tokens_per_s)))
              << " | ";
    if (t != theirs.end()) std::cout << std::setprecision(2) << p.tokens_per_s / t->second.tokens_per_s;
    else std::cout << "-";
    std::cout << " | " << std::setprecision(1) << 1e6 / p.tokens_per_s << " |\n" << std::defaultfloat << std::setprecision(6);
  }
  std::ofstream file;
  if (!json_out.empty()) {
    file.open(json_out);
    SF_CHECK(file, "bench: cannot write ", json_out);
  }
  for (const std::string& line : json_lines) {
    std::cout << line << "\n";
    if (file) file << line << "\n";
  }
  std::cout.flush();
}

}  // namespace sf::cli
