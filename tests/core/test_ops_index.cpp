// Indexing, joining, scanning and check ops of core/ops.h against naive loops.
#include <cmath>
#include <limits>

#include "tests/core/test_ops_util.h"

namespace sf {
namespace {

using test::expect_error;
using test::expect_matches;
using test::for_each_index;
using test::uniform;

const DType kFloats[] = {DType::f32, DType::f64};

// Integer indices in [0, n) from a fixed sequence.
Tensor indices(const Shape& shape, int64_t n, DType it, uint64_t seed) {
  std::vector<int64_t> v(static_cast<size_t>(shape_numel(shape)));
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<int64_t>((i * 7 + seed * 13 + (i * i) % 5) % n);
  return from_vector(v, shape).to(it);
}

TEST(OpsIndex, IndexSelectAlongEveryDim) {
  for (DType dt : kFloats)
    for (DType it : {DType::i32, DType::i64}) {
      Tensor x = uniform({5, 4, 3}, dt, 1).permute({1, 0, 2});  // (4, 5, 3), non-contiguous
      for (int64_t dim : {0, 1, 2, -1}) {
        int64_t d = dim < 0 ? dim + 3 : dim;
        Tensor idx = indices({6}, x.size(d), it, 2 + d);
        Tensor y = index_select(x, dim, idx);
        Shape shape = x.shape();
        shape[d] = 6;
        expect_matches(y, shape, [&](const Shape& i) {
          Shape j = i;
          j[d] = static_cast<int64_t>(idx.at({i[d]}));
          return x.at(j);
        }, 0, "index_select dim " + std::to_string(dim));
      }
    }
  Tensor bf = uniform({3, 2}, DType::f32, 3).to(DType::bf16);  // raw copies take bfloat16 too
  Tensor sel = index_select(bf, 0, from_vector<int64_t>({2, 0}, {2})).to(DType::f32);
  EXPECT_EQ(sel.at({0, 1}), bf.to(DType::f32).at({2, 1}));
  expect_error([&] { index_select(zeros({3, 4}), 1, from_vector<int32_t>({4}, {1})); },
               {"index_select", "index 4 out of range for 4 entries of dimension 1"});
  expect_error([&] { index_select(zeros({3, 4}), 0, zeros({1})); }, {"index_select", "int32 or int64", "float32"});
}

TEST(OpsIndex, EmbeddingLooksUpRows) {
  Tensor w = uniform({65, 8}, DType::f32, 4);
  Tensor idx = indices({3, 5}, 65, DType::i32, 5);
  Tensor e = embedding(w, idx);
  expect_matches(e, {3, 5, 8}, [&](const Shape& i) { return w.at({static_cast<int64_t>(idx.at({i[0], i[1]})), i[2]}); },
                 0, "embedding");
  expect_error([&] { embedding(w, from_vector<int64_t>({1, 70}, {2})); },
               {"embedding: index 70 out of range for 65 rows"});
  expect_error([&] { embedding(w, from_vector<int64_t>({-1}, {1})); }, {"embedding: index -1 out of range"});
}

TEST(OpsIndex, IndexAddSumsRepeatedRows) {
  for (DType dt : kFloats) {
    Tensor idx = indices({40}, 7, DType::i64, 6);  // many repeats
    Tensor src = uniform({10, 40, 3}, dt, 7).permute({1, 0, 2});  // (40, 10, 3), non-contiguous
    Tensor out = index_add({7, 10, 3}, idx, src);
    expect_matches(out, {7, 10, 3}, [&](const Shape& i) {
      double s = 0;
      for (int64_t j = 0; j < 40; ++j)
        if (idx.at({j}) == i[0]) s += src.at({j, i[1], i[2]});
      return s;
    }, dt == DType::f32 ? 1e-6 : 1e-14, "index_add");
  }
  expect_error([&] { index_add({3, 2}, from_vector<int64_t>({0, 3}, {2}), zeros({2, 2})); },
               {"index_add: index 3 out of range for 3 rows"});
  expect_error([&] { index_add({3, 2}, from_vector<int64_t>({0, 1}, {2}), zeros({2, 3})); },
               {"index_add", "(2, 3)", "(2, 2)"});
}

TEST(OpsIndex, GatherAndScatterAdd) {
  for (DType dt : kFloats)
    for (int64_t dim : {0, 1, -1}) {
      int64_t d = dim < 0 ? dim + 3 : dim;
      Tensor xv = uniform({6, 5, 4}, dt, 9).permute({2, 1, 0});            // (4, 5, 6), non-contiguous
      Shape ishape = {3, 4, 5};  // smaller than x on the other dims
      ishape[d] = 7;
      Tensor idx = indices(ishape, xv.size(d), DType::i32, 10 + d);
      Tensor g = gather(xv, dim, idx);
      expect_matches(g, ishape, [&](const Shape& i) {
        Shape j = i;
        j[d] = static_cast<int64_t>(idx.at(i));
        return xv.at(j);
      }, 0, "gather dim " + std::to_string(dim));

      Tensor src = uniform(ishape, dt, 11);
      Shape out_shape = {4, 5, 6};
      Tensor s = scatter_add(out_shape, dim, idx, src);
      std::vector<double> acc(static_cast<size_t>(shape_numel(out_shape)), 0.0);
      for_each_index(ishape, [&](const Shape& i) {
        Shape j = i;
        j[d] = static_cast<int64_t>(idx.at(i));
        acc[(j[0] * 5 + j[1]) * 6 + j[2]] += src.at(i);
      });
      expect_matches(s, out_shape, [&](const Shape& j) { return acc[(j[0] * 5 + j[1]) * 6 + j[2]]; },
                     dt == DType::f32 ? 1e-6 : 1e-14, "scatter_add dim " + std::to_string(dim));
    }
  expect_error([&] { gather(zeros({2, 3}), 1, from_vector<int64_t>({0, 3}, {2, 1})); },
               {"gather: index 3 out of range for 3 entries of dimension 1"});
  expect_error([&] { gather(zeros({2, 3}), 0, zeros({2, 4}, DType::i64)); }, {"gather", "larger", "dimension 1"});
  expect_error([&] { scatter_add({2, 3}, 1, zeros({2, 2}, DType::i64), zeros({2, 3})); }, {"scatter_add", "differ"});
}

TEST(OpsIndex, OneHot) {
  Tensor idx = from_vector<int32_t>({2, 0, 1, 2}, {2, 2});
  Tensor oh = one_hot(idx, 3, DType::f64);
  expect_matches(oh, {2, 2, 3}, [&](const Shape& i) { return idx.at({i[0], i[1]}) == i[2] ? 1.0 : 0.0; }, 0,
                 "one_hot");
  EXPECT_EQ(one_hot(idx, 3, DType::i64).dtype(), DType::i64);
  expect_error([&] { one_hot(idx, 2); }, {"one_hot: index 2 out of range for 2 classes"});
}

TEST(OpsJoin, CatStackSplit) {
  for (DType dt : kFloats) {
    Tensor a = uniform({2, 3, 4}, dt, 12);
    Tensor b = uniform({4, 5, 2}, dt, 13).permute({2, 1, 0});  // (2, 5, 4), non-contiguous
    Tensor c = uniform({2, 1, 4}, dt, 14);
    Tensor y = cat({a, b, c}, 1);
    expect_matches(y, {2, 9, 4}, [&](const Shape& i) {
      if (i[1] < 3) return a.at(i);
      if (i[1] < 8) return b.at({i[0], i[1] - 3, i[2]});
      return c.at({i[0], 0, i[2]});
    }, 0, "cat dim 1");
    Tensor y2 = cat({a, a.narrow(2, 1, 2)}, -1);
    expect_matches(y2, {2, 3, 6}, [&](const Shape& i) {
      return i[2] < 4 ? a.at(i) : a.at({i[0], i[1], i[2] - 3});
    }, 0, "cat dim -1");
    EXPECT_EQ(cat({a, a}, 0).shape(), Shape({4, 3, 4}));

    Tensor s = stack({a, a * 2.0}, 1);
    expect_matches(s, {2, 2, 3, 4}, [&](const Shape& i) { return a.at({i[0], i[2], i[3]}) * (i[1] + 1); }, 0,
                   "stack");
    EXPECT_EQ(stack({a, a}, -1).shape(), Shape({2, 3, 4, 2}));

    auto parts = split(y, {3, 5, 1}, 1);
    ASSERT_EQ(parts.size(), 3u);
    EXPECT_TRUE(parts[1].shares_storage(y));
    EXPECT_EQ(max_abs_diff(parts[1], b), 0.0);
    EXPECT_EQ(max_abs_diff(parts[2], c), 0.0);
  }
  expect_error([&] { cat({zeros({2, 3}), zeros({3, 3})}, 1); }, {"cat", "(3, 3)", "(2, 3)", "dimension 1"});
  expect_error([&] { cat({zeros({2, 3}), zeros({2, 3}, DType::f64)}, 0); }, {"cat", "float32", "float64"});
  expect_error([&] { stack({zeros({2, 3}), zeros({3, 2})}, 0); }, {"stack", "(3, 2)"});
  expect_error([&] { split(zeros({2, 5}), {2, 2}, 1); }, {"split", "add up to 4", "size 5"});
}

TEST(OpsJoin, CumsumAndFlip) {
  for (DType dt : kFloats)
    for (int64_t dim : {0, 1, 2, -1}) {
      int64_t d = dim < 0 ? dim + 3 : dim;
      Tensor x = uniform({5, 4, 3}, dt, 15).permute({1, 2, 0});  // (4, 3, 5)
      expect_matches(cumsum(x, dim), x.shape(), [&](const Shape& i) {
        double s = 0;
        Shape j = i;
        for (j[d] = 0; j[d] <= i[d]; ++j[d]) s += x.at(j);
        return s;
      }, dt == DType::f32 ? 1e-6 : 1e-14, "cumsum dim " + std::to_string(dim));
      expect_matches(flip(x, dim), x.shape(), [&](const Shape& i) {
        Shape j = i;
        j[d] = x.size(d) - 1 - i[d];
        return x.at(j);
      }, 0, "flip dim " + std::to_string(dim));
    }
  Tensor xi = from_vector<int64_t>({1, 2, 3, 4}, {4});
  EXPECT_EQ(to_vector<int64_t>(cumsum(xi, 0)), (std::vector<int64_t>{1, 3, 6, 10}));
  EXPECT_EQ(to_vector<int64_t>(flip(xi, 0)), (std::vector<int64_t>{4, 3, 2, 1}));
  expect_error([&] { cumsum(xi, 1); }, {"cumsum", "dimension 1"});
}

TEST(OpsCheck, FiniteAndDiffs) {
  Tensor x = uniform({3, 50000}, DType::f32, 16);
  EXPECT_TRUE(all_finite(x));
  EXPECT_TRUE(all_finite(x.t()));
  Tensor y = x.clone();
  y.narrow(1, 40000, 1).narrow(0, 2, 1).fill_(std::numeric_limits<double>::infinity());
  EXPECT_FALSE(all_finite(y));
  y.narrow(1, 40000, 1).narrow(0, 2, 1).fill_(NAN);
  EXPECT_FALSE(all_finite(y));
  EXPECT_FALSE(all_finite(y.t()));
  EXPECT_TRUE(all_finite(zeros({3}, DType::i64)));

  Tensor a = from_vector<double>({1, 2, -4}, {3}), b = from_vector<double>({1.5, 2, -2}, {3});
  EXPECT_DOUBLE_EQ(max_abs_diff(a, b), 2.0);
  EXPECT_NEAR(max_rel_diff(a, b), 1.0, 1e-9);  // |-4 - -2| / |-2|
  EXPECT_DOUBLE_EQ(max_abs_diff(a.to(DType::f32), b), 2.0);  // dtypes may differ
  EXPECT_TRUE(std::isnan(max_abs_diff(from_vector<double>({NAN}, {1}), from_vector<double>({0}, {1}))));
  expect_error([&] { max_abs_diff(zeros({2}), zeros({3})); }, {"max_abs_diff", "(2)", "(3)"});
}

}  // namespace
}  // namespace sf
