#include "train/trainer.h"

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <thread>

#include "autograd/functions.h"
#include "config/yaml_writer.h"
#include "core/parallel.h"
#include "data/text_dataset.h"
#include "layers/adapters/attach.h"
#include "train/data_source.h"
#include "train/device_check.h"
#include "optim/factory.h"
#include "optim/mkor.h"
#include "optim/schedule.h"
#include "train/adapter_checkpoint.h"
#include "train/checkpoint.h"
#include "train/divergence.h"
#include "train/fault_inject.h"
#include "train/metrics.h"
#include "train/resume_config.h"
#include "train/session.h"
#include "train/signals.h"

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
  check_train_device(cfg, loaded_.where);
  world_ = world_from_env();
  SF_CHECK(cfg.train.batch_size % world_.world == 0, "train.batch_size ", cfg.train.batch_size,
           " is the global batch and must divide by the number of ranks (", world_.world, ")");
  // Ranks on one machine share its cores unless train.threads says otherwise.
  const int machine_share = std::max(1, static_cast<int>(std::thread::hardware_concurrency()) / world_.local_world);
  set_num_threads(cfg.train.threads == 0 && world_.local_world > 1 ? machine_share
                                                                    : static_cast<int>(cfg.train.threads));
  use_matmul_precision(cfg.train.matmul_precision);
  const std::string resume_from = options_.resume ? checkpoint_to_resume(options_.out_dir) : "";
  if (!is_token_dataset(cfg.data.dataset)) {
    // a synthetic task has its own alphabet and no tokenizer
  } else if (!resume_from.empty()) {
    tokenizer_ = Tokenizer::from_string(load_checkpoint(resume_from, false).tokenizer);
  } else if (!cfg.train.init_from.empty()) {
    tokenizer_ = Tokenizer::from_string(load_checkpoint(cfg.train.init_from, false).tokenizer);
  } else {
    tokenizer_ = make_run_tokenizer(cfg.data);
  }
  if (cfg.model.arch == ModelArch::sequence) {  // the autoencoder's rows have no vocabulary
    const int64_t vocab = data_vocab_size(cfg, tokenizer_.get());
    if (cfg.model.vocab_size == 0) cfg.model.vocab_size = vocab;
    SF_CHECK(cfg.model.vocab_size >= vocab, "model.vocab_size ", cfg.model.vocab_size,
             " is smaller than the data's vocabulary (", vocab, ")");
  }

  model_ = make_model(cfg.model);
  model_->init_parameters(static_cast<uint64_t>(cfg.train.seed));
  if (!cfg.train.init_from.empty() && resume_from.empty()) {
    load_model_state(*model_, load_checkpoint(cfg.train.init_from, false), cfg.train.init_from);
  }
  // Adapters and freezing go on the loaded base; a resumed run restores their values below.
  apply_adapter_config(*model_, cfg.adapter, static_cast<uint64_t>(cfg.train.seed));
  optimizer_ = make_optimizer(cfg.optim, model_, cfg.train.grad_accum);
  RunConfig shard = cfg;  // this rank's rows of the global batch; the sampler's row index is global
  shard.train.batch_size /= world_.world;
  sampler_ = make_batch_source(shard, tokenizer_.get(), world_.rank, world_.world);
  // Validation batches are those one process sees; evaluate() splits them over the ranks.
  eval_batches_ = world_.world == 1 ? sampler_->eval_batches(cfg.train.eval_batches)
                                    : make_batch_source(cfg, tokenizer_.get())->eval_batches(cfg.train.eval_batches);
  if (!resume_from.empty()) restore(resume_from);
  if (world_.world > 1) {
    comm_ = make_communicator(cfg.distributed, optimizer_->params().front().device());
    if (cfg.optim.name == OptimizerKind::mezo) {  // no gradients to average: rank 0's weights, then equal updates
      for (Variable& p : optimizer_->params()) comm_->broadcast(p.mutable_data(), 0);
    } else {
      grad_sync_ = std::make_unique<GradientSync>(*comm_, optimizer_->params(), cfg.distributed.bucket_mb);
      grad_sync_->broadcast_parameters();
    }
    if (auto* mkor = dynamic_cast<Mkor*>(optimizer_.get()))  // its rank-1 statistics, one buffer per factor step
      mkor->set_statistics_reducer([c = comm_.get()](Tensor& t) { c->all_reduce(t, ReduceOp::avg); });
  }
  train_step_ = make_train_step(cfg, StepContext{*model_, *optimizer_, [this] { return sampler_->next(); },
                                                 static_cast<uint64_t>(cfg.train.seed), cfg.train.steps,
                                                 sampler_->scores_accuracy(), comm_.get(), grad_sync_.get()});
}

