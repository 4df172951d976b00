// Checkpoints of a model on a GPU: saved from device tensors (host copies made on the way), loaded onto
// either device with the same bits. Skipped without a GPU, failed under SF_REQUIRE_GPU=1 (require_gpu.h).
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "core/device.h"
#include "layers/linear.h"
#include "tests/gpu/require_gpu.h"
#include "train/checkpoint.h"

namespace sf {
namespace {

bool same_bits(const Tensor& a, const Tensor& b) {
  const Tensor x = a.to(Device::cpu()), y = b.to(Device::cpu());
  return x.shape() == y.shape() && std::memcmp(x.raw_data(), y.raw_data(), x.nbytes()) == 0;
}

TEST(CudaCheckpoint, SavesGpuTensorsAndLoadsThemOntoEitherDevice) {
  if (!cuda_available()) SF_SKIP_WITHOUT_GPU("no CUDA device is visible");
  Linear saved(16, 8, true, Init::normal(0.3), DType::f32, Init::uniform(0.1));
  saved.init_parameters(11);
  saved.to(Device::cuda());
  Checkpoint c;
  c.model = saved.state_dict();
  c.has_optimizer = false;
  const std::string path = ::testing::TempDir() + "/gpu_checkpoint.h5";
  save_checkpoint(path, c);
  const Checkpoint back = load_checkpoint(path, false);

  Linear on_cpu(16, 8, true, Init::zeros(), DType::f32, Init::zeros());
  Linear on_gpu(16, 8, true, Init::zeros(), DType::f32, Init::zeros());
  on_gpu.to(Device::cuda());
  load_model_state(on_cpu, back, path);
  load_model_state(on_gpu, back, path);
  EXPECT_TRUE(on_gpu.device().is_cuda());
  const auto expected = saved.state_dict(), cpu = on_cpu.state_dict(), gpu = on_gpu.state_dict();
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_TRUE(same_bits(cpu[i].second, expected[i].second)) << expected[i].first;
    EXPECT_TRUE(same_bits(gpu[i].second, expected[i].second)) << expected[i].first;
  }
}

}  // namespace
}  // namespace sf
