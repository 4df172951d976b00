#include "optim/clip.h"

#include <algorithm>
#include <cmath>

#include "core/ops.h"
#include "core/parallel.h"
#include "optim/multi_tensor.h"

namespace sf {
namespace {

// Sums of squares are taken over blocks of this many elements of one tensor; the block partials
// are then added in order. Fixed, so the rounding never depends on the thread count.
constexpr int64_t kNormBlock = 4096;

// The gradients that take part, checked: float32/float64 CPU tensors, made contiguous.
std::vector<Tensor> gradients(const char* fn, const std::vector<Variable>& params) {
  std::vector<Tensor> grads;
  for (size_t i = 0; i < params.size(); ++i) {
    const Variable& p = params[i];
    SF_CHECK(p.defined(), fn, ": parameter ", i, " is undefined");
    const Tensor& g = p.grad();
    if (!g.defined()) continue;
    SF_CHECK(g.dtype() == DType::f32 || g.dtype() == DType::f64, fn, ": gradient of parameter ", i, " is ",
             dtype_name(g.dtype()), "; float32 or float64 expected");
    SF_CHECK(g.device().is_cpu(), fn, ": gradient of parameter ", i, " is on ", g.device().str(),
             "; clipping runs on the CPU only");
    grads.push_back(g.contiguous());
  }
  return grads;
}

template <class T>
double sum_of_squares(const T* x, int64_t n) {
  double lanes[8] = {0, 0, 0, 0, 0, 0, 0, 0};  // independent accumulators so the loop vectorises
  int64_t k = 0;
  for (; k + 8 <= n; k += 8)
    for (int l = 0; l < 8; ++l) lanes[l] += static_cast<double>(x[k + l]) * static_cast<double>(x[k + l]);
  double s = 0;
  for (; k < n; ++k) s += static_cast<double>(x[k]) * static_cast<double>(x[k]);
  for (double lane : lanes) s += lane;
  return s;
}

double global_norm(const std::vector<Tensor>& grads) {
  struct Block {
    const Tensor* t;
    int64_t begin, end;
  };
  std::vector<Block> blocks;
  for (const Tensor& g : grads)
    for (int64_t b = 0; b < g.numel(); b += kNormBlock) blocks.push_back({&g, b, std::min(g.numel(), b + kNormBlock)});
  std::vector<double> partial(blocks.size(), 0.0);
  parallel_for(static_cast<int64_t>(blocks.size()), 4, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      const Block& blk = blocks[i];
      partial[i] = blk.t->dtype() == DType::f32
                       ? sum_of_squares(blk.t->data<float>() + blk.begin, blk.end - blk.begin)
                       : sum_of_squares(blk.t->data<double>() + blk.begin, blk.end - blk.begin);
    }
  });
  double total = 0;
  for (double s : partial) total += s;
  return std::sqrt(total);
}

}  // namespace

double grad_norm(const std::vector<Variable>& params) { return global_norm(gradients("grad_norm", params)); }

double clip_grad_norm(const std::vector<Variable>& params, double max_norm) {
  SF_CHECK(max_norm >= 0, "clip_grad_norm: max_norm ", max_norm, " must be >= 0 (0 = no clipping)");
  const std::vector<Tensor> grads = gradients("clip_grad_norm", params);
  const double norm = global_norm(grads);
  const double coef = max_norm / (norm + 1e-6);
  if (max_norm == 0 || !std::isfinite(norm) || coef >= 1) return norm;
  // Scale in place; a non-contiguous gradient is replaced by its (already made) contiguous copy.
  std::vector<int64_t> sizes;
  for (size_t i = 0, j = 0; i < params.size(); ++i) {
    if (!params[i].grad().defined()) continue;
    if (!params[i].grad().shares_storage(grads[j])) {
      Variable p = params[i];
      p.set_grad(grads[j]);
    }
    sizes.push_back(grads[j++].numel());
  }
  optim_detail::for_each_piece(sizes, [&](size_t j, int64_t b, int64_t e) {
    if (grads[j].dtype() == DType::f32) {
      float* g = grads[j].data<float>();
      const float c = static_cast<float>(coef);
      for (int64_t k = b; k < e; ++k) g[k] *= c;
    } else {
      double* g = grads[j].data<double>();
      for (int64_t k = b; k < e; ++k) g[k] *= coef;
    }
  });
  return norm;
}

bool grads_finite(const std::vector<Variable>& params) {
  for (const Tensor& g : gradients("grads_finite", params))
    if (!all_finite(g)) return false;
  return true;
}

}  // namespace sf
