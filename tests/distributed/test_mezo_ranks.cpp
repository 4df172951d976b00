// MeZO under `mpirun -np 2` (spec/optim.md §3.5, §3.7 check 1): every rank derives the same directions and
// averages ℓ± over the ranks, so the two replicas hold bitwise the same parameters after every step, and the
// trajectory is that of one process on the union batch (to rounding: a mean of the ranks' means is summed in
// another order). The test launches this binary's worker test on two ranks; the worker is skipped otherwise.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <random>

#include "core/ops.h"
#include "distributed/world.h"
#include "layers/sequence_model.h"
#include "optim/factory.h"
#include "tests/distributed/launch.h"
#include "train/train_step.h"

namespace sf {
namespace {

constexpr const char* kWorkerVariable = "SF_MEZO_RANK_WORKER";

RunConfig tiny() {
  RunConfig c;
  c.model.n_layer = 2;
  c.model.n_head = 2;
  c.model.n_embd = 32;
  c.model.block_size = 16;
  c.model.vocab_size = 64;
  c.optim.name = OptimizerKind::mezo;
  c.optim.lr = 1e-2;
  c.optim.weight_decay = 0.1;
  c.optim.mezo.eps = 1e-2;
  c.optim.mezo.n_spsa = 2;
  return c;
}

Tensor flat(const SequenceModel& model) {
  std::vector<Tensor> parts;
  for (const auto& [name, t] : model.state_dict()) parts.push_back(t.reshape({-1}));
  return cat(parts, 0);
}

TEST(MezoRankWorker, ReplicasStayBitwiseEqualAndFollowOneProcess) {
  if (!std::getenv(kWorkerVariable)) GTEST_SKIP() << "runs under mpirun, launched by MezoRanks";
  const RunConfig c = tiny();
  auto comm = make_communicator(c.distributed, Device::cpu());
  ASSERT_EQ(comm->world(), 2);
  const int rank = comm->rank();
  SequenceModel replica(c.model), single(c.model);
  replica.init_parameters(1);
  single.init_parameters(1);
  auto replica_opt = make_optimizer(c.optim, replica.named_parameters());
  auto single_opt = make_optimizer(c.optim, single.named_parameters());
  constexpr int64_t B = 4, T = 16;
  Batch global;  // the step's union batch; rank r takes rows [2r, 2r + 2)
  auto replica_step = make_train_step(
      c, StepContext{replica, *replica_opt, [&] { return Batch{global.x.narrow(0, 2 * rank, 2).contiguous(),
                                                                global.y.narrow(0, 2 * rank, 2).contiguous()}; },
                     9, 8, false, comm.get()});
  auto single_step = make_train_step(c, StepContext{single, *single_opt, [&] { return global; }, 9, 8});
  std::mt19937_64 gen(4);
  std::uniform_int_distribution<int64_t> tok(0, c.model.vocab_size - 1);
  for (int64_t t = 0; t < 8; ++t) {
    std::vector<int64_t> x(B * T), y(B * T);
    for (size_t i = 0; i < x.size(); ++i) x[i] = tok(gen), y[i] = tok(gen);
    global = {from_vector(x, {B, T}), from_vector(y, {B, T})};
    const StepOutcome a = replica_step->prepare(t), b = single_step->prepare(t);
    EXPECT_NEAR(a.loss, b.loss, 1e-6 * std::abs(b.loss)) << "step " << t;
    EXPECT_NEAR(a.grad_norm, b.grad_norm, 1e-3 * std::abs(b.grad_norm) + 1e-3) << "step " << t;
    replica_step->apply(c.optim.lr);
    single_step->apply(c.optim.lr);
    const Tensor mine = flat(replica), both = comm->all_gather(mine.reshape({1, -1}));
    EXPECT_EQ(std::memcmp(both.data<float>(), both.data<float>() + mine.numel(), mine.nbytes()), 0)
        << "the ranks differ after step " << t;
    const float* r = mine.data<float>();
    const Tensor reference = flat(single);
    const float* s = reference.data<float>();
    double worst = 0;
    for (int64_t e = 0; e < mine.numel(); ++e) worst = std::max(worst, std::abs(double(r[e]) - double(s[e])));
    EXPECT_LT(worst, 1e-5) << "step " << t;
  }
  std::printf("mezo ranks: rank %d checked 8 steps\n", rank);
}

TEST(MezoRanks, TwoRanksAgreeBitwiseAndWithOneProcess) {
#if !SF_WITH_MPI
  GTEST_SKIP() << "built without MPI";
#endif
  if (!test::have_mpirun()) GTEST_SKIP() << "mpirun not found";
  if (std::getenv(kWorkerVariable)) GTEST_SKIP() << "this is a worker";
  const std::string exe = std::filesystem::read_symlink("/proc/self/exe").string();
  const std::string log = testing::TempDir() + "/sf_mezo_ranks_" + std::to_string(getpid()) + ".log";
  const test::Outcome o = test::run(test::mpirun_prefix(2) + "-x " + std::string(kWorkerVariable) + "=1 " + exe +
                                        " --gtest_filter=MezoRankWorker.*",
                                    log, 300);
  EXPECT_EQ(o.exit_code, 0) << o.output;
  EXPECT_NE(o.output.find("rank 0 checked 8 steps"), std::string::npos) << o.output;
  EXPECT_NE(o.output.find("rank 1 checked 8 steps"), std::string::npos) << o.output;
  std::filesystem::remove(log);
}

}  // namespace
}  // namespace sf
