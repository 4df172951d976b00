#include "layers/adapters/low_rank_adapter.h"

#include <algorithm>

#include "autograd/functions.h"
#include "core/ops.h"

namespace sf {

LowRankAdapter::LowRankAdapter(AdapterSite site, int64_t rank, double alpha, double dropout, bool merge_on_eval)
    : site_(std::move(site)),
      rank_(rank),
      scale_(alpha / static_cast<double>(rank)),
      dropout_(dropout),
      merge_on_eval_(merge_on_eval) {
  SF_CHECK(site_.layer != nullptr, "adapter ", site_.name, ": no layer");
  SF_CHECK(rank > 0 && alpha > 0, "adapter ", site_.name, ": rank and alpha must be > 0, got ", rank, ", ", alpha);
  SF_CHECK(dropout >= 0 && dropout < 1, "adapter ", site_.name, ": dropout must be in [0, 1), got ", dropout);
  SF_CHECK(site_.row0 >= 0 && site_.rows > 0 && site_.row0 + site_.rows <= site_.layer->out_features(), "adapter ",
           site_.name, ": rows [", site_.row0, ", ", site_.row0 + site_.rows, ") outside the layer's ",
           site_.layer->out_features(), " outputs");
}

void LowRankAdapter::attach() {
  SF_CHECK(hook_id_ == 0, "adapter ", site_.name, " is attached already");
  // The hook owns the adapter; the layer owns the hook, and the adapter refers back to the layer by a plain
  // pointer, so there is no cycle.
  hook_id_ = site_.layer->add_forward_hook(
      [self = shared_from_this()](const Variable& x, const Variable& y) { return self->apply(x, y); });
}

void LowRankAdapter::detach() {
  SF_CHECK(hook_id_ != 0, "adapter ", site_.name, " is not attached");
  site_.layer->remove_hook(hook_id_);
  hook_id_ = 0;
}

Variable LowRankAdapter::apply(const Variable& x, const Variable& y) {
  SF_CHECK(!(merged_ && training()), "adapter ", site_.name,
           ": a training forward while the update is merged into the weight; call train() (with merge_on_eval) or "
           "unmerge() first");
  if (merged_) return y;
  const Variable in = training() && dropout_ > 0 ? dropout(x, dropout_, true, next_rng_stream(kTagDrop)) : x;
  const auto [a, b] = factors();
  const Variable update = mul(linear(linear(in, a), b), scale_);  // (..., rows)
  // Only this adapter's rows change.
  Variable out = site_.rows == y.size(-1) ? add(y, update) : add_narrow(y, -1, site_.row0, update);
  if (log_norms_ && training()) {
    NoGradGuard no_grad;
    Tensor rows = out.data().narrow(-1, site_.row0, site_.rows);
    if (site_.layer->bias().defined()) rows = rows - site_.layer->bias().data().narrow(0, site_.row0, site_.rows);
    const double m = amax(unary(UnaryOp::abs, rows)).item<double>();
    out_max_ = std::isnan(out_max_) ? m : std::max(out_max_, m);
  }
  return out;
}

double LowRankAdapter::take_out_max() {
  const double m = out_max_;
  out_max_ = NAN;
  return m;
}

Tensor LowRankAdapter::delta_weight() const {
  NoGradGuard no_grad;
  const auto [a, b] = factors();
  const DType dt = site_.layer->weight().dtype() == DType::f64 ? DType::f64 : DType::f32;
  return matmul(b.data().to(dt), a.data().to(dt)) * scale_;
}

void LowRankAdapter::merge() {
  SF_CHECK(!merged_, "adapter ", site_.name, " is merged already");
  Tensor rows = site_.layer->weight().data().narrow(0, site_.row0, site_.rows);
  saved_rows_ = rows.clone();
  const Tensor delta = delta_weight();
  rows.copy_(add(rows.to(delta.dtype()), delta));  // one rounding into the weight's dtype
  merged_ = true;
}

void LowRankAdapter::unmerge() {
  SF_CHECK(merged_, "adapter ", site_.name, " is not merged");
  site_.layer->weight().data().narrow(0, site_.row0, site_.rows).copy_(saved_rows_);
  saved_rows_ = Tensor();
  merged_ = false;
}

void LowRankAdapter::on_mode_change(bool training) {
  if (!training && merge_on_eval_ && !merged_) merge();
  if (training && merged_) unmerge();
}

void LowRankAdapter::on_device_change(Device device) { move_to_device(saved_rows_, device); }

}  // namespace sf
