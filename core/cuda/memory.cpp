// Device query, device memory and copies of the CUDA backend.
#include <cstdio>

#include "core/cuda/cuda_backend.h"
#include "core/cuda/cuda_check.h"

namespace sf::cuda {

int device_count() {
  // Asked once: without a driver or a GPU the runtime reports an error, which means "no device"
  // here (the CPU backend keeps working), never an abort.
  static const int count = [] {
    int n = 0;
    if (cudaGetDeviceCount(&n) != cudaSuccess) {
      cudaGetLastError();  // clear the error so later calls do not see it
      return 0;
    }
    return n;
  }();
  return count;
}

bool available() { return device_count() > 0; }

void* try_allocate(size_t nbytes, int device) {
  if (nbytes == 0) return nullptr;
  SF_CHECK(device >= 0 && device < device_count(), "cuda: no device cuda:", device, " (",
           device_count(), " visible)");
  DeviceGuard guard(device);
  void* p = nullptr;
  cudaError_t err = cudaMalloc(&p, nbytes);
  if (err == cudaErrorMemoryAllocation) {
    cudaGetLastError();  // not sticky: clear it so the caller may free its cache and retry
    return nullptr;
  }
  SF_CUDA_CHECK(err);
  return p;
}

std::string memory_report(int device) {
  DeviceGuard guard(device);
  size_t free_bytes = 0, total = 0;
  if (cudaMemGetInfo(&free_bytes, &total) != cudaSuccess) {
    cudaGetLastError();
    return "";
  }
  const double gib = 1 << 30;
  return detail::cat("cuda:", device, " reports ", free_bytes / gib, " GiB free of ", total / gib, " GiB");
}

void deallocate(void* p, size_t nbytes, int device) {
  // Called from Storage's destructor, so it reports instead of throwing. At process exit the
  // runtime may already be unloaded; the memory is gone with it then.
  if (p == nullptr) return;
  int previous = 0;
  cudaGetDevice(&previous);
  cudaSetDevice(device);
  cudaError_t err = cudaFree(p);
  cudaSetDevice(previous);
  if (err != cudaSuccess && err != cudaErrorCudartUnloading) {
    std::fprintf(stderr, "seqforge: cudaFree of %zu bytes on cuda:%d failed: %s\n", nbytes, device,
                 cudaGetErrorString(err));
  }
}

static void copy(void* dst, const void* src, size_t nbytes, int device, cudaMemcpyKind kind) {
  if (nbytes == 0) return;
  DeviceGuard guard(device);
  // Synchronous: the host side may reuse or free its buffer as soon as this returns.
  SF_CUDA_CHECK(cudaMemcpy(dst, src, nbytes, kind));
}

void copy_host_to_device(void* dst, const void* src, size_t nbytes, int device) {
  copy(dst, src, nbytes, device, cudaMemcpyHostToDevice);
}
void copy_device_to_host(void* dst, const void* src, size_t nbytes, int device) {
  copy(dst, src, nbytes, device, cudaMemcpyDeviceToHost);
}
void copy_device_to_device(void* dst, const void* src, size_t nbytes, int device) {
  copy(dst, src, nbytes, device, cudaMemcpyDeviceToDevice);
}

}  // namespace sf::cuda
