// The GPU tests (this folder, ctest label `gpu`) skip themselves where they cannot run: no CUDA device
// visible, or a build without CUDA / NCCL. On a GPU runner a skip would hide a broken set-up, so
// SF_REQUIRE_GPU=1 in the environment turns each of those skips into a failure.
#pragma once
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

namespace sf::test {

inline bool gpu_required() {
  const char* v = std::getenv("SF_REQUIRE_GPU");
  return v != nullptr && std::string(v) == "1";
}

}  // namespace sf::test

// Use in a test body (or SetUp): skips with `why`, or fails with it under SF_REQUIRE_GPU=1.
#define SF_SKIP_WITHOUT_GPU(why)                                                       \
  do {                                                                                 \
    if (::sf::test::gpu_required()) FAIL() << "SF_REQUIRE_GPU=1, but " << (why);       \
    GTEST_SKIP() << (why);                                                             \
  } while (0)
