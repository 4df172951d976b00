// The CUDA backend against the CPU backend. Runs where a GPU is visible; skipped elsewhere (and in
// builds without CUDA, where it still compiles), failed instead under SF_REQUIRE_GPU=1 (require_gpu.h).
// Without a GPU the device must fail with an sf::Error, never an abort.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "core/device.h"
#include "core/ops.h"
#include "core/tensor.h"
#include "layers/rnn/linear_scan.h"
#include "layers/ssm/selective_scan.h"
#include "tests/gpu/require_gpu.h"
#ifdef SF_WITH_CUDA
#include "core/cuda/cuda_backend.h"
#endif

namespace sf {
namespace {

TEST(CudaWithoutDevice, AllocationThrows) {
  if (cuda_available()) GTEST_SKIP() << "a GPU is visible";
  EXPECT_EQ(cuda_device_count(), 0);
  EXPECT_THROW(empty({4}, DType::f32, Device::cuda()), Error);
  EXPECT_THROW(zeros({2, 2}).to(Device::cuda()), Error);
}

#ifdef SF_WITH_CUDA

// Deterministic values in [lo, hi]: the test needs coverage of the range, not randomness.
std::vector<float> spread(int64_t n, float lo, float hi, int64_t stride = 7) {
  std::vector<float> v(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) v[i] = lo + (hi - lo) * float((i * stride) % n) / float(n - 1);
  return v;
}

// |gpu - cpu| <= tol * (1 + |cpu|) everywhere; NaN must match NaN.
void expect_close(const Tensor& gpu, const Tensor& cpu, double tol, const std::string& what) {
  ASSERT_TRUE(gpu.device().is_cuda()) << what;
  ASSERT_EQ(gpu.shape(), cpu.shape()) << what;
  std::vector<float> g = to_vector<float>(gpu.to(Device::cpu())), c = to_vector<float>(cpu);
  for (size_t i = 0; i < g.size(); ++i) {
    if (std::isnan(c[i])) {
      EXPECT_TRUE(std::isnan(g[i])) << what << " at " << i;
    } else {
      EXPECT_NEAR(g[i], c[i], tol * (1.0 + std::fabs(c[i]))) << what << " at " << i;
    }
  }
}

class Cuda : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!cuda_available()) SF_SKIP_WITHOUT_GPU("no CUDA device is visible");
  }
};

TEST_F(Cuda, RoundTripKeepsValuesAndDtype) {
  Tensor x = from_vector<float>(spread(1000, -3, 3), {10, 100});
  Tensor d = x.to(Device::cuda());
  EXPECT_TRUE(d.device().is_cuda());
  EXPECT_EQ(d.shape(), x.shape());
  EXPECT_EQ(to_vector<float>(d.to(Device::cpu())), to_vector<float>(x));

  Tensor i = arange(17, DType::i64);
  EXPECT_EQ(to_vector<int64_t>(i.to(Device::cuda()).to(Device::cpu())), to_vector<int64_t>(i));
  Tensor dd = d.clone();  // device to device
  EXPECT_EQ(to_vector<float>(dd.to(Device::cpu())), to_vector<float>(x));
}

TEST_F(Cuda, UnaryMatchesCpu) {
  const Tensor any = from_vector<float>(spread(4099, -6, 6), {4099});  // odd size: a partial block
  const Tensor pos = from_vector<float>(spread(4099, 0.05f, 9), {4099});
  for (const UnaryOpInfo& u : kUnaryOps) {
    const Tensor& x = u.domain == OpDomain::positive ? pos : any;
    expect_close(cuda::unary(u.op, x.to(Device::cuda())), unary(u.op, x), 1e-5, u.name);
  }
}

