#include "train/train_step.h"

#include <algorithm>
#include <cmath>

#include "autograd/functions.h"
#include "optim/clip.h"
#include "optim/mezo.h"
#include "train/data_source.h"
#include "train/signals.h"

namespace sf {
namespace {

// [values..., stop] summed over ranks: the values become their means, stop whether any rank stops.
bool share_over_ranks(Communicator& comm, std::vector<double>& values, bool stop) {
  Tensor shared = zeros({static_cast<int64_t>(values.size()) + 1}, DType::f64);
  double* s = shared.data<double>();
  std::copy(values.begin(), values.end(), s);
  s[values.size()] = stop ? 1.0 : 0.0;
  comm.all_reduce(shared, ReduceOp::sum);
  for (size_t i = 0; i < values.size(); ++i) values[i] = s[i] / comm.world();
  return s[values.size()] > 0;
}

class BackpropStep final : public TrainStep {
 public:
  BackpropStep(StepContext c, int64_t grad_accum, double grad_clip)
      : c_(std::move(c)), grad_accum_(grad_accum), grad_clip_(grad_clip), params_(c_.optimizer.params()) {}

  StepOutcome prepare(int64_t step) override {
    c_.model.set_rng_step(c_.seed, step);
    c_.optimizer.zero_grad();
    StepOutcome out;
    double loss_sum = 0;
    const int world = c_.comm ? c_.comm->world() : 1;
    for (int64_t micro = 0; micro < grad_accum_; ++micro) {
      if (c_.grad_sync) c_.grad_sync->begin_micro_step(micro == grad_accum_ - 1);  // sync the last one only
      set_activity("forward", step + 1);
      Batch b = c_.next_batch();
      out.tokens += c_.model.throughput_items(b.x) * world;
      Variable loss = c_.model.loss(b.x, b.y);
      loss_sum += loss.item<double>();
      set_activity("backward", step + 1);
      (grad_accum_ > 1 ? loss * (1.0 / static_cast<double>(grad_accum_)) : loss).backward();
    }
    set_activity("optimizer step", step + 1);
    std::vector<double> loss{loss_sum / static_cast<double>(grad_accum_)};
    if (c_.grad_sync) {
      const bool stop = stop_requested();
      c_.grad_sync->finish();
      // Every rank logs the mean loss and stops together, so their decisions never diverge.
      out.stop = share_over_ranks(*c_.comm, loss, stop);
    }
    out.loss = loss[0];
    c_.optimizer.transform_gradients();
    out.grad_norm = clip_grad_norm(params_, grad_clip_);
    return out;
  }
  void apply(double lr) override { c_.optimizer.step(lr); }
  void discard() override {}  // the next prepare() zeroes the gradients

 private:
  StepContext c_;
  int64_t grad_accum_;
  double grad_clip_;
  std::vector<Variable> params_;
};

class MezoStep final : public TrainStep {
 public:
  MezoStep(StepContext c, const MezoConfig& config) : c_(std::move(c)), config_(config) {
    mezo_ = dynamic_cast<Mezo*>(&c_.optimizer);
    SF_CHECK(mezo_, "optim.name: mezo needs the MeZO optimizer, not ", c_.optimizer.name());
    SF_CHECK(config_.objective != MezoObjective::accuracy || c_.scores_accuracy,
             "optim.mezo.objective: accuracy needs data that scores accuracy (a synthetic task)");
  }

  // n_t: n_spsa, or max(1, ⌊t/T·n⌋) under the linear schedule.
  int64_t directions(int64_t step) const {
    if (config_.n_schedule == SpsaSchedule::constant) return config_.n_spsa;
    return std::max<int64_t>(1, step * config_.n_spsa / std::max<int64_t>(1, c_.total_steps));
  }

  StepOutcome prepare(int64_t step) override {
    set_activity("forward", step + 1);
    const Batch b = c_.next_batch();
    StepOutcome out;
    out.tokens = c_.model.throughput_items(b.x) * (c_.comm ? c_.comm->world() : 1);
    const bool accuracy = config_.objective == MezoObjective::accuracy;
    // sf::evaluate: eval mode (dropout off), no autograd tape, the loss or the accuracy of the eval path.
    const auto objective = [&] {
      const EvalResult r = evaluate(c_.model, {b}, accuracy);
      return accuracy ? -r.accuracy : r.loss;
    };
    const int64_t n = directions(step);
    std::vector<double> losses;  // ℓ+_0, ℓ−_0, ℓ+_1, ...
    for (int64_t i = 0; i < n; ++i) {
      const SpsaLosses l = mezo_->evaluate(Mezo::direction_seed(c_.seed, step, i), objective);
      losses.push_back(l.plus);
      losses.push_back(l.minus);
    }
    set_activity("optimizer step", step + 1);
    if (c_.comm) out.stop = share_over_ranks(*c_.comm, losses, stop_requested());
    std::vector<double> p;
    for (int64_t i = 0; i < n; ++i) {
      const SpsaLosses l{losses[2 * i], losses[2 * i + 1]};
      p.push_back(mezo_->projected_gradient(l));
      out.loss += l.plus / static_cast<double>(n);
      out.grad_norm += std::abs(p.back()) / static_cast<double>(n);
    }
    mezo_->set_projected_gradients(std::move(p));
    return out;
  }
  void apply(double lr) override { mezo_->step(lr); }
  void discard() override { mezo_->discard(); }

 private:
  StepContext c_;
  MezoConfig config_;
  Mezo* mezo_ = nullptr;
};

}  // namespace

std::unique_ptr<TrainStep> make_train_step(const RunConfig& config, StepContext context) {
  if (config.optim.name == OptimizerKind::mezo) return std::make_unique<MezoStep>(std::move(context), config.optim.mezo);
  return std::make_unique<BackpropStep>(std::move(context), config.train.grad_accum, config.optim.grad_clip);
}

}  // namespace sf
