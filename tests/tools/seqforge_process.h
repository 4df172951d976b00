// Running the built seqforge binary (SF_BINARY_DIR/seqforge) from a test, as a user would: to
// completion through the shell, or as a child process that the test can signal or kill.
#pragma once
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace sf::test {

inline std::string seqforge_binary() { return std::string(SF_BINARY_DIR) + "/seqforge"; }

struct Outcome {
  int exit_code = -1;  // -1 when it did not exit normally (a crash)
  std::string output;  // stdout and stderr together
};

// Runs a command line through /bin/sh to completion, capturing its stdout (2>&1 in `cmd` adds stderr).
inline Outcome run_command(const std::string& cmd) {
  Outcome r;
  FILE* pipe = popen(cmd.c_str(), "r");
  if (pipe == nullptr) return r;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) r.output.append(buf.data(), n);
  const int status = pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

// Runs `env seqforge args` through /bin/sh; `env` is "" or "NAME=value ...", `cwd` the working
// directory ("" = this process's).
inline Outcome seqforge(const std::string& args, const std::string& env = "", const std::string& cwd = "") {
  return run_command((cwd.empty() ? "" : "cd '" + cwd + "' && ") + env + (env.empty() ? "" : " ") + seqforge_binary() +
                     " " + args + " 2>&1");
}

// Starts seqforge with `args` in a child process, stdout and stderr to `log`.
inline pid_t spawn_seqforge(const std::vector<std::string>& args, const std::string& log) {
  pid_t pid = fork();
  if (pid == 0) {
    FILE* f = std::freopen(log.c_str(), "w", stdout);
    if (f == nullptr || dup2(fileno(stdout), STDERR_FILENO) < 0) _exit(127);
    std::vector<char*> argv;
    std::string bin = seqforge_binary();
    argv.push_back(bin.data());
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(bin.c_str(), argv.data());
    _exit(127);
  }
  return pid;
}

// waitpid's status of `pid` (blocking).
inline int wait_status(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
}

inline std::string read_text(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

inline std::string corpus() { return std::string(SF_SOURCE_DIR) + "/data/corpora/tinyshakespeare.txt"; }

// A fresh, empty directory for one test, unique per process (ctest runs tests in parallel), removed
// with everything in it when the object goes.
struct TempDir {
  explicit TempDir(const std::string& name)
      : path((std::filesystem::path(testing::TempDir()) / ("sf_" + name + "_" + std::to_string(getpid()))).string()) {
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string path;
};

// A tiny GPT on tinyshakespeare, one thread (bitwise reproducible), written to <dir>/tiny.yaml.
// `train` replaces or adds train keys, as "key: value, key: value".
inline std::string write_tiny_recipe(const std::string& dir, const std::string& train = "") {
  std::map<std::string, std::string> keys{{"steps", "20"},     {"batch_size", "2"},      {"seq_len", "16"},
                                          {"log_every", "1"},  {"eval_every", "10"},     {"eval_batches", "1"},
                                          {"threads", "1"},    {"checkpoint_every", "10"}};
  static const std::regex pair(R"((\w+): ([^,]+))");
  for (std::sregex_iterator it(train.begin(), train.end(), pair), end; it != end; ++it) keys[(*it)[1]] = (*it)[2];
  std::ofstream f(dir + "/tiny.yaml");
  f << "model: {n_layer: 1, n_head: 2, n_embd: 16, block_size: 16}\n"
    << "data: {path: " << corpus() << "}\n"
    << "optim: {lr: 3.0e-3, warmup_steps: 5}\n"
    << "train:\n";
  for (const auto& [k, v] : keys) f << "  " << k << ": " << v << "\n";
  return dir + "/tiny.yaml";
}

// metrics.jsonl as step -> line, without the fields that differ between runs (time, memory). A step
// logged twice (a killed run resumed from an earlier checkpoint) must have logged the same line.
inline std::map<long, std::string> read_metrics(const std::string& path) {
  std::map<long, std::string> out;
  std::ifstream f(path);
  static const std::regex timing(R"re(, "(tokens_per_s|rows_per_s|step_ms|mkor_transform_ms|elapsed_s|peak_rss_mib)": [^,}]*)re");
  static const std::regex step(R"(^\{"step": (\d+))");
  for (std::string line; std::getline(f, line);) {
    std::smatch m;
    if (!std::regex_search(line, m, step)) continue;
    std::string stable = std::regex_replace(line, timing, "");
    auto [it, fresh] = out.emplace(std::stol(m[1]), stable);
    EXPECT_TRUE(fresh || it->second == stable) << "step " << m[1] << " logged twice, differently:\n"
                                               << it->second << "\n" << stable;
  }
  return out;
}

}  // namespace sf::test
