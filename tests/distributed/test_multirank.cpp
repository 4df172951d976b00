// `mpirun -np 2 seqforge train` against one process with the same global batch (backprop, MKOR, LoRA, MeZO): the same loss at
// every step (1e-5 relative: averaging over ranks changes the summation order), resume of a
// 2-rank run, resume with another world size (global batch kept, so the same trajectory), and a
// rank that dies (SIGKILL) or stalls (SIGSTOP) ends the whole job with a message within
// distributed.timeout_s + 10 s. Skipped when mpirun is missing or the build has no MPI.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <regex>

#include "tests/distributed/launch.h"

namespace sf {
namespace {
namespace fs = std::filesystem;

class MultiRank : public testing::Test {
 protected:
  void SetUp() override {
#if !SF_WITH_MPI
    GTEST_SKIP() << "built without MPI";
#endif
    if (!test::have_mpirun()) GTEST_SKIP() << "mpirun not found";
    tag_ = std::to_string(getpid()) + "_" + testing::UnitTest::GetInstance()->current_test_info()->name();
    setenv("SF_TEST_TAG", tag_.c_str(), 1);
    dir_ = (fs::path(testing::TempDir()) / ("sf_multirank_" + tag_)).string();
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    std::ofstream f(dir_ + "/tiny.yaml");
    f << "model: {n_layer: 2, n_head: 2, n_embd: 32, block_size: 32}\n"
      << "data: {path: " << SF_SOURCE_DIR << "/data/corpora/tinyshakespeare.txt}\n"
      << "optim: {lr: 3.0e-3, warmup_steps: 2, decay_steps: 8}\n"
      << "train: {steps: 8, batch_size: 4, seq_len: 32, log_every: 1, eval_every: 4, eval_batches: 3,\n"
      << "        checkpoint_every: 4, threads: 1}\n"
      << "distributed: {bucket_mb: 0.01, timeout_s: 4}\n";  // several buckets for a 2-layer model
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Runs `seqforge train` (np = 0: without mpirun) into run directory `name`; returns its output.
  test::Outcome train(int np, const std::string& name, const std::string& extra = "") {
    return test::run(test::command(np, "train " + dir_ + "/tiny.yaml --out " + dir_ + "/" + name + " " + extra),
                     dir_ + "/" + name + ".log");
  }
  // step -> {loss, val_loss (NaN when not evaluated)} from a run's metrics.jsonl.
  std::map<int, std::pair<double, double>> metrics(const std::string& name) const {
    std::map<int, std::pair<double, double>> m;
    std::ifstream f(dir_ + "/" + name + "/metrics.jsonl");
    std::string line;
    const std::regex step(R"("step": ?([0-9]+))"), loss(R"("loss": ?([-0-9.eE+]+))"),
        val(R"("val_loss": ?([-0-9.eE+]+))");
    while (std::getline(f, line)) {
      std::smatch s, l, v;
      if (!std::regex_search(line, s, step) || !std::regex_search(line, l, loss)) continue;
      m[std::stoi(s[1])] = {std::stod(l[1]), std::regex_search(line, v, val) ? std::stod(v[1]) : NAN};
    }
    return m;
  }
  static void expect_same(const std::map<int, std::pair<double, double>>& a,
                          const std::map<int, std::pair<double, double>>& b, int from, int to) {
    for (int step = from; step <= to; ++step) {
      ASSERT_TRUE(a.count(step) && b.count(step)) << "step " << step << " missing";
      const auto [la, va] = a.at(step);
      const auto [lb, vb] = b.at(step);
      EXPECT_NEAR(la, lb, 1e-5 * std::abs(la)) << "loss at step " << step;
      if (!std::isnan(va) || !std::isnan(vb)) {
        EXPECT_NEAR(va, vb, 1e-5 * std::abs(va)) << "val loss at step " << step;
      }
    }
  }

  std::string tag_, dir_;
};

TEST_F(MultiRank, TwoRanksGiveTheLossesOfOneProcessWithTheSameGlobalBatch) {
  test::Outcome one = train(0, "one");
  ASSERT_EQ(one.exit_code, 0) << one.output;
  test::Outcome two = train(2, "two");
  ASSERT_EQ(two.exit_code, 0) << two.output;
  EXPECT_NE(two.output.find("data-parallel: 2 ranks"), std::string::npos) << two.output;
  const auto a = metrics("one"), b = metrics("two");
  ASSERT_EQ(a.size(), 8u);
  expect_same(a, b, 1, 8);
  EXPECT_LT(a.at(8).first, a.at(1).first);  // it trains
  // Rank 0 alone writes: one line per step, one checkpoint set.
  EXPECT_EQ(b.size(), 8u);
  EXPECT_TRUE(fs::exists(dir_ + "/two/checkpoints/step_000008.h5"));
}

// MKOR's rank-1 statistics are averaged over the ranks (one buffer per factor step), so two ranks keep
// the factors of one process on the union batch: the same losses with factor updates every 2 steps.
TEST_F(MultiRank, MkorOnTwoRanksGivesTheLossesOfOneProcess) {
  // With biases every layer's activation mean has a bias entry of 1, so the factors move the update visibly.
  const std::string mkor = "model.bias=true optim.name=mkor optim.mkor.backbone=adamw optim.mkor.factor_every=2";
  test::Outcome one = train(0, "one", mkor);
  ASSERT_EQ(one.exit_code, 0) << one.output;
  test::Outcome two = train(2, "two", mkor);
  ASSERT_EQ(two.exit_code, 0) << two.output;
  const auto a = metrics("one"), b = metrics("two");
  expect_same(a, b, 1, 8);
  test::Outcome adamw = train(0, "adamw", "model.bias=true");  // and MKOR did change the trajectory
  ASSERT_EQ(adamw.exit_code, 0) << adamw.output;
  const double d = std::abs(metrics("adamw").at(8).first - a.at(8).first);
  std::printf("  |loss(MKOR) - loss(AdamW)| at step 8: %.3g\n", d);
  EXPECT_GT(d, 1e-4);
}

// LoRA: only the adapters' gradients are averaged (the frozen base has none), and the run follows one process.
TEST_F(MultiRank, LoraOnTwoRanksGivesTheLossesOfOneProcess) {
  const std::string lora = "adapter.kind=lora adapter.rank=4 optim.lr=3.0e-2";
  test::Outcome one = train(0, "one", lora);
  ASSERT_EQ(one.exit_code, 0) << one.output;
  test::Outcome two = train(2, "two", lora);
  ASSERT_EQ(two.exit_code, 0) << two.output;
  const auto a = metrics("one");
  expect_same(a, metrics("two"), 1, 8);
  EXPECT_LT(a.at(8).first, a.at(1).first);  // the adapters train
  EXPECT_TRUE(fs::exists(dir_ + "/two/adapter.h5"));
}

TEST_F(MultiRank, ResumeContinuesTheLossesOnTwoRanksAndOnOne) {
  test::Outcome one = train(0, "one");
  ASSERT_EQ(one.exit_code, 0) << one.output;
  test::Outcome first = train(2, "split", "train.steps=4");  // the schedule is fixed by decay_steps
  ASSERT_EQ(first.exit_code, 0) << first.output;
  fs::copy(dir_ + "/split", dir_ + "/split_one", fs::copy_options::recursive);
  test::Outcome second = train(2, "split", "--resume");
  ASSERT_EQ(second.exit_code, 0) << second.output;
  expect_same(metrics("one"), metrics("split"), 1, 8);
  // Another world size keeps the global batch, hence the batches: the run continues unchanged.
  test::Outcome alone = train(0, "split_one", "--resume");
  ASSERT_EQ(alone.exit_code, 0) << alone.output;
  expect_same(metrics("one"), metrics("split_one"), 5, 8);
}

// MeZO through `seqforge train`: the ranks share only ℓ± (no gradient buckets), and the run follows one process.
TEST_F(MultiRank, MezoOnTwoRanksGivesTheLossesOfOneProcess) {
  const std::string mezo = "optim.name=mezo optim.schedule=constant optim.warmup_steps=0 optim.mezo.eps=1e-2";
  test::Outcome one = train(0, "one", mezo);
  ASSERT_EQ(one.exit_code, 0) << one.output;
  test::Outcome two = train(2, "two", mezo);
  ASSERT_EQ(two.exit_code, 0) << two.output;
  expect_same(metrics("one"), metrics("two"), 1, 8);
}

// Shards are read window by window, each rank only its own rows: the same run as one process, and as text.
TEST_F(MultiRank, TwoRanksOnShardsGiveTheLossesOfOneProcessAndOfTheText) {
  const std::string corpus = std::string(SF_SOURCE_DIR) + "/data/corpora/tinyshakespeare.txt";
  test::Outcome prepared = test::run(test::command(0, "prepare-data --input " + corpus + " --out " + dir_ +
                                                          "/shards --shard-tokens 100000"),
                                     dir_ + "/prepare.log");
  ASSERT_EQ(prepared.exit_code, 0) << prepared.output;
  const std::string shards = "data.dataset=shards data.path=" + dir_ + "/shards";
  test::Outcome one = train(0, "one", shards);
  ASSERT_EQ(one.exit_code, 0) << one.output;
  test::Outcome two = train(2, "two", shards);
  ASSERT_EQ(two.exit_code, 0) << two.output;
  test::Outcome text = train(0, "text");
  ASSERT_EQ(text.exit_code, 0) << text.output;
  expect_same(metrics("one"), metrics("two"), 1, 8);
  expect_same(metrics("text"), metrics("one"), 1, 8);
}

TEST_F(MultiRank, AGlobalBatchThatDoesNotDivideIsRefused) {
  test::Outcome r = train(2, "odd", "train.batch_size=3");
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("train.batch_size 3 is the global batch and must divide by the number of ranks (2)"),
            std::string::npos)
      << r.output;
}

// Starts a long 2-rank run, waits for its first logged step, hits rank 1 with `signal`.
test::Outcome hit_rank_one(const std::string& dir, const std::string& tag, int signal) {
  const std::string out = dir + "/hit", log = dir + "/hit.log";
  pid_t job = test::spawn(test::command(2, "train " + dir + "/tiny.yaml --out " + out + " train.steps=100000"), log);
  const auto start = std::chrono::steady_clock::now();
  while (test::read_file(out + "/metrics.jsonl").empty() &&
         std::chrono::steady_clock::now() - start < std::chrono::seconds(60))
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  pid_t rank1 = test::find_rank(tag, 1);
  if (rank1 > 0) kill(rank1, signal);
  test::Outcome r = test::wait_for(job, log, 4 + 10 + 5);  // timeout_s + 10 s, and slack for the check
  if (rank1 <= 0) r.output += "\n[test: rank 1 not found]";
  if (signal == SIGSTOP && rank1 > 0) kill(rank1, SIGKILL);  // in case the job left it behind
  return r;
}

TEST_F(MultiRank, AKilledRankEndsTheJobWithAMessage) {
  test::Outcome r = hit_rank_one(dir_, tag_, SIGKILL);
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_LT(r.seconds, 4 + 10) << r.output;
  EXPECT_TRUE(std::regex_search(r.output, std::regex("rank 1"))) << r.output;
}

TEST_F(MultiRank, AStalledRankEndsTheJobAfterTheTimeoutNamingTheCollective) {
  test::Outcome r = hit_rank_one(dir_, tag_, SIGSTOP);
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_LT(r.seconds, 4 + 10) << r.output;
  EXPECT_TRUE(std::regex_search(r.output, std::regex("rank 0 of 2: [a-z_ ]+ did not complete within 4 s")))
      << r.output;
}

}  // namespace
}  // namespace sf
