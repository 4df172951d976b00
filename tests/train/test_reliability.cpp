// The pieces behind "nothing is lost": the divergence guard's counting, the stop-signal thread,
// --check-nan naming the op, checkpoints refusing a model they do not fit, and exact metrics numbers.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <limits>
#include <thread>

#include "autograd/functions.h"
#include "layers/linear.h"
#include "train/checkpoint.h"
#include "train/divergence.h"
#include "train/metrics.h"
#include "train/signals.h"

namespace sf {
namespace {
namespace fs = std::filesystem;

std::string temp_dir(const std::string& name) {
  fs::path p = fs::path(testing::TempDir()) / ("sf_reliability_" + name + "_" + std::to_string(getpid()));
  fs::remove_all(p);
  fs::create_directories(p);
  return p.string();
}

TEST(DivergenceGuard, SkipsNonFiniteStepsAndCountsThem) {
  DivergenceGuard guard(2, "/nonexistent");
  const double nan = std::nan(""), inf = std::numeric_limits<double>::infinity();
  EXPECT_TRUE(guard.admit(1, 2.5, 0.7));
  EXPECT_FALSE(guard.admit(2, nan, 0.7));
  EXPECT_FALSE(guard.admit(2, 2.5, inf));
  EXPECT_EQ(guard.consecutive(), 2);
  EXPECT_NE(guard.skip_message(2, 2.5, inf).find("(2 in a row, 2 skipped in total"), std::string::npos);
  EXPECT_TRUE(guard.admit(2, 2.4, 0.6));  // a good step resets the run of bad ones, not the total
  EXPECT_EQ(guard.consecutive(), 0);
  EXPECT_FALSE(guard.admit(3, -inf, 0.6));
  EXPECT_EQ(guard.total_skipped(), 3);
}

TEST(DivergenceGuard, GivesUpAfterMaxBadStepsInARowNamingTheCheckpoint) {
  const std::string dir = temp_dir("guard");
  std::ofstream(dir + "/step_000007.h5") << "x";
  DivergenceGuard guard(1, dir);
  EXPECT_FALSE(guard.admit(8, std::nan(""), 1.0));
  try {
    guard.admit(8, std::nan(""), 1.0);
    FAIL() << "expected sf::Error";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("training diverged: 2 steps in a row"), std::string::npos) << msg;
    EXPECT_NE(msg.find("train.max_bad_steps = 1"), std::string::npos) << msg;
    EXPECT_NE(msg.find("the last good checkpoint is " + dir + "/step_000007.h5"), std::string::npos) << msg;
  }
  fs::remove_all(dir);
}

TEST(DivergenceGuard, ZeroToleranceStopsAtTheFirstBadStep) {
  DivergenceGuard guard(0, "/nonexistent");
  EXPECT_THROW(guard.admit(1, 1.0, std::nan("")), Error);
}

// Runs `body` in a forked child and returns its wait status (signal handlers stay out of the test).
template <class F>
int in_child(F body) {
  pid_t pid = fork();
  if (pid == 0) {
    body();
    _exit(0);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return status;
}

// The signal thread takes a process-directed signal (as from kill or Ctrl-C) some time after it is sent.
bool flag_raised_within_5s() {
  for (int i = 0; i < 5000 && !stop_requested(); ++i) usleep(1000);
  return stop_requested();
}

TEST(Signals, FirstSignalRaisesTheFlagSecondExitsAtOnce) {
  int status = in_child([] {
    start_signal_thread();
    const StopOnSignal armed;
    if (stop_requested()) _exit(10);
    kill(getpid(), SIGTERM);
    if (!flag_raised_within_5s() || stop_signal() != SIGTERM) _exit(11);
    kill(getpid(), SIGINT);  // the signal thread ends the process
    sleep(5);
    _exit(12);
  });
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 128 + SIGINT);
}

TEST(Signals, NoThreadButTheSignalThreadTakesThem) {
  int status = in_child([] {
    start_signal_thread();
    const StopOnSignal armed;
    sigset_t blocked;
    pthread_sigmask(SIG_SETMASK, nullptr, &blocked);
    if (!sigismember(&blocked, SIGINT) || !sigismember(&blocked, SIGTERM)) _exit(10);
    std::thread later([] {  // threads created afterwards (OpenMP workers) inherit the block
      sigset_t mask;
      pthread_sigmask(SIG_SETMASK, nullptr, &mask);
      if (!sigismember(&mask, SIGINT) || !sigismember(&mask, SIGTERM)) _exit(11);
    });
    later.join();
    _exit(0);
  });
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST(Signals, OutsideAStopOnSignalTheyEndTheProcessAsBefore) {
  int status = in_child([] {
    start_signal_thread();
    { const StopOnSignal armed; }  // armed and disarmed again
    kill(getpid(), SIGTERM);
    sleep(5);
    _exit(12);
  });
  ASSERT_TRUE(WIFSIGNALED(status));
  EXPECT_EQ(WTERMSIG(status), SIGTERM);
}

TEST(CheckNan, NamesTheFirstOpWithANonFiniteOutput) {
  Variable x(from_vector<float>({1.0f, -1.0f}, {2}), true);
  set_check_nan(true);
  try {
    Variable y = log(mul(x, 2.0));  // log(-2) = NaN
    FAIL() << "expected sf::Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("--check-nan: the output of op 'log' holds NaN or Inf"), std::string::npos)
        << e.what();
  }
  set_check_nan(false);
  EXPECT_FALSE(all_finite(log(x).data())) << "off, nothing is checked";
}

TEST(CheckNan, NamesTheBackwardThatMadeANonFiniteGradient) {
  Variable x(from_vector<float>({0.0f, 4.0f}, {2}), true);
  Variable y = sum(sqrt(x));  // finite forward, d sqrt(x)/dx at 0 is Inf
  set_check_nan(true);
  try {
    y.backward();
    FAIL() << "expected sf::Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("gradient from the backward of op 'sqrt'"), std::string::npos) << e.what();
  }
  set_check_nan(false);
}

TEST(CheckNan, MaskedFillMayWriteInfinity) {
  set_check_nan(true);
  Variable x(from_vector<float>({1.0f, 2.0f}, {2}), true);
  Tensor mask = from_vector<int32_t>({1, 0}, {2});
  EXPECT_NO_THROW(masked_fill(x, mask, -std::numeric_limits<double>::infinity()));
  set_check_nan(false);
}

TEST(Checkpoint, AModelOfAnotherShapeIsRefusedWithBothShapes) {
  Linear small(4, 3, false, Init::normal(0.1));
  Linear wide(8, 3, false, Init::normal(0.1));
  Checkpoint c;
  c.model = wide.state_dict();
  try {
    load_model_state(small, c, "wide.h5");
    FAIL() << "expected sf::Error";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("wide.h5: checkpoint does not fit the model"), std::string::npos) << msg;
    EXPECT_NE(msg.find("(3, 4) in the model but (3, 8) in the state dict"), std::string::npos) << msg;
  }
}

TEST(Checkpoint, ANonFiniteModelIsNotSaved) {
  const std::string path = temp_dir("nonfinite") + "/step_000001.h5";
  Checkpoint c;
  c.model = {{"w", from_vector<float>({1.0f, std::nanf("")}, {2})}};
  EXPECT_THROW(save_checkpoint(path, c), Error);
  EXPECT_FALSE(fs::exists(path));
  EXPECT_FALSE(fs::exists(path + ".tmp"));
  fs::remove_all(fs::path(path).parent_path());
}

TEST(Metrics, NumbersReadBackBitwise) {
  const double x = 0.1 + 0.2, y = 2.0 / 3.0;
  std::string line = json_line({{"a", x}, {"b", y}, {"c", 3}});
  EXPECT_EQ(line, "{\"a\": 0.30000000000000004, \"b\": 0.6666666666666666, \"c\": 3}");
  EXPECT_EQ(std::stod("0.30000000000000004"), x);
}

TEST(Metrics, TruncateAfterDropsLaterStepsOnly) {
  const std::string dir = temp_dir("metrics"), path = dir + "/metrics.jsonl";
  {
    MetricsWriter w(path);
    for (int step : {10, 20, 30, 40}) w.write({{"step", step}, {"loss", 1.0 / step}});
  }
  truncate_metrics_after(path, 20);
  std::ifstream in(path);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text, "{\"step\": 10, \"loss\": 0.1}\n{\"step\": 20, \"loss\": 0.05}\n");
  EXPECT_FALSE(fs::exists(path + ".tmp"));
  truncate_metrics_after(dir + "/missing.jsonl", 5);  // nothing to do, no error
  EXPECT_FALSE(fs::exists(dir + "/missing.jsonl"));
  fs::remove_all(dir);
}

}  // namespace
}  // namespace sf
