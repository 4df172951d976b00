// Module::to on a GPU: parameters and gradients move there and back with their bits, the Variables stay
// the same. Skipped without a GPU, failed under SF_REQUIRE_GPU=1 (require_gpu.h).
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "core/device.h"
#include "layers/linear.h"
#include "tests/gpu/require_gpu.h"

namespace sf {
namespace {

TEST(CudaModule, ToMovesParametersAndGradientsThereAndBack) {
  if (!cuda_available()) SF_SKIP_WITHOUT_GPU("no CUDA device is visible");
  Linear layer(8, 4, true, Init::normal(0.5), DType::f32, Init::uniform(0.1));
  layer.init_parameters(7);
  std::vector<Variable> params = layer.parameters();
  std::vector<Tensor> values;
  for (Variable& p : params) values.push_back(p.data().clone());
  params[0].set_grad(ones({4, 8}));
  layer.to(Device::cuda());
  EXPECT_TRUE(layer.device().is_cuda());
  for (size_t i = 0; i < params.size(); ++i) {
    EXPECT_TRUE(layer.parameters()[i].same(params[i]));
    EXPECT_TRUE(params[i].data().device().is_cuda());
  }
  EXPECT_TRUE(params[0].grad().device().is_cuda());
  layer.to(Device::cpu());
  for (size_t i = 0; i < params.size(); ++i)
    EXPECT_EQ(std::memcmp(params[i].data().raw_data(), values[i].raw_data(), values[i].nbytes()), 0) << i;
}

}  // namespace
}  // namespace sf
