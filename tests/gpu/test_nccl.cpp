// The NCCL engine (built with CUDA and NCCL): a world of one on GPU 0, every collective against
// its CPU meaning; skipped without a GPU (or without NCCL in the build), failed then under SF_REQUIRE_GPU=1. Multi-GPU runs use the
// same code path with an MPI-broadcast unique id (not testable on the CI machine).
#include <gtest/gtest.h>

#include "core/ops.h"
#include "distributed/world.h"
#include "tests/gpu/require_gpu.h"
#include "tests/random.h"
#include "tests/support.h"

namespace sf {
namespace {

TEST(Nccl, RefusesCpuTensors) {
  DistributedConfig c;
  c.backend = BackendKind::nccl;
  EXPECT_CONTAINS(test::error_of([&] { make_communicator(c, Device::cpu()); }), "nccl needs CUDA tensors");
}

TEST(Nccl, WorldOfOneCollectivesOnTheGpu) {
#if !SF_WITH_NCCL
  SF_SKIP_WITHOUT_GPU("seqforge was built without NCCL");
#else
  if (cuda_device_count() == 0) SF_SKIP_WITHOUT_GPU("no CUDA device is visible");
  if (world_from_env().world != 1) GTEST_SKIP() << "run under a launcher";
  DistributedConfig c;
  c.backend = BackendKind::nccl;
  auto comm = make_communicator(c, Device::cuda(0));
  EXPECT_EQ(comm->backend(), "nccl");
  EXPECT_EQ(comm->world(), 1);
  const Tensor host = test::randn({4, 6}, 1, DType::f32);
  for (ReduceOp op : {ReduceOp::sum, ReduceOp::avg}) {
    Tensor t = host.to(Device::cuda(0));
    comm->all_reduce(t, op);
    EXPECT_EQ(max_abs_diff(t.to(Device::cpu()), host), 0.0);
  }
  Tensor b = host.to(Device::cuda(0));
  comm->broadcast(b, 0);
  EXPECT_EQ(max_abs_diff(b.to(Device::cpu()), host), 0.0);
  EXPECT_EQ(max_abs_diff(comm->all_gather(host.to(Device::cuda(0))).to(Device::cpu()), host), 0.0);
  EXPECT_EQ(max_abs_diff(comm->reduce_scatter(host.to(Device::cuda(0)), ReduceOp::sum).to(Device::cpu()), host), 0.0);
  comm->barrier();
#endif
}

}  // namespace
}  // namespace sf
