// The optimizers' CUDA steps against their CPU steps (the same element math, optim/*_math.h, built without
// FMA contraction on both sides): bitwise equal parameters and state. Skipped without a GPU, failed under
// SF_REQUIRE_GPU=1 (require_gpu.h).
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "core/device.h"
#include "core/tensor.h"
#include "optim/adamw.h"
#include "optim/sgd.h"
#include "tests/gpu/require_gpu.h"

namespace sf {
namespace {

#ifdef SF_WITH_CUDA

Tensor ramp(const Shape& shape, float scale, float shift) {
  std::vector<float> v(static_cast<size_t>(shape_numel(shape)));
  for (size_t i = 0; i < v.size(); ++i) v[i] = scale * static_cast<float>((i * 37) % 101) / 101.0f + shift;
  return from_vector<float>(v, shape);
}

// Two groups (decayed matrices, an undecayed vector at half the lr); the last parameter never has a
// gradient, as a frozen or unused one, and must stay as it was.
std::vector<ParamGroup> groups_on(Device device, std::vector<Variable>& params) {
  params = {Variable(ramp({3000}, 2, -1).to(device), true), Variable(ramp({17, 33}, 1, -0.5f).to(device), true),
            Variable(ramp({64}, 0.5f, 0).to(device), true), Variable(ramp({5}, 1, 0).to(device), true)};
  return {ParamGroup{{"w0", "w1"}, {params[0], params[1]}, 0.1, 1.0},
          ParamGroup{{"b", "frozen"}, {params[2], params[3]}, 0.0, 0.5}};
}

bool same_bits(const Tensor& gpu, const Tensor& cpu) {
  Tensor g = gpu.to(Device::cpu());
  return g.shape() == cpu.shape() && std::memcmp(g.raw_data(), cpu.raw_data(), cpu.nbytes()) == 0;
}

TEST(CudaOptim, AdamWStepEqualsTheCpuStepBitwise) {
  if (!cuda_available()) SF_SKIP_WITHOUT_GPU("no CUDA device is visible");
  std::vector<Variable> cpu_params, gpu_params;
  AdamW cpu(groups_on(Device::cpu(), cpu_params), {0.9, 0.95, 1e-8});
  AdamW gpu(groups_on(Device::cuda(), gpu_params), {0.9, 0.95, 1e-8});
  for (int step = 0; step < 4; ++step) {
    for (size_t i = 0; i + 1 < cpu_params.size(); ++i) {
      Tensor g = ramp(cpu_params[i].shape(), 0.2f * (step + 1), -0.1f * step);
      cpu_params[i].set_grad(g);
      gpu_params[i].set_grad(g.to(Device::cuda()));
    }
    cpu.step(3e-3);
    gpu.step(3e-3);
  }
  for (size_t i = 0; i < cpu_params.size(); ++i)
    EXPECT_TRUE(same_bits(gpu_params[i].data(), cpu_params[i].data())) << "parameter " << i;
  const auto cpu_state = cpu.state_tensors(), gpu_state = gpu.state_tensors();
  ASSERT_EQ(cpu_state.size(), gpu_state.size());
  for (size_t k = 0; k < cpu_state.size(); ++k)
    EXPECT_TRUE(same_bits(gpu_state[k].second, cpu_state[k].second)) << cpu_state[k].first;
}

// Momentum with and without Nesterov, and plain SGD (no state buffer).
TEST(CudaOptim, SgdStepEqualsTheCpuStepBitwise) {
  if (!cuda_available()) SF_SKIP_WITHOUT_GPU("no CUDA device is visible");
  for (const SgdOptions options : {SgdOptions{0.9, false}, SgdOptions{0.9, true}, SgdOptions{0.0, false}}) {
    std::vector<Variable> cpu_params, gpu_params;
    Sgd cpu(groups_on(Device::cpu(), cpu_params), options);
    Sgd gpu(groups_on(Device::cuda(), gpu_params), options);
    for (int step = 0; step < 4; ++step) {
      for (size_t i = 0; i + 1 < cpu_params.size(); ++i) {
        Tensor g = ramp(cpu_params[i].shape(), 0.2f * (step + 1), -0.1f * step);
        cpu_params[i].set_grad(g);
        gpu_params[i].set_grad(g.to(Device::cuda()));
      }
      cpu.step(0.05);
      gpu.step(0.05);
    }
    for (size_t i = 0; i < cpu_params.size(); ++i)
      EXPECT_TRUE(same_bits(gpu_params[i].data(), cpu_params[i].data()))
          << "parameter " << i << ", momentum " << options.momentum << ", nesterov " << options.nesterov;
  }
}

TEST(CudaOptim, AdamWRefusesParametersSplitAcrossDevices) {
  if (!cuda_available()) SF_SKIP_WITHOUT_GPU("no CUDA device is visible");
  Variable a(zeros({4}).to(Device::cuda()), true), b(zeros({4}), true);
  a.set_grad(ones({4}).to(Device::cuda()));
  b.set_grad(ones({4}));
  AdamW opt({ParamGroup{{"a", "b"}, {a, b}, 0.0, 1.0}});
  EXPECT_THROW(opt.step(1e-3), Error);
}

#else

TEST(CudaOptim, NotBuilt) { SF_SKIP_WITHOUT_GPU("seqforge was built without CUDA (SF_WITH_CUDA off)"); }

#endif  // SF_WITH_CUDA

}  // namespace
}  // namespace sf
