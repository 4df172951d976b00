#include "train/trainer.h"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>

#include "autograd/functions.h"
#include "config/yaml_writer.h"
#include "core/parallel.h"
#include "data/text_dataset.h"
#include "train/data_source.h"
#include "optim/clip.h"
#include "optim/factory.h"
#include "optim/schedule.h"
#include "train/checkpoint.h"
#include "train/metrics.h"

namespace sf {
namespace fs = std::filesystem;
namespace {

using Clock = std::chrono::steady_clock;

std::string format_duration(double seconds) {
  int64_t s = static_cast<int64_t>(seconds + 0.5);
  std::ostringstream o;
  if (s >= 3600) o << s / 3600 << "h";
  if (s >= 60) o << (s / 60) % 60 << "m";
  o << s % 60 << "s";
  return o.str();
}

}  // namespace

Trainer::Trainer(LoadedConfig loaded, TrainOptions options) : loaded_(std::move(loaded)), options_(std::move(options)) {
  RunConfig& cfg = loaded_.config;
  set_num_threads(static_cast<int>(cfg.train.threads));
  std::string resume_from;
  if (options_.resume) {
    resume_from = latest_checkpoint((fs::path(options_.out_dir) / "checkpoints").string());
    SF_CHECK(!resume_from.empty(), "--resume: no checkpoint in ", options_.out_dir, "/checkpoints");
  }
  const bool text = cfg.data.dataset == "text";
  if (!text) {
    // a synthetic task has its own alphabet and no tokenizer
  } else if (!resume_from.empty()) {
    tokenizer_ = Tokenizer::from_string(load_checkpoint(resume_from, false).tokenizer);
  } else if (!cfg.train.init_from.empty()) {
    tokenizer_ = Tokenizer::from_string(load_checkpoint(cfg.train.init_from, false).tokenizer);
  } else {
    tokenizer_ = make_tokenizer(enum_names(cfg.data.tokenizer)[static_cast<size_t>(cfg.data.tokenizer)],
                                read_corpus(cfg.data.path));
  }
  const int64_t vocab = data_vocab_size(cfg, tokenizer_.get());
  if (cfg.model.vocab_size == 0) cfg.model.vocab_size = vocab;
  SF_CHECK(cfg.model.vocab_size >= vocab, "model.vocab_size ", cfg.model.vocab_size,
           " is smaller than the data's vocabulary (", vocab, ")");

  model_ = std::make_shared<SequenceModel>(cfg.model);
  model_->init_parameters(static_cast<uint64_t>(cfg.train.seed));
  if (!cfg.train.init_from.empty() && resume_from.empty()) {
    model_->load_state_dict(load_checkpoint(cfg.train.init_from, false).model);
  }
  optimizer_ = make_optimizer(cfg.optim, model_->named_parameters());
  sampler_ = make_batch_source(cfg, tokenizer_.get());
  eval_batches_ = sampler_->eval_batches(cfg.train.eval_batches);
  if (!resume_from.empty()) restore(resume_from);
}

Trainer::~Trainer() = default;

void Trainer::describe(std::ostream& out) const {
  out << "# resolved config (" << loaded_.recipe_path << ")\n" << to_yaml(loaded_.config) << "\n";
  out << "# model: " << model_->num_parameters() << " parameters\n";
  for (const auto& row : model_->parameter_summary())
    out << std::string(2 * row.depth, ' ') << std::left << std::setw(40 - 2 * row.depth) << row.path << std::right
        << std::setw(12) << row.count << "\n";
}

void Trainer::restore(const std::string& path) {
  Checkpoint c = load_checkpoint(path);
  model_->load_state_dict(c.model);
  optimizer_->load_state_tensors(c.optim);
  sampler_->set_state(c.sampler_state);
  step_ = c.step;
}

void Trainer::save(std::ostream& out) {
  fs::path dir = fs::path(options_.out_dir) / "checkpoints";
  fs::create_directories(dir);
  Checkpoint c;
  c.model = model_->state_dict();
  c.optim = optimizer_->state_tensors();
  c.step = step_;
  c.sampler_state = sampler_->state();
  c.seed = static_cast<uint64_t>(loaded_.config.train.seed);
  c.tokenizer = tokenizer_ ? tokenizer_->to_string() : "";
  c.config_yaml = to_yaml(loaded_.config);
  c.recipe_text = loaded_.recipe_text;
  std::string path = checkpoint_path(dir.string(), step_);
  save_checkpoint(path, c);
  prune_checkpoints(dir.string(), loaded_.config.checkpoint.keep_last, loaded_.config.checkpoint.milestones);
  out << "saved checkpoint " << path << "\n";
}

EvalResult Trainer::evaluate() { return sf::evaluate(*model_, eval_batches_, sampler_->scores_accuracy()); }

std::vector<StepLog> Trainer::run(std::ostream& out) {
  const RunConfig& cfg = loaded_.config;
  const TrainConfig& tc = cfg.train;
  fs::create_directories(options_.out_dir);
  {
    std::ofstream resolved(fs::path(options_.out_dir) / "config.resolved.yaml");
    SF_CHECK(resolved.is_open(), options_.out_dir, ": cannot write config.resolved.yaml");
    resolved << to_yaml(cfg);
  }
  MetricsWriter metrics((fs::path(options_.out_dir) / "metrics.jsonl").string());
  LrSchedule schedule = make_schedule(cfg.optim, tc.steps);
  std::vector<Variable> params = optimizer_->params();
  const double tokens_per_step = static_cast<double>(tc.batch_size * tc.seq_len * tc.grad_accum);
  std::vector<StepLog> logs;
  auto window_start = Clock::now();
  int64_t window_steps = 0;
  const auto run_start = Clock::now();
  const int64_t first_step = step_;

  while (step_ < tc.steps) {
    double lr = schedule.lr(step_);
    model_->set_rng_step(static_cast<uint64_t>(tc.seed), step_);
    optimizer_->zero_grad();
    double loss_sum = 0;
    for (int64_t micro = 0; micro < tc.grad_accum; ++micro) {
      Batch b = sampler_->next();
      Variable loss = model_->loss(b.x, b.y);
      loss_sum += loss.item<double>();
      (tc.grad_accum > 1 ? loss * (1.0 / static_cast<double>(tc.grad_accum)) : loss).backward();
    }
    double loss_value = loss_sum / static_cast<double>(tc.grad_accum);
    double norm = clip_grad_norm(params, cfg.optim.grad_clip);
    optimizer_->step(lr);
    ++step_;
    ++window_steps;

    const bool eval_now = step_ % tc.eval_every == 0 || step_ == tc.steps;
    const bool log_now = step_ % tc.log_every == 0 || step_ == tc.steps || eval_now;
    const bool stop_now = step_ == options_.stop_at;
    const bool save_now =
        (tc.checkpoint_every > 0 && step_ % tc.checkpoint_every == 0) || step_ == tc.steps || stop_now;
    if (log_now) {
      double elapsed = std::chrono::duration<double>(Clock::now() - window_start).count();
      StepLog log{step_, loss_value, lr, norm, NAN, tokens_per_step * window_steps / std::max(elapsed, 1e-9)};
      if (eval_now) {
        EvalResult r = evaluate();
        log.val_loss = r.loss;
        if (r.accuracy >= 0) log.val_accuracy = r.accuracy;
      }
      double total = std::chrono::duration<double>(Clock::now() - run_start).count();
      double eta = total / static_cast<double>(step_ - first_step) * static_cast<double>(tc.steps - step_);
      out << "step " << std::setw(6) << step_ << " | loss " << std::fixed << std::setprecision(4) << loss_value
          << " | lr " << std::scientific << std::setprecision(2) << lr << " | grad-norm " << std::fixed
          << std::setprecision(3) << norm << " | " << std::setprecision(0) << log.tokens_per_s << " tok/s | ETA "
          << format_duration(eta);
      if (eval_now) out << " | val " << std::setprecision(4) << log.val_loss;
      if (!std::isnan(log.val_accuracy)) out << " | acc " << std::setprecision(4) << log.val_accuracy;
      out << std::defaultfloat << std::endl;
      std::vector<std::pair<std::string, double>> row{{"step", static_cast<double>(step_)}, {"loss", loss_value},
                                                      {"lr", lr}, {"grad_norm", norm},
                                                      {"tokens_per_s", log.tokens_per_s}};
      if (eval_now) row.emplace_back("val_loss", log.val_loss);
      if (!std::isnan(log.val_accuracy)) row.emplace_back("val_accuracy", log.val_accuracy);
      metrics.write(row);
      logs.push_back(log);
    }
    if (save_now) save(out);
    if (stop_now) break;
    if (log_now || save_now) {  // evaluation and saving stay out of the next throughput window
      window_start = Clock::now();
      window_steps = 0;
    }
  }
  return logs;
}

}  // namespace sf
