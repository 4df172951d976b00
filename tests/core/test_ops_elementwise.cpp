// Element-wise ops of core/ops.h against naive per-index references.
#include <algorithm>
#include <cmath>
#include <iterator>

#include "tests/core/test_ops_util.h"

namespace sf {
namespace {

using test::expect_error;
using test::expect_matches;
using test::tol;
using test::uniform;

const DType kFloats[] = {DType::f32, DType::f64};

double ref_unary(UnaryOp op, double x) {
  switch (op) {
    case UnaryOp::neg: return -x;
    case UnaryOp::exp: return std::exp(x);
    case UnaryOp::log: return std::log(x);
    case UnaryOp::sqrt: return std::sqrt(x);
    case UnaryOp::rsqrt: return 1 / std::sqrt(x);
    case UnaryOp::tanh: return std::tanh(x);
    case UnaryOp::sin: return std::sin(x);
    case UnaryOp::sigmoid: return 1 / (1 + std::exp(-x));
    case UnaryOp::relu: return x > 0 ? x : 0;
    case UnaryOp::gelu_tanh: return 0.5 * x * (1 + std::tanh(std::sqrt(2 / M_PI) * (x + 0.044715 * x * x * x)));
    case UnaryOp::gelu_erf: return 0.5 * x * (1 + std::erf(x / std::sqrt(2.0)));
    case UnaryOp::silu: return x / (1 + std::exp(-x));
    case UnaryOp::gelu_erf_grad: return 0.5 * (1 + std::erf(x / std::sqrt(2.0))) + x * std::exp(-0.5 * x * x) / std::sqrt(2 * M_PI);
    case UnaryOp::silu_grad: return (1 + x * std::exp(-x) / (1 + std::exp(-x))) / (1 + std::exp(-x));
    case UnaryOp::softplus: return std::log1p(std::exp(x));
    case UnaryOp::abs: return std::abs(x);
    case UnaryOp::sign: return (x > 0) - (x < 0);
    case UnaryOp::square: return x * x;
    case UnaryOp::reciprocal: return 1 / x;
  }
  ADD_FAILURE() << op_name(op) << ": no reference here";  // an op added to the list without one
  return NAN;
}

bool needs_positive(UnaryOp op) { return unary_op_info(op).domain == OpDomain::positive; }

TEST(OpsElementwise, UnaryMatchesReferenceOnTransposedInput) {
  for (DType dt : kFloats)
    for (const UnaryOpInfo& u : kUnaryOps) {
      const UnaryOp op = u.op;
      double lo = needs_positive(op) ? 0.2 : -3.0;
      Tensor base = uniform({7, 5}, dt, 11, lo, 3.0);
      Tensor x = base.t();  // (5, 7), non-contiguous
      Tensor y = unary(op, x);
      EXPECT_TRUE(y.is_contiguous());
      expect_matches(y, {5, 7}, [&](const Shape& i) { return ref_unary(op, base.at({i[1], i[0]})); }, 4 * tol(dt),
                     op_name(op));
    }
}

TEST(OpsElementwise, UnaryLargeContiguousAndNarrowed) {
  Tensor big = uniform({300, 257}, DType::f32, 3, -2, 2);  // > one parallel grain
  Tensor y = unary(UnaryOp::tanh, big);
  expect_matches(y, big.shape(), [&](const Shape& i) { return std::tanh(big.at(i)); }, 1e-6, "tanh");
  Tensor part = big.narrow(1, 3, 100);
  expect_matches(unary(UnaryOp::square, part), {300, 100}, [&](const Shape& i) { return std::pow(part.at(i), 2); },
                 1e-6, "square");
}

TEST(OpsElementwise, UnaryOnIntegers) {
  Tensor x = from_vector<int64_t>({-3, 0, 5}, {3});
  EXPECT_EQ(to_vector<int64_t>(unary(UnaryOp::neg, x)), (std::vector<int64_t>{3, 0, -5}));
  EXPECT_EQ(to_vector<int64_t>(unary(UnaryOp::abs, x)), (std::vector<int64_t>{3, 0, 5}));
  EXPECT_EQ(to_vector<int64_t>(unary(UnaryOp::relu, x)), (std::vector<int64_t>{0, 0, 5}));
  EXPECT_EQ(to_vector<int64_t>(unary(UnaryOp::sign, x)), (std::vector<int64_t>{-1, 0, 1}));
  EXPECT_EQ(to_vector<int64_t>(unary(UnaryOp::square, x.to(DType::i32)).to(DType::i64)),
            (std::vector<int64_t>{9, 0, 25}));
  expect_error([&] { unary(UnaryOp::exp, x); }, {"exp", "floating", "int64"});
}

TEST(OpsElementwise, UnaryBackwardMatchesFiniteDifferences) {
  for (const UnaryOpInfo& u : kUnaryOps) {
    const UnaryOp op = u.op;
    double lo = needs_positive(op) ? 0.3 : -2.5;
    Tensor x = uniform({4, 6}, DType::f64, 5, lo, 2.5);
    Tensor g = uniform({4, 6}, DType::f64, 6);
    Tensor y = unary(op, x);
    Tensor dx = unary_backward(op, g, x, y);
    Tensor dx_no_y = unary_backward(op, g, x, Tensor());
    EXPECT_LT(max_abs_diff(dx, dx_no_y), 1e-15) << op_name(op);
    const double h = 1e-6;
    expect_matches(dx, {4, 6}, [&](const Shape& i) {
      double v = x.at(i);
      return g.at(i) * (ref_unary(op, v + h) - ref_unary(op, v - h)) / (2 * h);
    }, 1e-6, op_name(op));
  }
  // Kinks: derivative 0 at 0 for relu and abs, 0 everywhere for sign.
  Tensor x = from_vector<double>({-1, 0, 2}, {3});
  Tensor g = from_vector<double>({1, 1, 1}, {3});
  EXPECT_EQ(to_vector<double>(unary_backward(UnaryOp::relu, g, x, {})), (std::vector<double>{0, 0, 1}));
  EXPECT_EQ(to_vector<double>(unary_backward(UnaryOp::abs, g, x, {})), (std::vector<double>{-1, 0, 1}));
  EXPECT_EQ(to_vector<double>(unary_backward(UnaryOp::sign, g, x, {})), (std::vector<double>{0, 0, 0}));
  // float32 and a transposed grad.
  Tensor xf = uniform({3, 4}, DType::f32, 8), gf = uniform({4, 3}, DType::f32, 9).t();
  Tensor d = unary_backward(UnaryOp::tanh, gf, xf, unary(UnaryOp::tanh, xf));
  expect_matches(d, {3, 4}, [&](const Shape& i) {
    double t = std::tanh(xf.at(i));
    return gf.at(i) * (1 - t * t);
  }, 1e-5, "tanh f32");
}

// The references, written out apart from core/elementwise_math.h, one per op of SF_BINARY_OPS in its order:
// an op added to the list without one here fails the static_asserts.
struct BinaryRef {
  BinaryOp op;
  double (*f)(double, double);
};
constexpr BinaryRef kBinaryRefs[] = {
    {BinaryOp::add, [](double a, double b) { return a + b; }},
    {BinaryOp::sub, [](double a, double b) { return a - b; }},
    {BinaryOp::mul, [](double a, double b) { return a * b; }},
    {BinaryOp::div, [](double a, double b) { return a / b; }},
    {BinaryOp::pow, [](double a, double b) { return std::pow(a, b); }},
    {BinaryOp::maximum, [](double a, double b) { return std::max(a, b); }},
    {BinaryOp::minimum, [](double a, double b) { return std::min(a, b); }},
    {BinaryOp::eq, [](double a, double b) { return double(a == b); }},
    {BinaryOp::ne, [](double a, double b) { return double(a != b); }},
    {BinaryOp::lt, [](double a, double b) { return double(a < b); }},
    {BinaryOp::le, [](double a, double b) { return double(a <= b); }},
    {BinaryOp::gt, [](double a, double b) { return double(a > b); }},
    {BinaryOp::ge, [](double a, double b) { return double(a >= b); }},
};
static_assert(std::size(kBinaryRefs) == kBinaryOpCount, "a BinaryOp without a reference here");
constexpr bool refs_follow_the_list() {
  for (size_t i = 0; i < kBinaryOpCount; ++i)
    if (kBinaryRefs[i].op != kBinaryOps[i].op) return false;
  return true;
}
static_assert(refs_follow_the_list(), "kBinaryRefs out of the order of SF_BINARY_OPS");

double ref_binary(BinaryOp op, double a, double b) { return kBinaryRefs[static_cast<size_t>(op)].f(a, b); }

TEST(OpsElementwise, BinaryBroadcastsAndReadsStridedOperands) {
  for (DType dt : kFloats)
    for (const BinaryOpInfo& info : kBinaryOps) {
      const BinaryOp op = info.op;
      Tensor a = uniform({3, 1, 4}, dt, 1, 0.5, 2.0);
      Tensor b = uniform({4, 5}, dt, 2, 0.5, 2.0).t();  // (5, 4), transposed
      // Share a few values so that eq / le / ge see ties.
      Tensor a2 = uniform({5, 4}, dt, 3, 0.5, 2.0);
      a2.narrow(0, 0, 1).copy_(b.narrow(0, 0, 1));
      for (const auto& operands : {std::pair{a, b}, std::pair{a2, b}}) {
        const Tensor& x = operands.first;  // not a structured binding: clang 14 cannot capture one
        const Tensor& y = operands.second;
        Tensor out = binary(op, x, y);
        Shape shape = broadcast_shapes(x.shape(), y.shape());
        expect_matches(out, shape, [&](const Shape& i) {
          return ref_binary(op, x.at(test::broadcast_index(i, x.shape())), y.at(test::broadcast_index(i, y.shape())));
        }, 4 * tol(dt), op_name(op));
      }
    }
}

TEST(OpsElementwise, BinaryExpandedAndScalarOperands) {
  Tensor a = uniform({6, 1}, DType::f64, 4).expand({6, 9});
  Tensor b = uniform({9}, DType::f64, 5);
  expect_matches(a * b, {6, 9}, [&](const Shape& i) { return a.at(i) * b.at({i[1]}); }, 1e-15, "mul");
  Tensor x = uniform({40, 1000}, DType::f32, 6);
  expect_matches(x * 2.5, x.shape(), [&](const Shape& i) { return x.at(i) * 2.5; }, 1e-6, "mul scalar");
  expect_matches(x + 1.0, x.shape(), [&](const Shape& i) { return x.at(i) + 1.0; }, 1e-6, "add scalar");
  expect_matches(binary(BinaryOp::gt, x, 0.0), x.shape(), [&](const Shape& i) { return x.at(i) > 0 ? 1.0 : 0.0; }, 0,
                 "gt scalar");
  Tensor s = scalar_tensor(3.0, DType::f32);  // 0-dim broadcast
  expect_matches(x - s, x.shape(), [&](const Shape& i) { return x.at(i) - 3.0; }, 1e-6, "0-dim");
}

TEST(OpsElementwise, BinaryOnIntegers) {
  Tensor a = from_vector<int32_t>({7, -7, 2, 3}, {4});
  Tensor b = from_vector<int32_t>({2, 2, 10, 3}, {4});
  EXPECT_EQ(to_vector<int32_t>(a + b), (std::vector<int32_t>{9, -5, 12, 6}));
  EXPECT_EQ(to_vector<int32_t>(a / b), (std::vector<int32_t>{3, -3, 0, 1}));  // truncates
  EXPECT_EQ(to_vector<int32_t>(binary(BinaryOp::pow, a, b)), (std::vector<int32_t>{49, 49, 1024, 27}));
  EXPECT_EQ(to_vector<int32_t>(binary(BinaryOp::eq, a, b)), (std::vector<int32_t>{0, 0, 0, 1}));
  EXPECT_EQ(to_vector<int64_t>(binary(BinaryOp::maximum, a.to(DType::i64), b.to(DType::i64))),
            (std::vector<int64_t>{7, 2, 10, 3}));
  expect_error([&] { a / from_vector<int32_t>({1, 0, 1, 1}, {4}); }, {"div", "division by zero"});
}

TEST(OpsElementwise, MaximumPropagatesNaN) {
  Tensor a = from_vector<float>({NAN, 1, 2}, {3}), b = from_vector<float>({0, NAN, 1}, {3});
  auto m = to_vector<float>(binary(BinaryOp::maximum, a, b));
  EXPECT_TRUE(std::isnan(m[0]) && std::isnan(m[1]));
  EXPECT_EQ(m[2], 2.0f);
}

TEST(OpsElementwise, BinaryErrorsNameOpAndShapes) {
  Tensor a = zeros({2, 3}), b = zeros({4, 3});
  expect_error([&] { a + b; }, {"add", "(2, 3)", "(4, 3)", "broadcast"});
  expect_error([&] { a * zeros({2, 3}, DType::f64); }, {"mul", "float32", "float64"});
  expect_error([&] { unary(UnaryOp::exp, zeros({2}, DType::bf16)); }, {"exp", "bfloat16"});
}

TEST(OpsElementwise, ClampWhereMaskedFill) {
  for (DType dt : kFloats) {
    Tensor x = uniform({5, 4}, dt, 7, -2, 2).t();
    expect_matches(clamp(x, -0.5, 0.75), {4, 5},
                   [&](const Shape& i) { return std::min(0.75, std::max(-0.5, x.at(i))); }, tol(dt), "clamp");
    Tensor cond = binary(BinaryOp::gt, uniform({4, 1}, DType::f64, 8), 0.0).to(DType::i64);
    Tensor a = uniform({4, 5}, dt, 9), b = uniform({5}, dt, 10);
    expect_matches(where(cond, a, b), {4, 5},
                   [&](const Shape& i) { return cond.at({i[0], 0}) != 0 ? a.at(i) : b.at({i[1]}); }, 0, "where");
    Tensor mask = binary(BinaryOp::lt, uniform({1, 5}, DType::f32, 11), 0.0);
    expect_matches(masked_fill(x, mask, -1e9), {4, 5},
                   [&](const Shape& i) { return mask.at({0, i[1]}) != 0 ? (dt == DType::f32 ? double(-1e9f) : -1e9) : x.at(i); },
                   0, "masked_fill");
  }
  Tensor xi = from_vector<int64_t>({-5, 0, 9}, {3});
  EXPECT_EQ(to_vector<int64_t>(clamp(xi, -1, 4)), (std::vector<int64_t>{-1, 0, 4}));
  expect_error([&] { clamp(xi, 2, 1); }, {"clamp", "lower bound"});
  expect_error([&] { masked_fill(zeros({2, 3}), zeros({3, 3}), 1); }, {"masked_fill", "(3, 3)", "(2, 3)"});
}

TEST(OpsElementwise, AxpyAccumulatesInPlace) {
  for (DType dt : kFloats) {
    Tensor y = uniform({3, 70000}, dt, 12);  // large enough to run in parallel
    Tensor y0 = y.clone();
    Tensor x = uniform({70000, 3}, dt, 13).t();
    axpy_(y, x, -0.5);
    expect_matches(y, y0.shape(), [&](const Shape& i) { return y0.at(i) - 0.5 * x.at(i); }, tol(dt), "axpy_");
  }
  Tensor y = zeros({2, 2});
  expect_error([&] { axpy_(y, zeros({2, 3}), 1.0); }, {"axpy_", "(2, 2)", "(2, 3)"});
}

TEST(Empty, SizesThatOverflowOrAreNegativeAreRefused) {
  test::expect_error([] { empty({int64_t{1} << 57, 29}); }, {"empty", "(144115188075855872, 29)", "2^63 bytes"});
  test::expect_error([] { empty({int64_t{1} << 40, int64_t{1} << 40}, DType::f64); }, {"empty", "2^63 bytes"});
  test::expect_error([] { empty({2, -1}); }, {"empty", "negative size"});
  EXPECT_EQ(empty({0, int64_t{1} << 62}).numel(), 0);
}

}  // namespace
}  // namespace sf
