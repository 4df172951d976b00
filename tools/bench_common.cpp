#include "tools/bench_common.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "core/error.h"

namespace sf::cli {

double median(std::vector<double> v) {
  SF_CHECK(!v.empty(), "bench: no timings to take the median of");
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

Batch random_batch(std::mt19937_64& gen, int64_t B, int64_t T, int64_t V) {
  std::uniform_int_distribution<int64_t> tok(0, V - 1);
  std::vector<int64_t> xs(static_cast<size_t>(B * (T + 1)));
  for (auto& x : xs) x = tok(gen);
  const Tensor seq = from_vector<int64_t>(xs, {B, T + 1});
  return {seq.narrow(1, 0, T).contiguous(), seq.narrow(1, 1, T).contiguous()};
}

bool run_capture(const std::string& command, std::string& out) {
  FILE* p = popen(command.c_str(), "r");
  if (!p) return false;
  std::array<char, 4096> buf{};
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
  return pclose(p) == 0;
}

double json_number(const std::string& json, const std::string& key) {
  const size_t at = json.find("\"" + key + "\":");
  SF_CHECK(at != std::string::npos, "bench: the peer's JSON has no '", key, "': ", json);
  return std::strtod(json.c_str() + at + key.size() + 3, nullptr);
}

std::string json_string(const std::string& json, const std::string& key) {
  const std::string tag = "\"" + key + "\": \"";
  const size_t at = json.find(tag);
  SF_CHECK(at != std::string::npos, "bench: the peer's JSON has no string '", key, "': ", json);
  const size_t start = at + tag.size();
  return json.substr(start, json.find('"', start) - start);
}

std::string torch_env(int64_t threads) {
  const std::string n = std::to_string(threads);
  return "LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp OPENBLAS_CORETYPE=SkylakeX OPENBLAS_NUM_THREADS=" +
         n + " OMP_NUM_THREADS=" + n + " ";
}

std::string torch_peer_unavailable(const std::string& script) {
  if (!std::filesystem::exists(script)) return script + " not found; run from the repository root";
  std::string ignored;
  if (!run_capture("/usr/bin/python3 -c 'import torch' 2>/dev/null", ignored))
    return "PyTorch is not installed: apt-get install python3-torch";
  return "";
}

}  // namespace sf::cli
