#include "distributed/gradient_sync.h"

#include <algorithm>

#include "core/ops.h"

namespace sf {

GradientSync::GradientSync(Communicator& comm, std::vector<Variable> params, double bucket_mb)
    : comm_(comm), params_(std::move(params)) {
  SF_CHECK(bucket_mb > 0, "distributed.bucket_mb must be positive, got ", bucket_mb);
  const auto cap = static_cast<size_t>(bucket_mb * 1024 * 1024);
  bucket_of_.resize(params_.size());
  seen_.assign(params_.size(), 0);
  expected_.assign(params_.size(), -1);
  size_t bytes = 0;
  for (size_t i = params_.size(); i-- > 0;) {
    const Tensor& p = params_[i].data();
    const bool fits = !buckets_.empty() && bytes + p.nbytes() <= cap &&
                      params_[buckets_.back().members.front()].dtype() == p.dtype();
    if (!fits) {
      buckets_.emplace_back();
      bytes = 0;
    }
    Bucket& b = buckets_.back();
    b.offsets.push_back(b.members.empty() ? 0 : b.offsets.back() + params_[b.members.back()].numel());
    b.members.push_back(i);
    bucket_of_[i] = buckets_.size() - 1;
    bytes += p.nbytes();
  }
  for (Bucket& b : buckets_) {
    const Variable& last = params_[b.members.back()];
    b.buffer = zeros({b.offsets.back() + last.numel()}, last.dtype(), last.device());
  }
  for (size_t i = 0; i < params_.size(); ++i) params_[i].register_hook([this, i, alive = std::weak_ptr<int>(alive_)](const Tensor&) {
      if (!alive.expired()) on_gradient(i);
    });
}

void GradientSync::broadcast_parameters() {
  for (Variable& p : params_) comm_.broadcast(p.mutable_data(), 0);
}

void GradientSync::begin_micro_step(bool sync) {
  syncing_ = sync;
  if (!sync) return;
  std::fill(seen_.begin(), seen_.end(), 0);
  for (Bucket& b : buckets_) {
    b.pending = 0;
    for (size_t i : b.members) b.pending += expected_[i] > 0 ? 1 : 0;
    b.work.reset();
  }
  next_launch_ = 0;
}

void GradientSync::on_gradient(size_t i) {
  if (!syncing_) return;
  ++seen_[i];
  if (expected_[i] < 0) return;  // first step: counts are being learnt, finish() launches
  Bucket& b = buckets_[bucket_of_[i]];
  SF_CHECK(!b.work, "data-parallel: a parameter received a gradient after its bucket was all-reduced (",
           seen_[i], " accumulations, ", expected_[i],
           " in the first step); the graph must use the same parameters the same way every step");
  if (seen_[i] == expected_[i]) {
    --b.pending;
    launch_ready();
  }
}

void GradientSync::launch_ready() {
  while (next_launch_ < buckets_.size() && buckets_[next_launch_].pending == 0 &&
         std::all_of(buckets_[next_launch_].members.begin(), buckets_[next_launch_].members.end(),
                     [&](size_t i) { return expected_[i] > 0; }))
    launch(buckets_[next_launch_++]);
  for (size_t k = 0; k < next_launch_; ++k)  // MPI progresses only inside MPI calls
    if (buckets_[k].work) buckets_[k].work->test();
}

void GradientSync::launch(Bucket& b) {
  for (size_t m = 0; m < b.members.size(); ++m) {
    const Variable& p = params_[b.members[m]];
    Tensor slot = b.buffer.narrow(0, b.offsets[m], p.numel());
    if (p.grad().defined()) {
      slot.copy_(p.grad().reshape({-1}));
    } else {
      slot.zero_();
    }
  }
  b.work = comm_.all_reduce_async(b.buffer, ReduceOp::avg);
}

void GradientSync::finish() {
  SF_CHECK(syncing_, "GradientSync::finish without a synchronised micro-step");
  for (size_t i = 0; i < params_.size(); ++i)
    if (expected_[i] < 0) expected_[i] = seen_[i];
  for (; next_launch_ < buckets_.size(); ++next_launch_) launch(buckets_[next_launch_]);
  for (Bucket& b : buckets_) {
    b.work->wait();
    b.work.reset();
    for (size_t m = 0; m < b.members.size(); ++m) {
      Variable& p = params_[b.members[m]];
      p.set_grad(b.buffer.narrow(0, b.offsets[m], p.numel()).view(p.shape()).clone());
    }
  }
  syncing_ = false;
}

}  // namespace sf
