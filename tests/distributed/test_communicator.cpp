// One process: the world-1 communicator, launcher environment parsing, and gradient bucketing
// (average of one rank = the gradient itself, whatever the bucket size, with tied weights and
// accumulation). The multi-rank behaviour is in test_multirank.cpp.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <optional>

#include "autograd/functions.h"
#include "core/ops.h"
#include "distributed/gradient_sync.h"
#include "distributed/single_communicator.h"
#include "distributed/world.h"

namespace sf {
namespace {

TEST(SingleCommunicator, CollectivesAreTheIdentity) {
  SingleCommunicator comm;
  Tensor t = from_vector(std::vector<float>{1, 2, 3, 4}, {2, 2});
  comm.all_reduce(t, ReduceOp::avg);
  EXPECT_EQ(t.data<float>()[3], 4.0f);
  comm.broadcast(t, 0);
  EXPECT_THROW(comm.broadcast(t, 1), Error);
  Tensor g = comm.all_gather(t);
  EXPECT_FALSE(g.shares_storage(t));
  EXPECT_EQ(g.shape(), t.shape());
  EXPECT_EQ(comm.reduce_scatter(t, ReduceOp::sum).data<float>()[2], 3.0f);
}

// Sets environment variables for one test and restores them after.
class ScopedEnv {
 public:
  void set(const char* name, const char* value) {
    const char* old = std::getenv(name);
    saved_.emplace_back(name, old ? std::optional<std::string>(old) : std::nullopt);
    setenv(name, value, 1);
  }
  ~ScopedEnv() {
    for (auto it = saved_.rbegin(); it != saved_.rend(); ++it)  // newest first: a name set twice ends as before
      it->second ? (void)setenv(it->first.c_str(), it->second->c_str(), 1) : (void)unsetenv(it->first.c_str());
  }

 private:
  std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
};

TEST(World, ReadsSlurmWhenOpenMpiIsAbsent) {
  if (std::getenv("OMPI_COMM_WORLD_SIZE") || std::getenv("PMI_SIZE")) GTEST_SKIP() << "run under a launcher";
  ScopedEnv env;
  env.set("SLURM_PROCID", "3");
  env.set("SLURM_NTASKS", "4");
  env.set("SLURM_LOCALID", "1");
  env.set("SLURM_NTASKS_PER_NODE", "2");
  WorldInfo w = world_from_env();
  EXPECT_EQ(w.rank, 3);
  EXPECT_EQ(w.world, 4);
  EXPECT_EQ(w.local_rank, 1);
  EXPECT_EQ(w.local_world, 2);
  env.set("SLURM_PROCID", "4");
  EXPECT_THROW(world_from_env(), Error);
}

TEST(World, NoLauncherIsRankZeroOfOne) {
  if (std::getenv("OMPI_COMM_WORLD_SIZE") || std::getenv("PMI_SIZE") || std::getenv("SLURM_NTASKS"))
    GTEST_SKIP() << "run under a launcher";
  WorldInfo w = world_from_env();
  EXPECT_EQ(w.rank, 0);
  EXPECT_EQ(w.world, 1);
  EXPECT_EQ(make_communicator(DistributedConfig{}, Device::cpu())->backend(), "single");
}

// n deterministic float64 values in [-1, 1), shaped.
Tensor values(const Shape& shape, double seed) {
  std::vector<double> v(static_cast<size_t>(shape_numel(shape)));
  for (size_t i = 0; i < v.size(); ++i) v[i] = std::sin(seed + 1.7 * static_cast<double>(i));
  return from_vector(v, shape);
}

// y = sum(w_tied · (w_tied · x) + b): w_tied receives two accumulations per backward.
Variable tiny_loss(const Variable& w, const Variable& b, const Tensor& x) {
  Variable h = matmul(w, Variable(x));
  return sum(matmul(w, h) + b);
}

TEST(GradientSync, WorldOfOneLeavesGradientsAsComputed) {
  for (double bucket_mb : {1e-6, 25.0}) {  // one parameter per bucket / everything in one bucket
    Variable w(values({3, 3}, 7), true), b(values({3, 1}, 8), true), unused(zeros({2}, DType::f64), true);
    Tensor x = values({3, 1}, 9);
    SingleCommunicator comm;
    GradientSync sync(comm, {w, b, unused}, bucket_mb);
    EXPECT_EQ(sync.bucket_count(), bucket_mb < 1 ? 3u : 1u);
    for (int step = 0; step < 3; ++step) {  // the first step learns the counts, later ones launch early
      w.zero_grad();
      b.zero_grad();
      unused.zero_grad();
      for (int micro = 0; micro < 2; ++micro) {
        sync.begin_micro_step(micro == 1);
        (tiny_loss(w, b, x) * 0.5).backward();
      }
      sync.finish();
      Variable w_ref(w.data(), true), b_ref(b.data(), true);
      tiny_loss(w_ref, b_ref, x).backward();
      EXPECT_LT(max_abs_diff(w.grad(), w_ref.grad()), 1e-12) << "step " << step;
      EXPECT_LT(max_abs_diff(b.grad(), b_ref.grad()), 1e-12) << "step " << step;
      EXPECT_EQ(max_abs_diff(unused.grad(), zeros({2}, DType::f64)), 0.0);  // zeros stand in for a missing gradient
    }
  }
}

TEST(GradientSync, RefusesAGraphThatChangesAfterTheFirstStep) {
  Variable w(values({3, 3}, 1), true);
  Tensor x = values({3, 1}, 2);
  SingleCommunicator comm;
  GradientSync sync(comm, {w}, 25.0);
  sync.begin_micro_step(true);
  sum(matmul(w, Variable(x))).backward();  // w used once: one accumulation expected from now on
  sync.finish();
  w.zero_grad();
  sync.begin_micro_step(true);
  EXPECT_THROW(tiny_loss(w, Variable(zeros({3, 1}, DType::f64)), x).backward(), Error);
}

}  // namespace
}  // namespace sf
