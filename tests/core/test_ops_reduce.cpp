// Reductions and the softmax family of core/ops.h against naive loops.
#include <cmath>
#include <limits>

#include "core/parallel.h"
#include "tests/core/test_ops_util.h"

namespace sf {
namespace {

using test::expect_error;
using test::expect_matches;
using test::for_each_index;
using test::tol;
using test::uniform;

const DType kFloats[] = {DType::f32, DType::f64};

// Naive reduction of x over `dims` (wrapped, sorted): returns f applied to the values of each output.
Tensor naive_reduce(const Tensor& x, std::vector<bool> mask, bool keepdim,
                    const std::function<double(const std::vector<double>&)>& f) {
  Shape out_shape, keep_shape;
  for (int64_t d = 0; d < x.dim(); ++d) {
    if (!mask[d]) out_shape.push_back(x.size(d));
    keep_shape.push_back(mask[d] ? 1 : x.size(d));
  }
  std::vector<std::vector<double>> groups(static_cast<size_t>(shape_numel(out_shape)));
  for_each_index(x.shape(), [&](const Shape& i) {
    int64_t o = 0;
    for (int64_t d = 0; d < x.dim(); ++d)
      if (!mask[d]) o = o * x.size(d) + i[d];
    groups[o].push_back(x.at(i));
  });
  std::vector<double> vals;
  for (auto& g : groups) vals.push_back(f(g));
  return from_vector(vals, keepdim ? keep_shape : out_shape);
}

double f_sum(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return s;
}
double f_mean(const std::vector<double>& v) { return f_sum(v) / v.size(); }
double f_max(const std::vector<double>& v) { return *std::max_element(v.begin(), v.end()); }
double f_min(const std::vector<double>& v) { return *std::min_element(v.begin(), v.end()); }
double f_var(const std::vector<double>& v, bool unbiased) {
  double m = f_mean(v), s = 0;
  for (double x : v) s += (x - m) * (x - m);
  return s / (v.size() - (unbiased ? 1 : 0));
}

std::vector<bool> mask_of(const Shape& dims, int64_t nd) {
  std::vector<bool> m(nd, dims.empty());
  for (int64_t d : dims) m[d < 0 ? d + nd : d] = true;
  return m;
}

void expect_close(const Tensor& got, const Tensor& want, double rtol, const std::string& what) {
  expect_matches(got, want.shape(), [&](const Shape& i) { return want.at(i); }, rtol, what);
}

TEST(OpsReduce, SumMeanMaxMinVarOverDimSets) {
  const std::vector<Shape> dim_sets = {{}, {0}, {1}, {-1}, {0, 2}, {1, 2}, {0, 1}, {2, 0, 1}, {-3, -1}};
  for (DType dt : kFloats)
    for (bool permuted : {false, true}) {
      Tensor base = uniform({4, 5, 6}, dt, 21);
      Tensor x = permuted ? uniform({6, 4, 5}, dt, 22).permute({1, 2, 0}) : base;  // (4, 5, 6) either way
      for (const Shape& dims : dim_sets)
        for (bool keep : {false, true}) {
          auto m = mask_of(dims, 3);
          std::string what = "dims " + shape_str(dims) + (keep ? " keepdim" : "") + (permuted ? " permuted" : "");
          double t = 8 * tol(dt);
          expect_close(sum(x, dims, keep), naive_reduce(x, m, keep, f_sum), t, "sum " + what);
          expect_close(mean(x, dims, keep), naive_reduce(x, m, keep, f_mean), t, "mean " + what);
          expect_close(amax(x, dims, keep), naive_reduce(x, m, keep, f_max), 0, "amax " + what);
          expect_close(amin(x, dims, keep), naive_reduce(x, m, keep, f_min), 0, "amin " + what);
          for (bool unbiased : {true, false})
            expect_close(var(x, dims, unbiased, keep),
                         naive_reduce(x, m, keep, [&](const std::vector<double>& v) { return f_var(v, unbiased); }),
                         20 * tol(dt), "var " + what);
        }
    }
}

TEST(OpsReduce, LongRowsAndColumnsUseBlockedSums) {
  // Rows longer than one 4096-element leaf and columns longer than one 256-row block.
  for (DType dt : kFloats) {
    Tensor x = uniform({3, 10000}, dt, 23);
    expect_close(sum(x, {1}), naive_reduce(x, {false, true}, false, f_sum), 4 * tol(dt), "rows");
    expect_close(sum(x, {0}), naive_reduce(x, {true, false}, false, f_sum), 4 * tol(dt), "short columns");
    Tensor y = uniform({1000, 7}, dt, 24);
    expect_close(sum(y, {0}), naive_reduce(y, {true, false}, false, f_sum), 4 * tol(dt), "columns");
    expect_close(var(y, {0}), naive_reduce(y, {true, false}, false, [](auto& v) { return f_var(v, true); }),
                 20 * tol(dt), "var columns");
    Tensor z = uniform({100000}, dt, 25, 0.0, 1.0);
    expect_close(sum(z), naive_reduce(z, {true}, false, f_sum), 4 * tol(dt), "full");
  }
}

TEST(OpsReduce, FloatSumIsAccurate) {
  // 2^22 copies of 0.1f: naive float accumulation drifts by percents, the blocked tree stays close.
  Tensor x = full({1 << 22}, 0.1, DType::f32);
  double want = (1 << 22) * static_cast<double>(0.1f);
  EXPECT_NEAR(sum(x).item<double>(), want, want * 1e-5);
  EXPECT_NEAR(mean(x).item<double>(), 0.1, 1e-6);
}

TEST(OpsReduce, IntegersAndEdgeCases) {
  Tensor xi = from_vector<int32_t>({1, 2, 3, 4, 5, 6}, {2, 3});
  EXPECT_EQ(to_vector<int32_t>(sum(xi, {1})), (std::vector<int32_t>{6, 15}));
  EXPECT_EQ(to_vector<int32_t>(amax(xi, {0})), (std::vector<int32_t>{4, 5, 6}));
  EXPECT_EQ(sum(xi).dim(), 0);
  EXPECT_EQ(sum(xi).item<int64_t>(), 21);
  EXPECT_EQ(sum(zeros({0, 3}), {0}).shape(), Shape({3}));
  EXPECT_EQ(to_vector<float>(sum(zeros({0, 3}), {0})), (std::vector<float>{0, 0, 0}));
  EXPECT_TRUE(std::isnan(amax(from_vector<double>({1, NAN, 2}, {3})).item<double>()));
  expect_error([&] { amax(zeros({0, 3}), {0}); }, {"amax", "size 0"});
  expect_error([&] { sum(zeros({2, 3}), {0, -2}); }, {"sum", "twice"});
  expect_error([&] { sum(zeros({2, 3}), {2}); }, {"sum", "out of range"});
  expect_error([&] { mean(xi); }, {"mean", "int32"});
}

TEST(OpsReduce, ArgmaxFirstMaximumWins) {
  Tensor x = from_vector<double>({1, 5, 5, 2, 7, 7, 0, 7}, {2, 4});
  EXPECT_EQ(to_vector<int64_t>(argmax(x, 1)), (std::vector<int64_t>{1, 0}));
  EXPECT_EQ(to_vector<int64_t>(argmax(x, 0)), (std::vector<int64_t>{1, 1, 0, 1}));
  EXPECT_EQ(argmax(x, -1, true).shape(), Shape({2, 1}));
  Tensor y = uniform({3, 4, 5}, DType::f32, 26).permute({2, 0, 1});
  Tensor a = argmax(y, 1);
  for_each_index(a.shape(), [&](const Shape& i) {
    int64_t best = 0;
    for (int64_t k = 1; k < 3; ++k)
      if (y.at({i[0], k, i[1]}) > y.at({i[0], best, i[1]})) best = k;
    EXPECT_EQ(a.at(i), best);
  });
}

TEST(OpsReduce, SumToReducesBroadcastDims) {
  Tensor x = uniform({2, 3, 4, 5}, DType::f64, 27);
  for (const Shape& target : std::vector<Shape>{{4, 5}, {1, 5}, {3, 1, 1}, {2, 1, 4, 1}, {5}, {2, 3, 4, 5}}) {
    Tensor r = sum_to(x, target);
    ASSERT_EQ(r.shape(), target);
    Shape full = target;
    full.insert(full.begin(), x.dim() - target.size(), 1);
    Tensor want = zeros(full, DType::f64);
    for_each_index(x.shape(), [&](const Shape& i) {
      Shape j = test::broadcast_index(i, full);
      // accumulate through a 1-element view
      Tensor cell = want;
      for (size_t d = 0; d < j.size(); ++d) cell = cell.narrow(d, j[d], 1);
      cell.fill_(cell.at(Shape(j.size(), 0)) + x.at(i));
    });
    expect_close(r, want.view(target), 1e-12, "sum_to " + shape_str(target));
  }
  expect_error([&] { sum_to(x, {3, 5}); }, {"sum_to", "(2, 3, 4, 5)", "(3, 5)"});
}

TEST(OpsSoftmax, MatchesNaiveOverEveryDim) {
  for (DType dt : kFloats)
    for (int64_t dim : {0, 1, 2, -1}) {
      Tensor x = uniform({3, 4, 70}, dt, 28, -5, 5).narrow(2, 2, 60);  // non-contiguous
      Tensor y = softmax(x, dim), ly = log_softmax(x, dim);
      int64_t d = dim < 0 ? dim + 3 : dim;
      auto ref = [&](const Shape& i, bool log) {
        double m = -1e300, s = 0;
        Shape j = i;
        for (j[d] = 0; j[d] < x.size(d); ++j[d]) m = std::max(m, x.at(j));
        for (j[d] = 0; j[d] < x.size(d); ++j[d]) s += std::exp(x.at(j) - m);
        return log ? x.at(i) - m - std::log(s) : std::exp(x.at(i) - m) / s;
      };
      expect_matches(y, x.shape(), [&](const Shape& i) { return ref(i, false); }, 4 * tol(dt), "softmax");
      expect_matches(ly, x.shape(), [&](const Shape& i) { return ref(i, true); }, 4 * tol(dt), "log_softmax");
      Tensor rows = sum(y, {dim});
      for_each_index(rows.shape(), [&](const Shape& i) { EXPECT_NEAR(rows.at(i), 1.0, 10 * tol(dt)); });
    }
}

TEST(OpsSoftmax, LargeLogitsStayFinite) {
  Tensor x = from_vector<float>({1000, 1001, 1002, -1000}, {1, 4});
  EXPECT_TRUE(all_finite(softmax(x, -1)));
  EXPECT_TRUE(all_finite(log_softmax(x, -1)));
  EXPECT_NEAR(log_softmax(x, -1).at({0, 2}), -std::log(1 + std::exp(-1.0) + std::exp(-2.0)), 1e-5);
}

TEST(OpsSoftmax, BackwardMatchesFormula) {
  for (int64_t dim : {1, -1, 0}) {
    Tensor x = uniform({4, 6, 5}, DType::f64, 29, -2, 2);
    Tensor g = uniform({4, 6, 5}, DType::f64, 30);
    Tensor y = softmax(x, dim), ly = log_softmax(x, dim);
    Tensor dx = softmax_backward(g, y, dim), dlx = log_softmax_backward(g, ly, dim);
    int64_t d = dim < 0 ? dim + 3 : dim;
    expect_matches(dx, x.shape(), [&](const Shape& i) {
      double dot = 0;
      Shape j = i;
      for (j[d] = 0; j[d] < x.size(d); ++j[d]) dot += g.at(j) * y.at(j);
      return y.at(i) * (g.at(i) - dot);
    }, 1e-12, "softmax_backward");
    expect_matches(dlx, x.shape(), [&](const Shape& i) {
      double s = 0;
      Shape j = i;
      for (j[d] = 0; j[d] < x.size(d); ++j[d]) s += g.at(j);
      return g.at(i) - std::exp(ly.at(i)) * s;
    }, 1e-12, "log_softmax_backward");
  }
  // Finite differences of sum(g * softmax(x)) along one coordinate.
  Tensor x = uniform({2, 5}, DType::f64, 31), g = uniform({2, 5}, DType::f64, 32);
  Tensor dx = softmax_backward(g, softmax(x, 1), 1);
  const double h = 1e-6;
  for (int64_t k = 0; k < 5; ++k) {
    Tensor xp = x.clone(), xm = x.clone();
    xp.narrow(1, k, 1).narrow(0, 1, 1).fill_(x.at({1, k}) + h);
    xm.narrow(1, k, 1).narrow(0, 1, 1).fill_(x.at({1, k}) - h);
    double fd = (sum(g * softmax(xp, 1)).item<double>() - sum(g * softmax(xm, 1)).item<double>()) / (2 * h);
    EXPECT_NEAR(dx.at({1, k}), fd, 1e-7);
  }
}

TEST(OpsDeterminism, ReductionsSoftmaxMatmulIndependentOfThreads) {
  Tensor x = uniform({512, 3000}, DType::f32, 33);
  Tensor a = uniform({300, 257}, DType::f32, 34), b = uniform({257, 190}, DType::f32, 35);
  Tensor c = uniform({40, 6000}, DType::f32, 36), d = uniform({6000, 48}, DType::f32, 37);  // K split
  Tensor e = uniform({64, 20, 30}, DType::f32, 38), f = uniform({64, 30, 25}, DType::f32, 39);  // small batch
  test::expect_thread_independent([&] {
    return std::vector<Tensor>{sum(x), sum(x, {0}), sum(x, {1}), mean(x), var(x), var(x, {0}), softmax(x, -1),
                               softmax(x, 0), matmul(a, b), matmul(c, d), matmul(e, f), matmul(a, b.t().contiguous(), false, true)};
  });
}

}  // namespace
}  // namespace sf
