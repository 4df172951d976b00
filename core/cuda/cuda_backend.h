// Host-side API of the CUDA backend. Plain C++ (no CUDA headers), so core/ can call it; implemented
// in core/cuda/*.cu / *.cpp, which are built only when nvcc is found (SF_WITH_CUDA).
#pragma once
#include <cstddef>
#include <string>

#include "core/ops.h"

namespace sf::cuda {

bool available();  // a device is visible at run time
int device_count();

// Raw device memory for the caching allocator (core/caching_allocator.h): cudaMalloc, nullptr when the
// device is out of memory; cudaFree (synchronises the device: the cache calls it only when released).
void* try_allocate(size_t nbytes, int device);
void deallocate(void* p, size_t nbytes, int device);
// "cuda:0 reports 1.5 GiB free of 80 GiB" for out-of-memory messages.
std::string memory_report(int device);
void copy_host_to_device(void* dst, const void* src, size_t nbytes, int device);
void copy_device_to_host(void* dst, const void* src, size_t nbytes, int device);
void copy_device_to_device(void* dst, const void* src, size_t nbytes, int device);

// Kernels behind the dispatch points of core/ops.h (contiguous float32 operands).
Tensor unary(UnaryOp op, const Tensor& x);
Tensor binary(BinaryOp op, const Tensor& a, const Tensor& b);  // same shapes
Tensor matmul(const Tensor& a, const Tensor& b, bool trans_a, bool trans_b);  // 2-D, cuBLAS

}  // namespace sf::cuda
