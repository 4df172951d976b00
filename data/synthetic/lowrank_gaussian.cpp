#include "data/synthetic/lowrank_gaussian.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "core/hash.h"
#include "core/tensor.h"
#include "core/rng.h"

namespace sf {
namespace {

// Philox stream indices under the dataset's seed.
constexpr uint32_t kBasis = 0;
uint32_t z_stream(int split) { return 1 + 2 * static_cast<uint32_t>(split); }
uint32_t noise_stream(int split) { return 2 + 2 * static_cast<uint32_t>(split); }

}  // namespace

LowRankGaussianSource::LowRankGaussianSource(LowRankOptions options)
    : options_(std::move(options)), stream_seed_(mix(options_.seed, fnv1a("lowrank_gaussian"))) {
  const TaskConfig& t = options_.task;
  SF_CHECK(t.dim >= 1 && t.rank >= 1 && t.rank <= t.dim, "lowrank_gaussian: data.task.rank (", t.rank,
           ") must be in [1, data.task.dim = ", t.dim, "]");
  SF_CHECK(options_.batch_size > 0, "lowrank_gaussian: train.batch_size must be > 0");
  basis_ = empty({t.rank, t.dim}, DType::f32);
  rng_normal(basis_.data<float>(), basis_.numel(), RngStream{stream_seed_, kBasis, kTagData}, 0, 0.0,
             1.0 / std::sqrt(static_cast<double>(t.rank)));
}

Tensor LowRankGaussianSource::rows(int split, int64_t first, int64_t count, bool noise) const {
  const TaskConfig& t = options_.task;
  std::vector<double> z(static_cast<size_t>(count * t.rank));
  rng_normal(z.data(), static_cast<int64_t>(z.size()), RngStream{stream_seed_, z_stream(split), kTagData}, first * t.rank);
  Tensor x = zeros({count, t.dim}, DType::f32);
  float* out = x.data<float>();
  if (noise && t.noise > 0)
    rng_normal(out, x.numel(), RngStream{stream_seed_, noise_stream(split), kTagData}, first * t.dim, 0.0, t.noise);
  // z B in float64 by plain loops, rounded once: the same bits on every GEMM kernel, thread count and
  // train.matmul_precision.
  const float* basis = basis_.data<float>();
  std::vector<double> row(static_cast<size_t>(t.dim));
  for (int64_t i = 0; i < count; ++i) {
    std::fill(row.begin(), row.end(), 0.0);
    for (int64_t k = 0; k < t.rank; ++k) {
      const double zk = z[static_cast<size_t>(i * t.rank + k)];
      const float* b = basis + k * t.dim;
      for (int64_t j = 0; j < t.dim; ++j) row[static_cast<size_t>(j)] += zk * static_cast<double>(b[j]);
    }
    for (int64_t j = 0; j < t.dim; ++j) out[i * t.dim + j] = static_cast<float>(row[static_cast<size_t>(j)] + out[i * t.dim + j]);
  }
  return x;
}

Batch LowRankGaussianSource::next() {
  const int64_t B = options_.batch_size, n = options_.task.train_examples;
  const int64_t first = static_cast<int64_t>(counter_++) * B * options_.world + options_.rank * B;
  if (n <= 0) {
    const Tensor x = rows(0, first, B);
    return {x, x};
  }
  // A fixed training set of n rows, cycled through: a batch may wrap around its end.
  Tensor x = empty({B, options_.task.dim}, DType::f32);
  const int64_t dim = options_.task.dim;
  for (int64_t b = 0; b < B; ++b) {
    const Tensor row = rows(0, (first + b) % n, 1);
    std::copy(row.data<float>(), row.data<float>() + dim, x.data<float>() + b * dim);
  }
  return {x, x};
}

std::vector<Batch> LowRankGaussianSource::eval_batches(int64_t count) const {
  const int64_t B = options_.batch_size, total = options_.task.eval_examples;
  int64_t n_batches = (total + B - 1) / B;
  if (count > 0) n_batches = std::min(n_batches, count);
  std::vector<Batch> out;
  for (int64_t k = 0; k < n_batches; ++k) {
    const Tensor x = rows(1, k * B, std::min(B, total - k * B));
    out.push_back({x, x});
  }
  return out;
}

}  // namespace sf
