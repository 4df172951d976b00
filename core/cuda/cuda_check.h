// Checks for CUDA runtime calls: a failure becomes an sf::Error naming the call, the runtime's own
// message and the source line. Internal to core/cuda.
#pragma once
#include <cuda_runtime_api.h>

#include "core/error.h"

#define SF_CUDA_CHECK(expr)                                                                     \
  do {                                                                                          \
    cudaError_t sf_err_ = (expr);                                                               \
    if (sf_err_ != cudaSuccess)                                                                 \
      throw ::sf::Error(::sf::detail::cat("CUDA error: ", cudaGetErrorString(sf_err_), " in ", \
                                          #expr, " (", __FILE__, ":", __LINE__, ")"));          \
  } while (0)

namespace sf::cuda {

// Makes `device` current for the scope and restores the previous one (other threads and the
// caller may have their own current device).
class DeviceGuard {
 public:
  explicit DeviceGuard(int device) {
    SF_CUDA_CHECK(cudaGetDevice(&previous_));
    if (previous_ != device) SF_CUDA_CHECK(cudaSetDevice(device));
  }
  ~DeviceGuard() { cudaSetDevice(previous_); }  // cannot fail once the device was set before
  DeviceGuard(const DeviceGuard&) = delete;
  DeviceGuard& operator=(const DeviceGuard&) = delete;

 private:
  int previous_ = 0;
};

}  // namespace sf::cuda
