// matmul / gemm_ against a naive triple loop: transposes, strided views, batch broadcasting; and with
// bfloat16 operands (MatmulPrecision::bf16) against the loop on rounded operands.
#include <limits>

#include "core/cpu/gemm.h"
#include "tests/core/test_ops_util.h"

namespace sf {
namespace {

using test::expect_error;
using test::expect_matches;
using test::uniform;

const DType kFloats[] = {DType::f32, DType::f64};

// op(x) as a row-major array of doubles for each batch index of `batch` (broadcast).
std::vector<std::vector<double>> matrices(const Tensor& x, const Shape& batch, bool trans) {
  Tensor m = trans ? x.transpose(-2, -1) : x;
  Shape full = batch;
  full.push_back(m.size(-2));
  full.push_back(m.size(-1));
  std::vector<double> all = to_vector<double>(m.expand(full));
  std::vector<std::vector<double>> out;
  const size_t per = static_cast<size_t>(m.size(-2) * m.size(-1));
  for (size_t i = 0; i < all.size() / std::max<size_t>(per, 1); ++i)
    out.emplace_back(all.begin() + i * per, all.begin() + (i + 1) * per);
  return out;
}

// c = op(a) @ op(b) within rtol * K (relative to max(1, |want|)).
void expect_product(const Tensor& c, const Tensor& a, const Tensor& b, bool ta, bool tb, double rtol,
                    const std::string& what) {
  const int64_t M = ta ? a.size(-1) : a.size(-2), K = ta ? a.size(-2) : a.size(-1), N = tb ? b.size(-2) : b.size(-1);
  Shape batch = broadcast_shapes(Shape(a.shape().begin(), a.shape().end() - 2),
                                 Shape(b.shape().begin(), b.shape().end() - 2));
  auto am = matrices(a, batch, ta), bm = matrices(b, batch, tb);
  std::vector<double> want;
  for (size_t z = 0; z < am.size(); ++z)
    for (int64_t i = 0; i < M; ++i)
      for (int64_t j = 0; j < N; ++j) {
        double s = 0;
        for (int64_t k = 0; k < K; ++k) s += am[z][i * K + k] * bm[z][k * N + j];
        want.push_back(s);
      }
  Shape shape = batch;
  shape.push_back(M);
  shape.push_back(N);
  ASSERT_EQ(c.shape(), shape) << what;
  std::vector<double> got = to_vector<double>(c);
  int failures = 0;
  for (size_t i = 0; i < got.size(); ++i)
    if (std::abs(got[i] - want[i]) > rtol * std::max<int64_t>(K, 1) * std::max(1.0, std::abs(want[i])) && failures++ < 5)
      ADD_FAILURE() << what << ": element " << i << " got " << got[i] << ", want " << want[i];
}

void expect_matmul(const Tensor& a, const Tensor& b, bool ta, bool tb, double rtol, const std::string& what) {
  expect_product(matmul(a, b, ta, tb), a, b, ta, tb, rtol, what);
}

TEST(OpsMatmul, AllTransposeCombinations) {
  for (DType dt : kFloats) {
    double r = dt == DType::f32 ? 1e-6 : 1e-14;
    for (bool ta : {false, true})
      for (bool tb : {false, true}) {
        Tensor a = ta ? uniform({7, 5}, dt, 1) : uniform({5, 7}, dt, 1);  // op(a): (5, 7)
        Tensor b = tb ? uniform({3, 7}, dt, 2) : uniform({7, 3}, dt, 2);  // op(b): (7, 3)
        expect_matmul(a, b, ta, tb, r, "ta=" + std::to_string(ta) + " tb=" + std::to_string(tb));
        // The same through transposed views instead of flags.
        expect_matmul(a.t(), b.t(), !ta, !tb, r, "views");
      }
  }
}

TEST(OpsMatmul, StridedAndNonReadableOperands) {
  for (DType dt : kFloats) {
    double r = dt == DType::f32 ? 1e-6 : 1e-14;
    Tensor big = uniform({20, 30}, dt, 3);
    Tensor a = big.narrow(0, 2, 9).narrow(1, 5, 11);     // row-major, ld 30
    Tensor b = big.narrow(1, 0, 6).narrow(0, 3, 11);     // (11, 6)
    expect_matmul(a, b, false, false, r, "narrowed");
    expect_matmul(a.t(), b, true, false, r, "narrowed transposed view");
    Tensor every_other = uniform({11, 12}, dt, 4).view({11, 6, 2}).select(2, 0);  // stride 2 columns
    expect_matmul(a, every_other, false, false, r, "stride-2 columns (copied)");
    Tensor expanded = uniform({1, 6}, dt, 5).expand({11, 6});  // row stride 0
    expect_matmul(a, expanded, false, false, r, "expanded");
  }
}

TEST(OpsMatmul, LargeProductsUsePanelsAndKChunks) {
  for (DType dt : kFloats) {
    double r = dt == DType::f32 ? 2e-6 : 1e-14;
    expect_matmul(uniform({300, 100}, dt, 6), uniform({100, 120}, dt, 7), false, false, r, "row panels");
    expect_matmul(uniform({40, 200}, dt, 6), uniform({600, 200}, dt, 7), false, true, r, "column panels");
    expect_matmul(uniform({3000, 20}, dt, 8), uniform({3000, 24}, dt, 9), true, false, r, "k chunks");
    expect_matmul(uniform({1100, 70}, dt, 10), uniform({90, 70}, dt, 11), false, true, r, "row panels, B copied");
  }
}

TEST(OpsMatmul, BatchedBroadcasting) {
  for (DType dt : kFloats) {
    double r = dt == DType::f32 ? 1e-6 : 1e-14;
    expect_matmul(uniform({2, 1, 4, 5}, dt, 10), uniform({3, 5, 6}, dt, 11), false, false, r, "(2,1) x (3)");
    expect_matmul(uniform({2, 3, 5, 4}, dt, 12), uniform({6, 5}, dt, 13), true, true, r, "batched x 2-D, both T");
    expect_matmul(uniform({2, 3, 4, 5}, dt, 14), uniform({5, 6}, dt, 15), false, false, r, "collapsed rows");
    Tensor a = uniform({3, 2, 4, 5}, dt, 16).permute({1, 0, 2, 3});  // batch dims not in order
    expect_matmul(a, uniform({5, 6}, dt, 17), false, false, r, "permuted batch");
    expect_matmul(uniform({4, 5}, dt, 18), uniform({3, 5, 6}, dt, 19), false, false, r, "2-D x batched");
    expect_matmul(uniform({1, 5}, dt, 20).expand({4, 5}).unsqueeze(0).expand({3, 4, 5}), uniform({3, 5, 2}, dt, 21),
                  false, false, r, "expanded a");
    expect_matmul(uniform({300, 4, 8}, dt, 22), uniform({300, 8, 3}, dt, 23), false, false, r, "many small");
  }
}

TEST(OpsMatmul, GemmInPlaceWithAlphaBeta) {
  for (DType dt : kFloats) {
    Tensor a = uniform({6, 4}, dt, 24), b = uniform({5, 6}, dt, 25);
    Tensor out = uniform({4, 5}, dt, 26), out0 = out.clone();
    gemm_(out, a, b, true, true, 0.5, -2.0);
    expect_matches(out, {4, 5}, [&](const Shape& i) {
      double s = 0;
      for (int64_t k = 0; k < 6; ++k) s += a.at({k, i[0]}) * b.at({i[1], k});
      return -2.0 * out0.at(i) + 0.5 * s;
    }, dt == DType::f32 ? 1e-5 : 1e-13, "gemm_");
    Tensor nan_out = full({4, 5}, NAN, dt);
    gemm_(nan_out, a, b, true, true, 1.0, 0.0);  // beta = 0 overwrites, NaN included
    EXPECT_TRUE(all_finite(nan_out));
  }
}

TEST(OpsMatmul, GemmIntoAColumnBlockLeavesTheOtherColumns) {
  for (DType dt : kFloats) {
    const Tensor a = uniform({300, 7}, dt, 27), b = uniform({7, 5}, dt, 28);
    Tensor wide = uniform({300, 9}, dt, 29);
    const Tensor before = wide.clone();
    Tensor block = wide.narrow(1, 2, 5);  // rows 9 apart
    gemm_(block, a, b, false, false, 1.0, 1.0);
    expect_matches(wide, {300, 9}, [&](const Shape& i) {
      if (i[1] < 2 || i[1] >= 7) return before.at(i);
      double s = before.at(i);
      for (int64_t k = 0; k < 7; ++k) s += a.at({i[0], k}) * b.at({k, i[1] - 2});
      return s;
    }, dt == DType::f32 ? 1e-5 : 1e-13, "gemm_ into columns 2..6 of 9");
  }
}

TEST(OpsMatmul, EmptyAndErrors) {
  Tensor z = matmul(zeros({3, 0}), zeros({0, 4}));
  EXPECT_EQ(z.shape(), Shape({3, 4}));
  EXPECT_EQ(max_abs_diff(z, zeros({3, 4})), 0.0);
  expect_error([&] { matmul(zeros({2, 3}), zeros({4, 5})); }, {"matmul", "(2, 3)", "(4, 5)", "3 vs 4"});
  expect_error([&] { matmul(zeros({2, 3}), zeros({2, 5}), true, true); }, {"matmul", "(2, 3)^T", "(2, 5)^T"});
  expect_error([&] { matmul(zeros({2, 2, 3}), zeros({3, 3, 5})); }, {"matmul", "batch"});
  expect_error([&] { matmul(zeros({3}), zeros({3, 5})); }, {"matmul", "rank"});
  expect_error([&] { matmul(zeros({2, 3}, DType::i64), zeros({3, 5}, DType::i64)); }, {"matmul", "int64"});
  Tensor out = zeros({2, 4});
  expect_error([&] { gemm_(out, zeros({2, 3}), zeros({3, 5}), false, false); }, {"gemm_", "(2, 4)", "(2, 5)"});
}

// Float32 GEMMs at bf16 precision for the scope (process-wide setting).
class Bf16Scope {
 public:
  Bf16Scope() { set_matmul_precision(MatmulPrecision::bf16); }
  ~Bf16Scope() { set_matmul_precision(MatmulPrecision::fp32); }
};

Tensor bf16_values(const Tensor& x) { return x.to(DType::bf16).to(DType::f32); }

float from_bits(uint32_t u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

TEST(MatmulBf16, RoundingToNearestEvenKeepsNanAndInf) {
  auto round = [](float f) { return static_cast<float>(bf16(f)); };
  EXPECT_EQ(round(1.0f), 1.0f);
  EXPECT_EQ(round(from_bits(0x3f808000u)), 1.0f);                    // halfway, even below: down
  EXPECT_EQ(round(from_bits(0x3f818000u)), from_bits(0x3f820000u));  // halfway, odd below: up
  EXPECT_EQ(round(from_bits(0x3f808001u)), from_bits(0x3f810000u));  // above halfway: up
  EXPECT_EQ(round(-std::numeric_limits<float>::max()), -std::numeric_limits<float>::infinity());  // past bf16 max
  EXPECT_EQ(round(std::numeric_limits<float>::infinity()), std::numeric_limits<float>::infinity());
  EXPECT_TRUE(std::isnan(round(std::numeric_limits<float>::quiet_NaN())));
  EXPECT_TRUE(std::isnan(round(from_bits(0x7f800001u))));  // a NaN whose payload would round to inf
}

// Every layout the fp32 tests cover, against the exact product of the rounded operands: each product of
// two bf16 values is exact in fp32, so only the fp32 accumulation differs. The same products are also
// checked to differ from the unrounded ones, so a GEMM that ignored the precision would fail.
TEST(MatmulBf16, MatchesTheProductOfRoundedOperands) {
  Bf16Scope bf16;
  auto check = [](const Tensor& a, const Tensor& b, bool ta, bool tb, const std::string& what) {
    const Tensor c = matmul(a, b, ta, tb);
    expect_product(c, bf16_values(a), bf16_values(b), ta, tb, 2e-6, what);
    set_matmul_precision(MatmulPrecision::fp32);
    const Tensor exact = matmul(a, b, ta, tb);
    set_matmul_precision(MatmulPrecision::bf16);
    EXPECT_GT(max_abs_diff(c, exact), 1e-4) << what << ": the operands were not rounded";
  };
  const DType f = DType::f32;
  for (bool ta : {false, true})
    for (bool tb : {false, true}) {
      Tensor a = ta ? uniform({70, 50}, f, 1) : uniform({50, 70}, f, 1);
      Tensor b = tb ? uniform({30, 70}, f, 2) : uniform({70, 30}, f, 2);
      check(a, b, ta, tb, "ta=" + std::to_string(ta) + " tb=" + std::to_string(tb));
    }
  Tensor big = uniform({200, 300}, f, 3);
  check(big.narrow(0, 2, 90).narrow(1, 5, 110), big.narrow(1, 0, 60).narrow(0, 3, 110), false, false, "narrowed");
  check(uniform({300, 100}, f, 6), uniform({100, 120}, f, 7), false, false, "row panels");
  check(uniform({40, 200}, f, 6), uniform({600, 200}, f, 7), false, true, "column panels");
  check(uniform({3000, 20}, f, 8), uniform({3000, 24}, f, 9), true, false, "k chunks");
  check(uniform({2, 3, 40, 50}, f, 12), uniform({60, 40}, f, 13), true, true, "batched x 2-D, both T");
  check(uniform({3, 20, 40, 50}, f, 12).permute({1, 0, 2, 3}), uniform({50, 60}, f, 17), false, false, "permuted");
  check(uniform({300, 4, 8}, f, 22), uniform({300, 8, 3}, f, 23), false, false, "many small");

  Tensor a = uniform({60, 40}, f, 24), b = uniform({50, 60}, f, 25);
  Tensor out = uniform({40, 50}, f, 26), out0 = out.clone();
  gemm_(out, a, b, true, true, 0.5, -2.0);
  expect_matches(out, {40, 50}, [&](const Shape& i) {
    double s = 0;
    for (int64_t k = 0; k < 60; ++k) s += bf16_values(a).at({k, i[0]}) * bf16_values(b).at({i[1], k});
    return -2.0 * out0.at(i) + 0.5 * s;
  }, 1e-5, "gemm_ at bf16 precision");
}

TEST(MatmulBf16, RoundToBf16KeepsShapeStridesAndRoundsEachValue) {
  const Tensor x = uniform({30, 40}, DType::f32, 3).t();
  const Tensor r = round_to_bf16(x);
  EXPECT_EQ(r.dtype(), DType::bf16);
  EXPECT_EQ(r.shape(), x.shape());
  EXPECT_EQ(r.strides(), x.strides());
  EXPECT_TRUE(test::bit_equal(r, x.to(DType::bf16)));
  test::expect_error([] { round_to_bf16(zeros({2}, DType::f64)); }, {"round_to_bf16", "float32"});
}

// Operands rounded once (gemm_operand, as Linear does) give what rounding inside each GEMM gives: the same
// bits on oneDNN's bf16 kernel; elsewhere gemm_operand keeps float32 and bf16 operands are widened for the
// fp32 kernel (same values, possibly another summation order).
TEST(MatmulBf16, RoundedOperandsGiveTheBf16PrecisionProduct) {
  Bf16Scope bf16;
  const Tensor a = uniform({300, 70}, DType::f32, 4), b = uniform({90, 70}, DType::f32, 5);
  EXPECT_EQ(gemm_operand(a).dtype(), cpu::bf16_gemm_available() ? DType::bf16 : DType::f32);
  const Tensor ra = round_to_bf16(a), rb = round_to_bf16(b);
  auto expect_same = [](const Tensor& x, const Tensor& y, const std::string& what) {
    if (cpu::bf16_gemm_available()) EXPECT_TRUE(test::bit_equal(x, y)) << what;
    else EXPECT_LT(max_abs_diff(x, y), 1e-5) << what;
  };
  expect_same(matmul(ra, rb, false, true), matmul(a, b, false, true), "matmul");
  expect_same(matmul(ra, rb.t().contiguous()), matmul(a, b.t().contiguous()), "matmul, b row-major");
  Tensor out = uniform({300, 90}, DType::f32, 6), out_rounded = out.clone();
  gemm_(out, a, b, false, true, 0.5, 1.0);
  gemm_(out_rounded, ra, rb, false, true, 0.5, 1.0);
  expect_same(out, out_rounded, "gemm_");
  test::expect_error([&] { matmul(ra, b, false, true); }, {"matmul", "dtype mismatch"});
  Tensor bf16_out = zeros({300, 90}, DType::bf16);
  test::expect_error([&] { gemm_(bf16_out, ra, rb, false, true); }, {"gemm_", "out is bfloat16"});
}

TEST(MatmulBf16, Float64IsNeverRounded) {
  Bf16Scope bf16;
  expect_matmul(uniform({30, 40}, DType::f64, 1), uniform({40, 20}, DType::f64, 2), false, false, 1e-14, "f64");
}

TEST(MatmulBf16, IndependentOfThreads) {
  Bf16Scope bf16;
  Tensor a = uniform({300, 257}, DType::f32, 34), b = uniform({257, 190}, DType::f32, 35);
  Tensor c = uniform({40, 6000}, DType::f32, 36), d = uniform({6000, 48}, DType::f32, 37);      // K split
  Tensor e = uniform({64, 20, 30}, DType::f32, 38), f = uniform({64, 30, 25}, DType::f32, 39);  // small batch
  test::expect_thread_independent(
      [&] { return std::vector<Tensor>{matmul(a, b), matmul(c, d), matmul(e, f), matmul(a.t(), a)}; });
}

}  // namespace
}  // namespace sf
