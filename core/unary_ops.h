// The element-wise unary ops, declared once. Everything that enumerates them expands SF_UNARY_OPS: the
// UnaryOp enum and kUnaryOpCount, op_name, the CPU and CUDA dispatch, and the tests (the gradcheck among
// them), so that a new op is one line here plus its math struct in core/elementwise_math.h. An op whose
// struct lacks the forward or the derivative, or whose forward is not __host__ __device__, fails to compile.
//
// X(name, Math, integers, domain)
//   name      the UnaryOp enumerator and its op_name
//   Math      the struct in sf::math with f(x) and the derivative, df(x) or df_from_y(y) with y = f(x)
//   integers  whether int32/int64 inputs are accepted (the rest need a floating dtype)
//   domain    where f is smooth, OpDomain::real or ::positive: the inputs the tests and gradcheck draw
// Plain C++ only: the CUDA kernels include this.
#pragma once
#include <cstddef>
#include <cstdint>

// clang-format off
#define SF_UNARY_OPS(X)                          \
  X(neg,        Neg,        true,  real)         \
  X(exp,        Exp,        false, real)         \
  X(log,        Log,        false, positive)     \
  X(sqrt,       Sqrt,       false, positive)     \
  X(rsqrt,      Rsqrt,      false, positive)     \
  X(tanh,       Tanh,       false, real)         \
  X(sin,        Sin,        false, real)         \
  X(sigmoid,    Sigmoid,    false, real)         \
  X(relu,       Relu,       true,  real)         \
  X(gelu_tanh,  GeluTanh,   false, real)         \
  X(gelu_erf,   GeluErf,    false, real)         \
  X(silu,       Silu,       false, real)         \
  X(gelu_erf_grad, GeluErfGrad, false, real)     \
  X(silu_grad,  SiluGrad,   false, real)         \
  X(softplus,   Softplus,   false, real)         \
  X(abs,        Abs,        true,  real)         \
  X(sign,       Sign,       true,  real)         \
  X(square,     Square,     true,  real)         \
  X(reciprocal, Reciprocal, false, positive)
// clang-format on

namespace sf {

enum class UnaryOp : uint8_t {
#define SF_UNARY_ENUMERATOR(name, Math, integers, domain) name,
  SF_UNARY_OPS(SF_UNARY_ENUMERATOR)
#undef SF_UNARY_ENUMERATOR
};

// Where an element-wise op is smooth (core/binary_ops.h uses it too).
enum class OpDomain : uint8_t { real, positive };

struct UnaryOpInfo {
  UnaryOp op;
  const char* name;
  bool integers;
  OpDomain domain;
};

// Indexed by the enumerator.
inline constexpr UnaryOpInfo kUnaryOps[] = {
#define SF_UNARY_INFO(name, Math, integers, domain) {UnaryOp::name, #name, integers, OpDomain::domain},
    SF_UNARY_OPS(SF_UNARY_INFO)
#undef SF_UNARY_INFO
};
inline constexpr size_t kUnaryOpCount = sizeof(kUnaryOps) / sizeof(kUnaryOps[0]);

constexpr const UnaryOpInfo& unary_op_info(UnaryOp op) { return kUnaryOps[static_cast<size_t>(op)]; }

}  // namespace sf