TEST_F(Cuda, BinaryMatchesCpu) {
  std::vector<float> av = spread(3001, -5, 5), bv = spread(3001, -4, 6, 11);
  for (size_t i = 0; i < av.size(); i += 3) bv[i] = av[i];  // equal pairs for the comparisons
  const Tensor a = from_vector<float>(av, {3001}), b = from_vector<float>(bv, {3001});
  const Tensor pa = from_vector<float>(spread(3001, 0.1f, 4), {3001});  // positive domain (pow): a > 0
  for (const BinaryOpInfo& info : kBinaryOps) {
    const Tensor& lhs = info.domain == OpDomain::positive ? pa : a;
    expect_close(cuda::binary(info.op, lhs.to(Device::cuda()), b.to(Device::cuda())), binary(info.op, lhs, b),
                 1e-5, info.name);
  }
}

TEST_F(Cuda, BinaryRejectsMismatchedShapes) {
  Tensor a = zeros({2, 3}).to(Device::cuda()), b = zeros({3, 2}).to(Device::cuda());
  EXPECT_THROW(cuda::binary(BinaryOp::add, a, b), Error);
}

TEST_F(Cuda, MatmulMatchesCpu) {
  const int64_t m = 33, k = 70, n = 19;  // not multiples of any tile size
  const Tensor a = from_vector<float>(spread(m * k, -1, 1), {m, k});
  const Tensor b = from_vector<float>(spread(k * n, -1, 1, 13), {k, n});
  const Tensor at = a.t().contiguous(), bt = b.t().contiguous();  // (k, m), (n, k)
  const Tensor ref = matmul(a, b);
  const Tensor ga = a.to(Device::cuda()), gb = b.to(Device::cuda());
  const Tensor gat = at.to(Device::cuda()), gbt = bt.to(Device::cuda());
  expect_close(cuda::matmul(ga, gb, false, false), ref, 1e-4, "a @ b");
  expect_close(cuda::matmul(gat, gb, true, false), ref, 1e-4, "at^T @ b");
  expect_close(cuda::matmul(ga, gbt, false, true), ref, 1e-4, "a @ bt^T");
  expect_close(cuda::matmul(gat, gbt, true, true), ref, 1e-4, "at^T @ bt^T");
  // Transposed views (column-contiguous) go to cuBLAS without a copy.
  expect_close(cuda::matmul(gat.t(), gbt.t(), false, false), ref, 1e-4, "view a @ view b");
}

TEST_F(Cuda, MatmulRejectsInnerMismatch) {
  Tensor a = zeros({2, 3}).to(Device::cuda()), b = zeros({4, 2}).to(Device::cuda());
  EXPECT_THROW(cuda::matmul(a, b, false, false), Error);
}

// Code without a CUDA path takes host pointers through Tensor::data(), which refuses a GPU tensor with a
// message instead of handing device memory to the CPU (a crash, or garbage): the SSM and RNN kernels here.
TEST_F(Cuda, HostCodeRefusesGpuTensors) {
  Tensor x = from_vector<float>(spread(8, -1, 1), {2, 4});
  Tensor d = x.to(Device::cuda());
  EXPECT_NE(d.device_data<float>(), nullptr);
  try {
    (void)d.data<float>();
    ADD_FAILURE() << "data() returned a host pointer to device memory";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("runs on the CPU only"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("cuda:0"), std::string::npos) << e.what();
  }
  Tensor A = zeros({1, 3, 2}).to(Device::cuda()), b = zeros({1, 3, 2}).to(Device::cuda());
  EXPECT_THROW(linear_scan_sequential_(A, b), Error);
  Tensor h = zeros({1, 2, 4}).to(Device::cuda());
  Tensor u = zeros({1, 2}).to(Device::cuda()), Bm = zeros({1, 4}).to(Device::cuda());
  EXPECT_THROW(selective_scan_step(h, u, u, zeros({2, 4}).to(Device::cuda()), Bm, Bm, zeros({2}).to(Device::cuda())),
               Error);
}

#else

TEST(Cuda, NotBuilt) { SF_SKIP_WITHOUT_GPU("seqforge was built without CUDA (SF_WITH_CUDA off)"); }

#endif  // SF_WITH_CUDA

}  // namespace
}  // namespace sf
