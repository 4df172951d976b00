// Helpers shared by the tests of core/ops.h: seeded inputs, index iteration and naive comparisons.
#pragma once
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "core/ops.h"
#include "core/parallel.h"
#include "core/tensor.h"

namespace sf::test {

// Values uniform in [lo, hi) from a fixed LCG, as `dtype`.
inline Tensor uniform(const Shape& shape, DType dtype, uint64_t seed, double lo = -1.0, double hi = 1.0) {
  std::vector<double> v(static_cast<size_t>(shape_numel(shape)));
  uint64_t s = seed * 6364136223846793005ull + 1442695040888963407ull;
  for (double& x : v) {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    x = lo + (hi - lo) * static_cast<double>(s >> 11) / 9007199254740992.0;
  }
  return from_vector(v, shape).to(dtype);
}

// Calls f(index) for every multi-index of shape, row-major.
inline void for_each_index(const Shape& shape, const std::function<void(const Shape&)>& f) {
  if (shape_numel(shape) == 0) return;
  Shape idx(shape.size(), 0);
  while (true) {
    f(idx);
    int64_t d = static_cast<int64_t>(shape.size()) - 1;
    for (; d >= 0; --d) {
      if (++idx[d] < shape[d]) break;
      idx[d] = 0;
    }
    if (d < 0) return;
  }
}

// The index of `shape` that a broadcast operand of shape `s` reads at output index `idx`.
inline Shape broadcast_index(const Shape& idx, const Shape& s) {
  Shape r(s.size());
  size_t lead = idx.size() - s.size();
  for (size_t i = 0; i < s.size(); ++i) r[i] = s[i] == 1 ? 0 : idx[lead + i];
  return r;
}

inline double tol(DType t) { return t == DType::f32 ? 2e-5 : 1e-12; }

// Expects out to equal ref(index) everywhere, within rtol * max(1, |ref|).
inline void expect_matches(const Tensor& out, const Shape& shape, const std::function<double(const Shape&)>& ref,
                           double rtol, const std::string& what = "") {
  ASSERT_EQ(out.shape(), shape) << what;
  int failures = 0;
  for_each_index(shape, [&](const Shape& idx) {
    double want = ref(idx), got = out.at(idx);
    bool ok = (std::isnan(want) && std::isnan(got)) || want == got ||
              std::abs(got - want) <= rtol * std::max(1.0, std::abs(want));
    if (!ok && failures++ < 5) ADD_FAILURE() << what << " at " << shape_str(idx) << ": got " << got << ", want " << want;
  });
}

// True when both tensors hold bit-identical values.
inline bool bit_equal(const Tensor& a, const Tensor& b) {
  if (a.shape() != b.shape() || a.dtype() != b.dtype()) return false;
  Tensor x = a.contiguous(), y = b.contiguous();
  return std::memcmp(x.raw_data(), y.raw_data(), x.nbytes()) == 0;
}

// Runs `results` with 1 thread and with 2 and expects bit-identical tensors.
inline void expect_thread_independent(const std::function<std::vector<Tensor>()>& results) {
  const int saved = num_threads();
  set_num_threads(1);
  const std::vector<Tensor> one = results();
  set_num_threads(2);
  const std::vector<Tensor> two = results();
  set_num_threads(saved);
  for (size_t i = 0; i < one.size(); ++i) EXPECT_TRUE(bit_equal(one[i], two[i])) << "result " << i;
}

// Expects fn to throw sf::Error whose message contains every fragment.
template <class F>
void expect_error(F&& fn, const std::vector<std::string>& fragments) {
  try {
    fn();
    ADD_FAILURE() << "no sf::Error thrown";
  } catch (const Error& e) {
    std::string msg = e.what();
    for (const auto& f : fragments) EXPECT_NE(msg.find(f), std::string::npos) << "message: " << msg << "\nmissing: " << f;
  }
}

}  // namespace sf::test
