// The fused selective scan against the naive recurrence built from primitive autograd ops (the
// loop of state-spaces/mamba's `selective_scan_ref`): forward and every gradient, both schedules, chunk sizes that do and do not
// divide L; float64 gradcheck; bit-identical results on 1 and 2 threads.
#include <gtest/gtest.h>

#include "autograd/functions.h"
#include "autograd/gradcheck.h"
#include "core/parallel.h"
#include "layers/ssm/selective_scan.h"
#include "ssm_test_util.h"

namespace sf {
namespace {

using test::randn;
using test::scaled_diff;

// h_t = exp(Δ_t ⊗ A) ⊙ h_{t−1} + (Δ_t u_t) ⊗ Bm_t, y_t = h_t Cm_t + D u_t, one step at a time.
Variable naive_scan(const std::vector<Variable>& in) {
  const Variable &u = in[0], &delta = in[1], &A = in[2], &Bm = in[3], &Cm = in[4], &D = in[5];
  Variable h(zeros({u.size(0), u.size(2), A.size(1)}, u.dtype()));
  std::vector<Variable> ys;
  for (int64_t t = 0; t < u.size(1); ++t) {
    Variable ut = select(u, 1, t), dt = select(delta, 1, t);
    h = exp(unsqueeze(dt, -1) * A) * h + unsqueeze(dt * ut, -1) * unsqueeze(select(Bm, 1, t), 1);
    ys.push_back(sum(h * unsqueeze(select(Cm, 1, t), 1), {-1}) + D * ut);
  }
  return stack(ys, 1);
}

// Inputs in the ranges the block produces: Δ = softplus(·) > 0, A < 0.
std::vector<Tensor> inputs(int64_t B, int64_t L, int64_t E, int64_t N, uint64_t seed) {
  return {randn({B, L, E}, seed),
          unary(UnaryOp::softplus, randn({B, L, E}, seed + 1) + -1.0),
          -test::randpos({E, N}, seed + 2),
          randn({B, L, N}, seed + 3),
          randn({B, L, N}, seed + 4),
          randn({E}, seed + 5)};
}

// Output and the gradient of every input under the cotangent R.
std::vector<Tensor> run(const std::function<Variable(const std::vector<Variable>&)>& f,
                        const std::vector<Tensor>& in, const Tensor& R) {
  std::vector<Variable> leaves;
  for (const auto& t : in) leaves.emplace_back(t.clone(), true);
  Variable y = f(leaves);
  sum(y * Variable(R)).backward();
  std::vector<Tensor> out{y.data()};
  for (auto& l : leaves) out.push_back(l.grad());
  return out;
}

void expect_matches_naive(int64_t B, int64_t L, int64_t E, int64_t chunk, ScanSchedule schedule) {
  const int64_t N = 5;
  const std::vector<Tensor> in64 = inputs(B, L, E, N, 7);
  const Tensor R = randn({B, L, E}, 77);
  const auto ref = run(naive_scan, in64, R);
  const ScanOptions opt{chunk, schedule};
  auto fused = [&](const std::vector<Variable>& v) { return selective_scan(v[0], v[1], v[2], v[3], v[4], v[5], opt); };
  const auto f64 = run(fused, in64, R);
  std::vector<Tensor> in32;
  for (const auto& t : in64) in32.push_back(t.to(DType::f32));
  const auto f32 = run(fused, in32, R.to(DType::f32));
  const char* names[] = {"y", "du", "ddelta", "dA", "dBm", "dCm", "dD"};
  for (size_t i = 0; i < ref.size(); ++i) {
    EXPECT_LE(max_abs_diff(f64[i], ref[i]), 1e-10) << names[i] << " f64, L=" << L << " chunk=" << chunk;
    EXPECT_LE(scaled_diff(f32[i], ref[i]), 1e-5) << names[i] << " f32, L=" << L << " chunk=" << chunk;
  }
}

TEST(SelectiveScan, SequentialScheduleMatchesNaiveRecurrence) {
  for (int64_t L : {1, 37, 300})
    for (int64_t chunk : {1, 8, 64}) expect_matches_naive(2, L, 3, chunk, ScanSchedule::sequential);
}

TEST(SelectiveScan, ChunkedScheduleMatchesNaiveRecurrence) {
  for (int64_t L : {1, 37, 300})
    for (int64_t chunk : {1, 8, 64}) expect_matches_naive(2, L, 3, chunk, ScanSchedule::chunked);
}

TEST(SelectiveScan, SeveralChannelBlocksMatchNaive) {  // E = 37 spans three blocks, the last partial
  expect_matches_naive(1, 29, 37, 8, ScanSchedule::automatic);
  expect_matches_naive(3, 29, 37, 8, ScanSchedule::sequential);
}

TEST(SelectiveScan, GradcheckBothSchedules) {
  for (ScanSchedule s : {ScanSchedule::sequential, ScanSchedule::chunked}) {
    GradcheckResult r = gradcheck(
        [s](const std::vector<Variable>& v) { return selective_scan(v[0], v[1], v[2], v[3], v[4], v[5], {3, s}); },
        inputs(2, 7, 3, 4, 11));
    EXPECT_TRUE(r.ok) << r.report;
  }
}

TEST(SelectiveScan, ResultsDoNotDependOnThreadCount) {
  const int previous = num_threads();
  for (ScanSchedule s : {ScanSchedule::sequential, ScanSchedule::chunked}) {
    std::vector<Tensor> in;
    for (const auto& t : inputs(2, 50, 40, 16, 3)) in.push_back(t.to(DType::f32));
    const Tensor R = randn({2, 50, 40}, 5, DType::f32);
    auto fused = [s](const std::vector<Variable>& v) { return selective_scan(v[0], v[1], v[2], v[3], v[4], v[5], {8, s}); };
    set_num_threads(1);
    const auto one = run(fused, in, R);
    set_num_threads(2);
    const auto two = run(fused, in, R);
    for (size_t i = 0; i < one.size(); ++i) EXPECT_EQ(max_abs_diff(one[i], two[i]), 0.0) << i;
  }
  set_num_threads(previous);
}

TEST(SelectiveScan, StepReproducesTheScan) {
  const auto in = inputs(2, 9, 3, 4, 21);
  const Tensor y = selective_scan(Variable(in[0]), Variable(in[1]), Variable(in[2]), Variable(in[3]), Variable(in[4]),
                                  Variable(in[5]))
                       .data();
  Tensor h = zeros({2, 3, 4}, DType::f64);
  for (int64_t t = 0; t < 9; ++t) {
    const Tensor yt = selective_scan_step(h, in[0].select(1, t), in[1].select(1, t), in[2], in[3].select(1, t),
                                          in[4].select(1, t), in[5]);
    EXPECT_LE(max_abs_diff(yt, y.select(1, t)), 1e-12) << t;
  }
}

TEST(SelectiveScan, RejectsMismatchedShapes) {
  auto in = inputs(2, 5, 3, 4, 1);
  EXPECT_THROW(selective_scan(Variable(in[0]), Variable(in[1]), Variable(in[2]), Variable(in[4].narrow(2, 0, 3)),
                              Variable(in[4]), Variable(in[5])),
               Error);
}

}  // namespace
}  // namespace sf
