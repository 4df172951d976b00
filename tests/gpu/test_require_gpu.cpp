// SF_REQUIRE_GPU=1 turns the GPU tests' skips into failures: run this folder's CUDA and NCCL tests again in a
// child process with it set, on a machine (or build) where they cannot run, and expect a failing exit.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "core/device.h"
#include "tests/support.h"

namespace sf {
namespace {

TEST(RequireGpu, TurnsTheSkipsIntoFailuresWhereNoGpuIsVisible) {
  if (cuda_device_count() > 0) GTEST_SKIP() << "a GPU is visible: the GPU tests run instead of skipping";
  test::ScratchDir dir;
  const std::string log = dir.path("child.log");
  const std::string binary = std::string(SF_BINARY_DIR) + "/tests/test_gpu";
  const auto run = [&](const std::string& env) {
    const int status = std::system((env + " " + binary + " --gtest_filter='Cuda*:Nccl*' > " + log + " 2>&1").c_str());
    std::stringstream text;
    text << std::ifstream(log).rdbuf();
    return std::make_pair(status, text.str());
  };
  const auto [plain_status, plain] = run("SF_REQUIRE_GPU=0");
  EXPECT_EQ(plain_status, 0) << plain;  // skipped, not failed
  EXPECT_NE(plain.find("SKIPPED"), std::string::npos) << plain;
  const auto [required_status, required] = run("SF_REQUIRE_GPU=1");
  EXPECT_NE(required_status, 0) << required;
  EXPECT_NE(required.find("SF_REQUIRE_GPU=1, but"), std::string::npos) << required;
}

}  // namespace
}  // namespace sf
