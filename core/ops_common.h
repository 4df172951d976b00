// Argument checks shared by the op dispatch layer (core/ops_*.cpp). Internal: not for layers.
// Every message starts with the op's name so that a user sees which call failed.
#pragma once
#include <cstdint>
#include <initializer_list>
#include <vector>

#include "core/tensor.h"

namespace sf::ops_detail {

// Throws "<op>: no CUDA kernel yet; move the tensor to cpu" unless every tensor is on the CPU.
void require_cpu(const char* op, std::initializer_list<const Tensor*> ts);
// True when every tensor is a CUDA tensor on one device; throws when devices are mixed.
bool all_cuda(const char* op, std::initializer_list<const Tensor*> ts);

void check_defined(const char* op, const Tensor& t);
void check_same_dtype(const char* op, const Tensor& a, const Tensor& b);
void check_floating(const char* op, const Tensor& t);  // float32, float64
void check_arith(const char* op, const Tensor& t);     // float32, float64, int32, int64
void check_index(const char* op, const Tensor& t);     // int32, int64

bool broadcastable(const Shape& a, const Shape& b);  // numpy rules

// Which dims a reduction covers (dims may be negative; empty = all); throws on repeats.
std::vector<bool> reduced_dims(const char* op, const Shape& dims, int64_t ndim);

}  // namespace sf::ops_detail