Trainer::~Trainer() = default;

void Trainer::describe(std::ostream& out) const {
  out << "# resolved config (" << loaded_.recipe_path << ")\n" << to_yaml(loaded_.config) << "\n";
  int64_t trainable = 0;
  for (const Variable& p : optimizer_->params()) trainable += p.numel();
  out << "# model: " << model_->num_parameters() << " parameters, " << trainable << " trainable\n";
  model_->print_parameter_summary(out);
  // Groups other than the usual decay / no-decay pair come from layers' hints (layers/param_hint.h).
  out << "# optimizer groups (" << optimizer_->name() << "):\n";
  for (const ParamGroup& g : optimizer_->groups()) {
    int64_t n = 0;
    for (const Variable& p : g.params) n += p.numel();
    out << "#   " << g.params.size() << " tensors, " << n << " parameters: lr " << loaded_.config.optim.lr * g.lr_scale
        << ", weight decay " << g.weight_decay << " (first: " << g.names.front() << ")\n";
  }
}

void Trainer::restore(const std::string& path) {
  Checkpoint c = load_checkpoint(path);
  require_optimizer_state(c, path);
  load_model_state(*model_, c, path);
  optimizer_->load_state_tensors(c.optim);
  sampler_->set_state(c.sampler_state);
  step_ = c.step;
  resumed_from_ = path;
  elapsed_before_ = c.elapsed_s;
}

double Trainer::elapsed_s() const {
  return elapsed_before_ + std::chrono::duration<double>(Clock::now() - started_).count();
}

void Trainer::save(std::ostream& out) {
  if (world_.rank != 0) return;  // every rank holds the same model, optimizer and sampler counter
  fs::path dir = fs::path(options_.out_dir) / "checkpoints";
  fs::create_directories(dir);
  Checkpoint c;
  c.model = model_->state_dict();
  c.has_optimizer = loaded_.config.checkpoint.save_optimizer;
  if (c.has_optimizer) c.optim = optimizer_->state_tensors();
  c.step = step_;
  c.sampler_state = sampler_->state();
  c.seed = static_cast<uint64_t>(loaded_.config.train.seed);
  c.elapsed_s = elapsed_s();
  c.tokenizer = tokenizer_ ? tokenizer_->to_string() : "";
  c.config_yaml = to_yaml(loaded_.config);
  c.recipe_text = loaded_.recipe_text;
  std::string path = checkpoint_path(dir.string(), step_);
  set_activity("checkpoint write", step_);
  save_checkpoint(path, c);
  if (loaded_.config.adapter.kind != AdapterKind::none) {  // the small artefact: adapters only, no base
    const std::string adapter = (fs::path(options_.out_dir) / "adapter.h5").string();
    save_adapter(adapter, *model_, loaded_.config.adapter);
    out << "saved adapter " << adapter << "\n";
  }
  prune_checkpoints(dir.string(), loaded_.config.checkpoint.keep_last, loaded_.config.checkpoint.milestones);
  out << "saved checkpoint " << path << "\n";
}

EvalResult Trainer::evaluate() {
  const bool with_accuracy = sampler_->scores_accuracy();
  if (!comm_) return sf::evaluate(*model_, eval_batches_, with_accuracy);
  // Rank r takes batches r, r + world, ...; summed over ranks this is the single-process result.
  Tensor sums = zeros({6}, DType::f64);  // loss, correct, scored, batches, exact sequences, scored sequences
  double* s = sums.data<double>();
  for (size_t i = static_cast<size_t>(world_.rank); i < eval_batches_.size(); i += static_cast<size_t>(world_.world)) {
    const Batch& b = eval_batches_[i];
    EvalResult r = sf::evaluate(*model_, {b}, with_accuracy);
    s[0] += r.loss;
    if (with_accuracy) {
      const Tensor mask = binary(BinaryOp::ne, b.y, static_cast<double>(kIgnoreIndex));
      const double scored = sum(mask).item<double>();
      const double sequences = sum(binary(BinaryOp::gt, sum(mask, {1}), 0.0)).item<double>();
      s[1] += r.accuracy * scored;
      s[2] += scored;
      s[4] += r.exact_match * sequences;
      s[5] += sequences;
    }
    s[3] += 1;
  }
  comm_->all_reduce(sums, ReduceOp::sum);
  EvalResult r;
  r.batches = static_cast<int64_t>(s[3]);
  r.loss = r.batches > 0 ? s[0] / s[3] : 0.0;
  if (with_accuracy) {
    r.accuracy = s[2] > 0 ? s[1] / s[2] : 0.0;
    r.exact_match = s[5] > 0 ? s[4] / s[5] : 0.0;
  }
  return r;
}

