// Host-side API of the CUDA backend. Plain C++ (no CUDA headers), so core/ can call it; implemented
// in core/cuda/*.cu / *.cpp, which are built only when nvcc is found (SF_WITH_CUDA).
#pragma once
#include <cstddef>

#include "core/ops.h"

namespace sf::cuda {

bool available();  // a device is visible at run time
int device_count();

void* allocate(size_t nbytes, int device);
void deallocate(void* p, size_t nbytes, int device);
void copy_host_to_device(void* dst, const void* src, size_t nbytes, int device);
void copy_device_to_host(void* dst, const void* src, size_t nbytes, int device);
void copy_device_to_device(void* dst, const void* src, size_t nbytes, int device);

// Kernels behind the dispatch points of core/ops.h (contiguous float32 operands).
Tensor unary(UnaryOp op, const Tensor& x);
Tensor binary(BinaryOp op, const Tensor& a, const Tensor& b);  // same shapes
Tensor matmul(const Tensor& a, const Tensor& b, bool trans_a, bool trans_b);  // 2-D, cuBLAS

}  // namespace sf::cuda
