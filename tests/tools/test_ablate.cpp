// `seqforge ablate` and `seqforge plot` as a user runs them: a small sweep of the tiny recipe trained to the
// end, tabulated, continued with --resume after a crash and after Ctrl-C, and refused when the sweep is bad.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "seqforge_process.h"

namespace sf::test {
namespace {
namespace fs = std::filesystem;

std::vector<std::string> lines_of(const std::string& path) {
  std::vector<std::string> out;
  std::ifstream f(path);
  for (std::string line; std::getline(f, line);) out.push_back(line);
  return out;
}

class Ablate : public ::testing::Test {
 protected:
  void SetUp() override {
    tiny_ = write_tiny_recipe(tmp_.path, "steps: 20, checkpoint_every: 10");
    sweep_ = tmp_.path + "/sweep.yaml";
    std::ofstream(sweep_) << "base: tiny.yaml\nsweep:\n  grid: {optim.lr: [3.0e-3, 1.0e-3]}\n  seeds: [1, 2]\n";
    out_ = tmp_.path + "/out";
  }
  TempDir tmp_{::testing::UnitTest::GetInstance()->current_test_info()->name()};
  std::string tiny_, sweep_, out_;
};

TEST_F(Ablate, TrainsEveryRunTabulatesThemAndSkipsThemOnResume) {
  const Outcome r = seqforge("ablate " + sweep_ + " --out " + out_ + " --jobs 2");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("4 runs of"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("2 at a time, 1 thread each"), std::string::npos) << r.output;
  const std::vector<std::string> csv = lines_of(out_ + "/results.csv");
  ASSERT_EQ(csv.size(), 5u) << read_text(out_ + "/results.csv");
  EXPECT_EQ(csv[1].rfind("lr=3.0e-3,1,lr=3.0e-3-seed1,done,3.0e-3,", 0), 0u) << csv[1];
  EXPECT_EQ(csv[4].rfind("lr=1.0e-3,2,lr=1.0e-3-seed2,done,1.0e-3,", 0), 0u) << csv[4];
  EXPECT_NE(read_text(out_ + "/results.md").find("| lr=1.0e-3 | 1.0e-3 |"), std::string::npos);
  // Each run is a normal run directory with its own resolved config.
  const std::string config = read_text(out_ + "/lr=1.0e-3-seed2/config.resolved.yaml");
  EXPECT_NE(config.find("seed: 2"), std::string::npos) << config;
  EXPECT_NE(config.find("lr: 0.001"), std::string::npos) << config;
  EXPECT_TRUE(fs::exists(out_ + "/lr=1.0e-3-seed2/checkpoints/step_000020.h5"));
  // Seeds differ, so the two runs of a variant differ.
  EXPECT_NE(read_text(out_ + "/lr=1.0e-3-seed1/metrics.jsonl"), read_text(out_ + "/lr=1.0e-3-seed2/metrics.jsonl"));

  const Outcome again = seqforge("ablate " + sweep_ + " --out " + out_);
  EXPECT_EQ(again.exit_code, 1) << again.output;
  EXPECT_NE(again.output.find("already holds runs of a sweep"), std::string::npos) << again.output;
  const Outcome resumed = seqforge("ablate " + sweep_ + " --out " + out_ + " --resume");
  EXPECT_EQ(resumed.exit_code, 0) << resumed.output;
  EXPECT_NE(resumed.output.find("(4 finished, 0 to train"), std::string::npos) << resumed.output;
  // A stored run that the sweep now configures differently is refused, not silently kept.
  const Outcome changed = seqforge("ablate " + sweep_ + " --out " + out_ + " --resume train.batch_size=3");
  EXPECT_EQ(changed.exit_code, 1) << changed.output;
  EXPECT_NE(changed.output.find("train.batch_size"), std::string::npos) << changed.output;
}

TEST_F(Ablate, CrashedRunsFailTheSweepAndContinueFromTheirCheckpoints) {
  // Every training process kills itself after step 12 (its checkpoint is at 10).
  const Outcome crashed = seqforge("ablate " + sweep_ + " optim.lr=2.0e-3 --out " + out_ + " --jobs 2", "SF_FAULT_INJECT=step_kill@12");
  EXPECT_EQ(crashed.exit_code, 1) << crashed.output;
  EXPECT_NE(crashed.output.find("4 of 4 runs failed"), std::string::npos) << crashed.output;
  EXPECT_NE(crashed.output.find("exit 137"), std::string::npos) << crashed.output;  // 128 + SIGKILL
  const Outcome resumed = seqforge("ablate " + sweep_ + " optim.lr=2.0e-3 --out " + out_ + " --jobs 2 --resume");
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
  EXPECT_NE(resumed.output.find("lr=3.0e-3-seed1  (continues)"), std::string::npos) << resumed.output;
  const std::vector<std::string> rows = lines_of(out_ + "/results.csv");
  ASSERT_EQ(rows.size(), 5u);
  for (size_t i = 1; i < rows.size(); ++i) EXPECT_NE(rows[i].find(",done,"), std::string::npos) << rows[i];
  // The resumed log continues the crashed one, as `train --resume` does.
  EXPECT_NE(read_text(out_ + "/lr=3.0e-3-seed1/train.log").find("resumed from"), std::string::npos);
}

TEST_F(Ablate, CtrlCStopsTheRunningTrainingsWithACheckpointAndResumeFinishesThem) {
  const std::string log = tmp_.path + "/ablate.log";
  const pid_t pid = spawn_seqforge({"ablate", sweep_, "train.steps=100000", "train.checkpoint_every=0", "--out", out_, "--jobs", "2"}, log);
  // Signal once both trainings (the first two runs: lr=3.0e-3, seeds 1 and 2) are past their first steps.
  for (int i = 0; i < 600; ++i) {
    if (read_text(out_ + "/lr=3.0e-3-seed2/metrics.jsonl").find("\"step\": 3,") != std::string::npos &&
        read_text(out_ + "/lr=3.0e-3-seed1/metrics.jsonl").find("\"step\": 3,") != std::string::npos)
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(kill(pid, SIGINT), 0);
  const int status = wait_status(pid);
  const std::string output = read_text(log);
  ASSERT_TRUE(WIFEXITED(status)) << output;
  EXPECT_EQ(WEXITSTATUS(status), 0) << output;
  EXPECT_NE(output.find("interrupted by signal 2: continue with seqforge ablate"), std::string::npos) << output;
  EXPECT_NE(output.find("lr=3.0e-3-seed1: stopped at step"), std::string::npos) << output;
  EXPECT_NE(output.find("| lr=1.0e-3-seed2 | not started |"), std::string::npos) << output;  // never started
  const std::string train_log = read_text(out_ + "/lr=3.0e-3-seed1/train.log");
  EXPECT_NE(train_log.find("SIGINT during"), std::string::npos) << train_log;  // passed on once: saved, not killed
  EXPECT_EQ(train_log.find("second signal"), std::string::npos) << train_log;

  const Outcome resumed = seqforge("ablate " + sweep_ + " train.steps=40 --out " + out_ + " --jobs 2 --resume");
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
  EXPECT_EQ(lines_of(out_ + "/results.csv").size(), 5u);
  EXPECT_EQ(read_text(out_ + "/results.csv").find("stopped"), std::string::npos) << read_text(out_ + "/results.csv");
}

TEST_F(Ablate, BadSweepIsRefusedBeforeAnythingTrains) {
  std::ofstream(sweep_) << "base: tiny.yaml\nsweep:\n  variants:\n    - {name: a}\n    - {name: b, model.n_embd: 17}\n";
  const Outcome r = seqforge("ablate " + sweep_ + " --out " + out_);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find(sweep_ + ":5 (variant 'b', model.n_embd=17)"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(out_));
  const Outcome dry = seqforge("ablate " + sweep_ + " --out " + out_ + " --dry-run model.n_head=1");
  EXPECT_EQ(dry.exit_code, 0) << dry.output;
  EXPECT_NE(dry.output.find("nothing trained"), std::string::npos) << dry.output;
  EXPECT_FALSE(fs::exists(out_));
}

TEST_F(Ablate, PlotDrawsCurvesOrSaysWhatToInstall) {
  const Outcome trained = seqforge("train " + tiny_ + " --out " + tmp_.path + "/run --sample 0");
  ASSERT_EQ(trained.exit_code, 0) << trained.output;
  const std::string png = tmp_.path + "/curves.png";
  const Outcome r = seqforge("plot " + tmp_.path + "/run/ --out " + png);
  const bool have_matplotlib = std::system("/usr/bin/python3 -c 'import matplotlib' 2>/dev/null") == 0 ||
                               std::system("python3 -c 'import matplotlib' 2>/dev/null") == 0;
  if (have_matplotlib) {
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(read_text(png).substr(1, 3), "PNG");
  } else {
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_NE(r.output.find("apt-get install python3-matplotlib"), std::string::npos) << r.output;
  }
  const Outcome not_a_run = seqforge("plot " + tmp_.path + " --out " + png);
  EXPECT_EQ(not_a_run.exit_code, 1) << not_a_run.output;
  EXPECT_NE(not_a_run.output.find("no metrics.jsonl here"), std::string::npos) << not_a_run.output;
}

}  // namespace
}  // namespace sf::test
