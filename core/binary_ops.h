// The element-wise binary ops, declared once. Everything that enumerates them expands SF_BINARY_OPS: the
// BinaryOp enum and kBinaryOpCount, op_name, the CPU and CUDA dispatch, the autograd dispatch and the tests
// (the gradcheck among them), so that a new op is one line here plus its math struct in
// core/elementwise_math.h. An op whose struct lacks f(a, b), or whose f is not __host__ __device__, fails to
// compile; so does a differentiable op without its autograd function (autograd/elementwise.cpp).
//
// X(name, Math, differentiable, domain)
//   name            the BinaryOp enumerator and its op_name (and, if differentiable, the autograd function)
//   Math            the struct in sf::math with f(a, b), for float, double, int32_t and int64_t
//   differentiable  false for the comparisons, which return 1/0 in the inputs' dtype
//   domain          OpDomain::real, or ::positive where a > 0 and b > 0 keep f smooth and its gradient
//                   defined: the inputs the tests and gradcheck draw
// Every op accepts int32/int64 inputs. Plain C++ only: the CUDA kernels include this.
#pragma once
#include <cstddef>
#include <cstdint>

#include "core/unary_ops.h"  // OpDomain

// clang-format off
#define SF_BINARY_OPS(X)                          \
  X(add,     Add,     true,  real)                \
  X(sub,     Sub,     true,  real)                \
  X(mul,     Mul,     true,  real)                \
  X(div,     Div,     true,  positive)            \
  X(pow,     Pow,     true,  positive)            \
  X(maximum, Maximum, true,  real)                \
  X(minimum, Minimum, true,  real)                \
  X(eq,      Eq,      false, real)                \
  X(ne,      Ne,      false, real)                \
  X(lt,      Lt,      false, real)                \
  X(le,      Le,      false, real)                \
  X(gt,      Gt,      false, real)                \
  X(ge,      Ge,      false, real)
// clang-format on

namespace sf {

enum class BinaryOp : uint8_t {
#define SF_BINARY_ENUMERATOR(name, Math, differentiable, domain) name,
  SF_BINARY_OPS(SF_BINARY_ENUMERATOR)
#undef SF_BINARY_ENUMERATOR
};

struct BinaryOpInfo {
  BinaryOp op;
  const char* name;
  bool differentiable;
  OpDomain domain;
};

// Indexed by the enumerator.
inline constexpr BinaryOpInfo kBinaryOps[] = {
#define SF_BINARY_INFO(name, Math, differentiable, domain) {BinaryOp::name, #name, differentiable, OpDomain::domain},
    SF_BINARY_OPS(SF_BINARY_INFO)
#undef SF_BINARY_INFO
};
inline constexpr size_t kBinaryOpCount = sizeof(kBinaryOps) / sizeof(kBinaryOps[0]);

constexpr const BinaryOpInfo& binary_op_info(BinaryOp op) { return kBinaryOps[static_cast<size_t>(op)]; }

}  // namespace sf
