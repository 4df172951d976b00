// Nothing is lost: a run killed at a random step resumes to the same losses as an uninterrupted one;
// a kill or a full disk while a checkpoint is written leaves the previous checkpoint loadable;
// SIGTERM saves and exits 0; NaN/Inf steps are skipped, and too many in a row stop the run.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <random>
#include <thread>

#include "seqforge_process.h"

namespace sf::test {
namespace {
namespace fs = std::filesystem;

long count_lines(const std::string& path) {
  std::string text = read_text(path);
  return static_cast<long>(std::count(text.begin(), text.end(), '\n'));
}

void sleep_ms(int ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }

// The step a checkpoint file or `eval` reports, read from eval's JSON line ("step": N).
long eval_step(const std::string& checkpoint) {
  Outcome r = seqforge("eval " + checkpoint);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  std::smatch m;
  static const std::regex step(R"("step": (\d+))");
  return std::regex_search(r.output, m, step) ? std::stol(m[1]) : -1;
}

TEST(CrashResume, SigkillAtARandomStepThenResumeGivesTheSameLosses) {
  const TempDir tmp("sigkill");
  const std::string& dir = tmp.path;
  const std::string recipe = write_tiny_recipe(dir, "steps: 300, checkpoint_every: 20, eval_every: 50");
  Outcome straight = seqforge("train " + recipe + " --out " + dir + "/straight");
  ASSERT_EQ(straight.exit_code, 0) << straight.output;

  // The run SIGKILLs itself right after a random step (SF_FAULT_INJECT=step_kill@N): the same death as
  // an outside `kill -9` at that moment, but at an exact step however loaded the machine is (a kill
  // from this process raced the child on a busy machine and sometimes came after the run ended).
  std::random_device entropy;
  const long kill_step = std::uniform_int_distribution<long>(21, 120)(entropy);
  SCOPED_TRACE("SIGKILL after step " + std::to_string(kill_step));
  const std::string metrics = dir + "/killed/metrics.jsonl";
  Outcome killed = seqforge("train " + recipe + " --out " + dir + "/killed",
                            "SF_FAULT_INJECT=step_kill@" + std::to_string(kill_step));
  ASSERT_TRUE(killed.exit_code == -1 || killed.exit_code == 128 + SIGKILL) << "expected death by SIGKILL:\n"
                                                                         << killed.output;
  const long killed_at = count_lines(metrics);
  ASSERT_EQ(killed_at, kill_step);  // one metrics line per step in this recipe

  Outcome resumed = seqforge("train " + recipe + " --resume --out " + dir + "/killed");
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
  std::map<long, std::string> a = read_metrics(dir + "/straight/metrics.jsonl");
  std::map<long, std::string> b = read_metrics(metrics);
  ASSERT_EQ(a.size(), 300u);
  EXPECT_EQ(a, b) << "killed after step " << killed_at;  // bitwise: one thread, exact number text
  EXPECT_EQ(count_lines(metrics), 300) << "steps after the last checkpoint are logged twice";
}

TEST(CrashResume, KillWhileWritingACheckpointLeavesThePreviousOne) {
  const TempDir tmp("kill_mid_write");
  const std::string& dir = tmp.path;
  const std::string recipe = write_tiny_recipe(dir, "steps: 30");
  Outcome killed = seqforge("train " + recipe + " --out " + dir + "/run", "SF_FAULT_INJECT=checkpoint_kill@20");
  // Killed by a signal: -1, or 128 + 9 when the shell between us reports it.
  EXPECT_TRUE(killed.exit_code == -1 || killed.exit_code == 128 + SIGKILL) << "expected death by SIGKILL:\n"
                                                                          << killed.output;
  const std::string ckpts = dir + "/run/checkpoints/";
  EXPECT_TRUE(fs::exists(ckpts + "step_000020.h5.tmp")) << "the kill did not land mid-write";
  EXPECT_FALSE(fs::exists(ckpts + "step_000020.h5"));
  EXPECT_EQ(eval_step(ckpts + "step_000010.h5"), 10);

  Outcome resumed = seqforge("train " + recipe + " --resume --out " + dir + "/run");
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
  EXPECT_NE(resumed.output.find("resumed from " + ckpts + "step_000010.h5 at step 10"), std::string::npos)
      << resumed.output;
  EXPECT_NE(resumed.output.find("step     11 |"), std::string::npos) << "did not resume at step 10:\n"
                                                                    << resumed.output;
  EXPECT_EQ(eval_step(ckpts + "step_000030.h5"), 30);
  EXPECT_FALSE(fs::exists(ckpts + "step_000020.h5.tmp")) << "the stale temporary file was not replaced";
}

TEST(CrashResume, FailedCheckpointWriteKeepsThePreviousOneAndFails) {
  const TempDir tmp("disk_full");
  const std::string& dir = tmp.path;
  const std::string recipe = write_tiny_recipe(dir);
  Outcome r = seqforge("train " + recipe + " --out " + dir + "/run", "SF_FAULT_INJECT=checkpoint_write@20");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("error: saving checkpoint " + dir + "/run/checkpoints/step_000020.h5 failed"),
            std::string::npos)
      << r.output;
  EXPECT_FALSE(fs::exists(dir + "/run/checkpoints/step_000020.h5.tmp"));
  EXPECT_EQ(eval_step(dir + "/run/checkpoints/step_000010.h5"), 10);
}

// Starts a long tiny run in `dir`/run with `overrides`, sends SIGTERM once its step-10 checkpoint exists,
// expects a clean exit 0, and returns its output.
std::string sigterm_after_step_10(const std::string& dir, const std::vector<std::string>& overrides = {}) {
  const std::string recipe = write_tiny_recipe(dir, "steps: 1000000, checkpoint_every: 10");
  std::vector<std::string> args{"train", recipe, "--out", dir + "/run"};
  args.insert(args.end(), overrides.begin(), overrides.end());
  pid_t pid = spawn_seqforge(args, dir + "/run.log");
  EXPECT_GT(pid, 0);
  int status = 0;
  while (pid > 0 && waitpid(pid, &status, WNOHANG) == 0) {
    if (fs::exists(dir + "/run/checkpoints/step_000010.h5")) {
      kill(pid, SIGTERM);
      status = wait_status(pid);
      break;
    }
    sleep_ms(1);
  }
  const std::string log = read_text(dir + "/run.log");
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << log;
  return log;
}

TEST(Signals, SigtermFinishesTheStepSavesAndExitsZero) {
  const TempDir tmp("sigterm");
  const std::string log = sigterm_after_step_10(tmp.path);
  std::smatch m;
  ASSERT_TRUE(std::regex_search(log, m, std::regex(R"(interrupted by signal 15 after step (\d+): checkpoint saved to (\S+);)")))
      << log;
  EXPECT_EQ(eval_step(m[2]), std::stol(m[1]));
}

// Without optimizer state the saved checkpoint cannot be resumed: the last line says so instead of --resume.
TEST(Signals, SigtermOfAWeightsOnlyRunPointsToInitFrom) {
  const TempDir tmp("sigterm_weights");
  const std::string log = sigterm_after_step_10(tmp.path, {"checkpoint.save_optimizer=false"});
  EXPECT_NE(log.find(" without optimizer state (checkpoint.save_optimizer: false): it cannot be resumed, only started "
                     "from with train.init_from=" + tmp.path + "/run/checkpoints/step_0000"),
            std::string::npos)
      << log;
  EXPECT_EQ(log.find("--resume"), std::string::npos) << log;
}

TEST(Divergence, ANonFiniteStepIsSkippedAndTheRunGoesOn) {
  const TempDir tmp("skip");
  const std::string& dir = tmp.path;
  Outcome r = seqforge("train " + write_tiny_recipe(dir) + " --out " + dir + "/run", "SF_FAULT_INJECT=nonfinite_loss@5");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("step 5 skipped: non-finite loss nan or grad-norm"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("(1 in a row, 1 skipped in total"), std::string::npos) << r.output;
  EXPECT_EQ(read_metrics(dir + "/run/metrics.jsonl").size(), 20u);
}

TEST(Divergence, TooManyBadStepsInARowStopKeepingTheLastGoodCheckpoint) {
  const TempDir tmp("diverge");
  const std::string& dir = tmp.path;
  // lr 1e30: the first update blows the weights up, every later loss is NaN.
  Outcome r = seqforge("train " + write_tiny_recipe(dir, "checkpoint_every: 1, max_bad_steps: 3") +
                       " optim.lr=1e30 optim.min_lr=0 optim.warmup_steps=0 optim.weight_decay=0 --out " + dir + "/run");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("training diverged: 4 steps in a row"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("(3 in a row, 3 skipped in total"), std::string::npos) << r.output;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(r.output, m, std::regex(R"(the last good checkpoint is (\S+)\. )"))) << r.output;
  EXPECT_GE(eval_step(m[1]), 1);
}

TEST(Divergence, CheckNanNamesTheFirstOpThatMadeANonFiniteValue) {
  const TempDir tmp("check_nan");
  const std::string& dir = tmp.path;
  Outcome r = seqforge("train " + write_tiny_recipe(dir) +
                       " optim.lr=1e30 optim.min_lr=0 optim.warmup_steps=0 --check-nan --out " + dir + "/run");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(std::regex_search(r.output, std::regex(R"(error: --check-nan: .* of op '\w+' holds NaN or Inf)")))
      << r.output;
}

}  // namespace
}  // namespace sf::test