std::vector<StepLog> Trainer::run(std::ostream& rank_out) {
  const RunConfig& cfg = loaded_.config;
  const TrainConfig& tc = cfg.train;
  std::ostream muted(nullptr);
  std::ostream& out = world_.rank == 0 ? rank_out : muted;  // rank 0 speaks for the run
  fs::create_directories(options_.out_dir);
  if (world_.rank == 0) {  // a resume keeps the first run's config and records its own beside it
    const std::string file = resumed_from_.empty() ? "config.resolved.yaml" : resume_config_file(step_);
    std::ofstream resolved(fs::path(options_.out_dir) / file);
    SF_CHECK(resolved.is_open(), options_.out_dir, ": cannot write ", file);
    resolved << to_yaml(cfg);
  }
  if (!resumed_from_.empty()) out << "resumed from " << resumed_from_ << " at step " << step_ << "\n";
  const std::string metrics_path = (fs::path(options_.out_dir) / "metrics.jsonl").string();
  if (world_.rank == 0 && !resumed_from_.empty()) truncate_metrics_after(metrics_path, step_);
  MetricsWriter metrics = world_.rank == 0 ? MetricsWriter(metrics_path) : MetricsWriter();
  LrSchedule schedule = make_schedule(cfg.optim, tc.steps);
  std::vector<StepLog> logs;
  auto window_start = Clock::now();
  double window_tokens = 0;  // counted from the batches: a task's length curriculum varies them
  int64_t window_steps = 0;
  const auto run_start = Clock::now();
  const int64_t first_step = step_;
  DivergenceGuard guard(tc.max_bad_steps, (fs::path(options_.out_dir) / "checkpoints").string());
  const std::string unit = cfg.model.arch == ModelArch::autoencoder ? "rows" : "tok";  // what throughput counts

  while (step_ < tc.steps) {
    double lr = schedule.lr(step_);
    const StepOutcome outcome = train_step_->prepare(step_);
    double loss_value = outcome.loss;
    const double norm = outcome.grad_norm, step_tokens = outcome.tokens;
    const bool stop_signal = outcome.stop;  // with several ranks they agree on it; one process reads it after the update
    if (fault_injected("nonfinite_loss", step_ + 1)) loss_value = NAN;
    if (!guard.admit(step_ + 1, loss_value, norm)) {  // not applied; retried on the next batch
      out << guard.skip_message(step_ + 1, loss_value, norm) << std::endl;
      train_step_->discard();
      continue;
    }
    train_step_->apply(lr);
    optimizer_->observe_loss(loss_value);
    ++step_;
    window_tokens += step_tokens;
    ++window_steps;

    const bool eval_now = step_ % tc.eval_every == 0 || step_ == tc.steps;
    const bool log_now = step_ % tc.log_every == 0 || step_ == tc.steps || eval_now;
    const bool stop_now = step_ == options_.stop_at || (comm_ ? stop_signal : stop_requested());
    const bool save_now =
        (tc.checkpoint_every > 0 && step_ % tc.checkpoint_every == 0) || step_ == tc.steps || stop_now;
    if (log_now) {
      double elapsed = std::chrono::duration<double>(Clock::now() - window_start).count();
      StepLog log{step_, loss_value, lr, norm, NAN, NAN, NAN, NAN, window_tokens / std::max(elapsed, 1e-9),
                  1e3 * elapsed / static_cast<double>(window_steps)};
      const Mixer::Diagnostics diagnostics = model_->diagnostics();  // of this step's forward, before eval's
      const auto optimizer_metrics = optimizer_->metrics();
      const auto adapter_norms = loaded_.config.adapter.log_norms ? take_adapter_out_max(*model_)
                                                                 : std::vector<std::pair<std::string, double>>{};
      if (eval_now) {
        set_activity("evaluation", step_);
        EvalResult r = evaluate();
        log.val_loss = r.loss;
        log.val_bpb = bits_per_byte(r.loss, sampler_->bytes_per_token());
        if (r.accuracy >= 0) log.val_accuracy = r.accuracy;
        if (r.exact_match >= 0) log.val_exact_match = r.exact_match;
      }
      double total = std::chrono::duration<double>(Clock::now() - run_start).count();
      double eta = total / static_cast<double>(step_ - first_step) * static_cast<double>(tc.steps - step_);
      const double rss_mib = static_cast<double>(peak_rss_bytes()) / (1 << 20);
      out << "step " << std::setw(6) << step_ << " | loss " << std::fixed << std::setprecision(4) << loss_value
          << " | lr " << std::scientific << std::setprecision(2) << lr << " | grad-norm " << std::fixed
          << std::setprecision(3) << norm << " | " << std::setprecision(0) << log.tokens_per_s << " " << unit << "/s | "
          << std::setprecision(1) << log.step_ms << " ms/step | "
          << std::setprecision(0) << rss_mib << " MiB | ETA " << format_duration(eta);
      for (const auto& [key, value] : diagnostics) out << " | " << key << " " << std::defaultfloat << std::setprecision(3) << value;
      for (const auto& [key, value] : optimizer_metrics) out << " | " << key << " " << std::defaultfloat << std::setprecision(4) << value;
      if (!adapter_norms.empty()) {  // the largest over the sites; metrics.jsonl gets each
        double largest = NAN;
        for (const auto& entry : adapter_norms)
          largest = std::isnan(largest) ? entry.second : std::fmax(largest, entry.second);
        out << " | adapter out max " << std::defaultfloat << std::setprecision(4) << largest;
      }
      if (eval_now) out << " | val " << std::fixed << std::setprecision(4) << log.val_loss;
      if (!std::isnan(log.val_bpb)) out << " | bpb " << std::setprecision(4) << log.val_bpb;
      if (!std::isnan(log.val_accuracy)) out << " | acc " << std::setprecision(4) << log.val_accuracy;
      if (!std::isnan(log.val_exact_match)) out << " | exact " << std::setprecision(4) << log.val_exact_match;
      out << std::defaultfloat << std::endl;
      std::vector<std::pair<std::string, double>> row{{"step", static_cast<double>(step_)}, {"loss", loss_value},
                                                      {"lr", lr}, {"grad_norm", norm},
                                                      {unit == "tok" ? "tokens_per_s" : "rows_per_s", log.tokens_per_s},
                                                      {"step_ms", std::round(log.step_ms * 1e3) / 1e3},
                                                      {"elapsed_s", std::round(elapsed_s() * 1e3) / 1e3},
                                                      {"peak_rss_mib", std::round(rss_mib * 10) / 10}};
      row.insert(row.end(), diagnostics.begin(), diagnostics.end());
      row.insert(row.end(), optimizer_metrics.begin(), optimizer_metrics.end());
      row.insert(row.end(), adapter_norms.begin(), adapter_norms.end());
      if (eval_now) row.emplace_back("val_loss", log.val_loss);
      if (!std::isnan(log.val_bpb)) row.emplace_back("val_bpb", log.val_bpb);
      if (!std::isnan(log.val_accuracy)) row.emplace_back("val_accuracy", log.val_accuracy);
      if (!std::isnan(log.val_exact_match)) row.emplace_back("val_exact_match", log.val_exact_match);
      if (metrics.is_open()) metrics.write(row);
      logs.push_back(log);
    }
    if (save_now) save(out);
    if (fault_injected("step_kill", step_)) std::raise(SIGKILL);  // tests: a kill -9 between steps
    // A signal during this step's evaluation or checkpoint write stops at this step too (one process: ranks
    // agree only on the flag they shared before the update).
    const bool late_stop = !stop_now && !comm_ && stop_requested();
    if (late_stop && !save_now) save(out);
    if (stop_now || late_stop) break;
    if (log_now || save_now) {  // evaluation and saving stay out of the next throughput window
      window_start = Clock::now();
      window_tokens = 0;
      window_steps = 0;
    }
  }
  return logs;
}

}  // namespace sf
