// Ctrl-C and SIGTERM at random moments of real training never lose the run. Each case runs a shipped
// recipe with the default GEMM kernel and signals it at 20 random moments (new runs each) spread over
// its first seconds of training: log-uniform delays from 1 ms to 3 s after the run starts training, so
// the first step, later steps' forward and backward, and checkpoint writes (one after every step here)
// are all hit. Runs go on, up to 40, until forward, backward and a checkpoint write have each been hit
// at least once (the run's own stop message names what it was doing). Every run must exit 0 and name the
// checkpoint it saved, and that checkpoint must resume for one more step.
//
// Before signals were taken by a dedicated thread (train/signals.h), 1 in 3 baby runs at batch 8 died
// with "corrupted size vs. prev_size" or a segfault and no checkpoint.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "seqforge_process.h"
#include "train/checkpoint.h"

namespace sf::test {
namespace {
namespace fs = std::filesystem;

struct StressCase {
  const char* name;
  const char* recipe;
  std::vector<std::string> overrides;
  int signal;
};

std::string describe(const StressCase& c) { return std::string(c.name) + (c.signal == SIGINT ? "_SIGINT" : "_SIGTERM"); }
void PrintTo(const StressCase& c, std::ostream* os) { *os << describe(c); }

// The number of moments; SF_SIGNAL_STRESS_RUNS lowers it for slow (sanitizer) builds.
int runs_wanted() {
  const char* env = std::getenv("SF_SIGNAL_STRESS_RUNS");
  return env && *env ? std::max(1, std::atoi(env)) : 20;
}

bool wait_for_text(const std::string& path, const std::string& text, pid_t pid) {
  for (int i = 0; i < 120000; ++i) {  // 2 minutes: setup on a loaded machine
    if (read_text(path).find(text) != std::string::npos) return true;
    if (waitpid(pid, nullptr, WNOHANG) != 0) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return false;
}

class SignalStress : public testing::TestWithParam<StressCase> {};

TEST_P(SignalStress, EveryRunSavesACheckpointThatResumes) {
  const StressCase& c = GetParam();
  const TempDir tmp("signal_stress_" + describe(c));
  const std::string recipe = std::string(SF_SOURCE_DIR) + "/" + c.recipe;
  std::vector<std::string> args{"train", recipe};
  args.insert(args.end(), c.overrides.begin(), c.overrides.end());
  for (const char* o : {"train.steps=100000", "train.checkpoint_every=1", "train.eval_every=100000",
                        "train.eval_batches=1", "train.log_every=1", "--sample=0"})
    args.emplace_back(o);

  std::mt19937_64 rng(std::random_device{}());
  std::uniform_real_distribution<double> log_ms(0.0, std::log(3000.0));
  std::map<std::string, int> activities;  // what the runs were doing when the signal came
  const std::set<std::string> required{"forward", "backward", "checkpoint write"};
  auto covered = [&] {
    for (const auto& a : required)
      if (!activities.count(a)) return false;
    return true;
  };
  int runs = 0;
  for (; runs < runs_wanted() || (!covered() && runs < 2 * runs_wanted()); ++runs) {
    const std::string out = tmp.path + "/run" + std::to_string(runs), log = out + ".log";
    std::vector<std::string> run_args = args;
    run_args.insert(run_args.end(), {"--out", out});
    const pid_t pid = spawn_seqforge(run_args, log);
    ASSERT_GT(pid, 0);
    // "run directory:" is printed once the model is built, just before the first step.
    ASSERT_TRUE(wait_for_text(log, "run directory:", pid)) << read_text(log);
    const int delay_us = static_cast<int>(1000.0 * std::exp(log_ms(rng)));
    std::this_thread::sleep_for(std::chrono::microseconds(delay_us));
    kill(pid, c.signal);
    const int status = wait_status(pid);
    const std::string text = read_text(log);
    SCOPED_TRACE("run " + std::to_string(runs) + ", signal " + std::to_string(delay_us / 1000) +
                 " ms after training started:\n" + text);
    ASSERT_TRUE(WIFEXITED(status)) << "killed by signal " << (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    ASSERT_EQ(WEXITSTATUS(status), 0);
    std::smatch m;
    ASSERT_TRUE(std::regex_search(text, m, std::regex(R"(during ([a-z ]+?)( of step \d+)?: stopping after this step)")));
    ++activities[m[1]];
    ASSERT_TRUE(std::regex_search(text, m, std::regex("interrupted by signal " + std::to_string(c.signal) +
                                                      R"( after step (\d+): checkpoint saved to (\S+);)")));
    const long step = std::stol(m[1]);
    const std::string checkpoint = m[2];
    ASSERT_TRUE(fs::exists(checkpoint));

    std::vector<std::string> resume = run_args;
    resume.insert(resume.end(), {"--resume", "train.steps=" + std::to_string(step + 1)});
    std::string command;
    for (const std::string& a : resume) command += a + " ";
    Outcome resumed = seqforge(command);
    ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
    EXPECT_NE(resumed.output.find("resumed from " + checkpoint + " at step " + std::to_string(step)), std::string::npos)
        << resumed.output;
    EXPECT_TRUE(fs::exists(checkpoint_path(fs::path(checkpoint).parent_path().string(), step + 1))) << resumed.output;
    fs::remove_all(out);  // a baby checkpoint with its AdamW state is 130 MB
  }
  std::string seen;
  for (const auto& [what, n] : activities) seen += what + " " + std::to_string(n) + ", ";
  std::cout << "[          ] " << runs << " runs; the signal came during: " << seen << "\n";
  EXPECT_TRUE(covered()) << "after " << runs << " runs the signals fell only during: " << seen;
}

// The baby GPT at batch 8 (nanoGPT's shakespeare_char; it crashed most often) and the tiny one.
INSTANTIATE_TEST_SUITE_P(
    Recipes, SignalStress,
    testing::Values(StressCase{"baby", "recipes/shakespeare_char_baby.yaml", {"train.batch_size=8"}, SIGTERM},
                    StressCase{"baby", "recipes/shakespeare_char_baby.yaml", {"train.batch_size=8"}, SIGINT},
                    StressCase{"tiny", "recipes/shakespeare_char.yaml", {}, SIGTERM},
                    StressCase{"tiny", "recipes/shakespeare_char.yaml", {}, SIGINT}),
    [](const testing::TestParamInfo<StressCase>& info) { return describe(info.param); });

}  // namespace
}  // namespace sf::test
