#include "train/sweep_results.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iomanip>
#include <map>
#include <sstream>

#include "config/loader.h"
#include "core/error.h"
#include "core/file_io.h"
#include "layers/adapters/attach.h"
#include "layers/model.h"
#include "train/checkpoint.h"
#include "train/metrics.h"

namespace sf {
namespace {
namespace fs = std::filesystem;
using detail::cat;

double field(const std::vector<std::pair<std::string, double>>& row, const std::string& key) {
  for (const auto& [k, v] : row) {
    if (k == key) return v;
  }
  return NAN;
}

double median(std::vector<double> v) {
  std::erase_if(v, [](double x) { return !std::isfinite(x); });
  if (v.empty()) return NAN;
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
}

// What the run trained: its model built from the stored config with the adapter section applied (adapters,
// freezing, adapter.train), counting the parameters left trainable. No weights are loaded.
int64_t trainable_parameters(const Checkpoint& c, const std::string& path) {
  const RunConfig config = run_config_from_yaml(c.config_yaml, path + ":/config");
  const std::shared_ptr<Model> model = make_model(config.model);
  apply_adapter_config(*model, config.adapter, 0);
  int64_t n = 0;
  for (const auto& [name, p] : model->named_parameters())
    if (p.requires_grad()) n += p.numel();
  return n;
}

std::string number(double v, int precision) {
  if (!std::isfinite(v)) return "";
  std::ostringstream s;
  s << std::fixed << std::setprecision(precision) << v;
  return s.str();
}

std::string csv_cell(const std::string& text) {
  if (text.find_first_of(",\"\n") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string swept_value(const RunResult& r, const std::string& key) {
  for (const auto& [k, v] : r.swept) {
    if (k == key) return v;
  }
  return "";
}

// "1.9123 ± 0.0041" over the finite values; one value alone; "" for none.
std::string mean_std(const std::vector<double>& values, int precision) {
  std::vector<double> v;
  for (double x : values) {
    if (std::isfinite(x)) v.push_back(x);
  }
  if (v.empty()) return "";
  double mean = 0;
  for (double x : v) mean += x;
  mean /= static_cast<double>(v.size());
  if (v.size() == 1) return number(mean, precision);
  double ss = 0;
  for (double x : v) ss += (x - mean) * (x - mean);
  return number(mean, precision) + " ± " + number(std::sqrt(ss / static_cast<double>(v.size() - 1)), precision);
}

// A loss with four decimals, more below 0.1 so that four significant digits show (0.01665).
int loss_decimals(const std::vector<double>& values) {
  double smallest = INFINITY;
  for (double v : values)
    if (std::isfinite(v) && v != 0) smallest = std::min(smallest, std::abs(v));
  if (!std::isfinite(smallest)) return 4;
  return 4 + std::max(0, -static_cast<int>(std::floor(std::log10(smallest))) - 1);
}

// "660", "660 ± 14", "700 (1 of 2 reached)", "not reached"; `values` NaN where not reached.
std::string reached_text(const std::vector<double>& values, int precision) {
  size_t reached = 0;
  for (double v : values) reached += std::isfinite(v) ? 1 : 0;
  if (values.empty()) return "";
  if (reached == 0) return "not reached";
  std::string text = mean_std(values, precision);
  if (reached < values.size()) text += cat(" (", reached, " of ", values.size(), " reached)");
  return text;
}

}  // namespace

TargetResult target_result(const std::vector<RunResult>& results, size_t i) {
  const RunResult& r = results[i];
  std::string reference = r.reference;
  if (reference.empty()) {
    const bool referenced = std::any_of(results.begin(), results.end(), [&](const RunResult& o) { return o.reference == r.dir; });
    if (!referenced) return {};
    reference = r.dir;
  }
  TargetResult out;
  for (const RunResult& o : results)
    if (o.dir == reference && o.status == "done") out.target = o.val_loss;
  if (std::isnan(out.target)) return out;
  for (const RunResult::Eval& e : r.evals) {
    if (e.val_loss <= out.target) {
      out.step = e.step;
      out.elapsed_s = e.elapsed_s;
      break;
    }
  }
  return out;
}

RunResult read_run_result(const SweepRun& run, const std::string& run_dir, int64_t target_steps, bool failed) {
  RunResult r;
  r.variant = run.variant;
  r.dir = run.dir;
  r.seed = run.seed;
  r.swept = run.swept;
  r.reference = run.reference;
  std::vector<double> throughput, step_ms;
  for (const auto& row : read_metrics((fs::path(run_dir) / "metrics.jsonl").string())) {
    r.steps = static_cast<int64_t>(field(row, "step"));
    r.train_loss = field(row, "loss");
    throughput.push_back(field(row, "tokens_per_s"));
    step_ms.push_back(field(row, "step_ms"));
    r.wall_s = field(row, "elapsed_s");
    r.peak_rss_mib = std::fmax(std::isnan(r.peak_rss_mib) ? 0 : r.peak_rss_mib, field(row, "peak_rss_mib"));
    if (const double val = field(row, "val_loss"); !std::isnan(val)) {
      r.val_loss = val;
      r.best_val_loss = std::isnan(r.best_val_loss) ? val : std::min(r.best_val_loss, val);
      r.evals.push_back({r.steps, val, r.wall_s});
    }
    if (const double acc = field(row, "val_accuracy"); !std::isnan(acc)) r.val_accuracy = acc;
  }
  r.tokens_per_s = median(throughput);
  r.step_ms = median(step_ms);
  const std::string last = latest_checkpoint((fs::path(run_dir) / "checkpoints").string());
  int64_t saved_step = 0;
  if (!last.empty()) {
    const Checkpoint c = load_checkpoint(last, /*with_optimizer=*/false);
    saved_step = c.step;
    for (const auto& [name, t] : c.model) r.parameters += t.numel();
    r.trainable = trainable_parameters(c, last);
  }
  if (failed) r.status = "failed";
  else if (last.empty()) r.status = "not started";
  else if (saved_step >= target_steps) r.status = "done";
  else r.status = cat("stopped at step ", saved_step, " of ", target_steps);
  return r;
}

std::string results_markdown(const Sweep& sweep, const std::vector<RunResult>& results) {
  std::ostringstream md;
  // A column per swept key while the table stays readable, else one column of "key=value" settings.
  const bool columns = sweep.swept_keys.size() <= 3;
  std::string keys_head = columns ? "" : " settings |", keys_rule = columns ? "" : "---|";
  for (const std::string& k : sweep.swept_keys) {
    if (!columns) break;
    keys_head += " " + k + " |";
    keys_rule += "---|";
  }
  const bool seeds = std::any_of(results.begin(), results.end(), [](const RunResult& r) { return r.seed >= 0; });
  std::vector<TargetResult> targets;
  std::vector<double> losses;
  for (size_t i = 0; i < results.size(); ++i) {
    targets.push_back(target_result(results, i));
    losses.insert(losses.end(), {results[i].val_loss, results[i].best_val_loss, results[i].train_loss});
  }
  const bool with_targets = std::any_of(targets.begin(), targets.end(), [](const TargetResult& t) { return !std::isnan(t.target); });
  const int ld = loss_decimals(losses);
  const std::string target_head = with_targets ? " target | steps to target | s to target |" : "";
  const std::string target_rule = with_targets ? "---:|---:|---:|" : "";
  // Variants in sweep order, each with its runs.
  std::vector<std::string> order;
  std::map<std::string, std::vector<size_t>> by_variant;
  for (size_t i = 0; i < results.size(); ++i) {
    if (!by_variant.count(results[i].variant)) order.push_back(results[i].variant);
    by_variant[results[i].variant].push_back(i);
  }
  md << "Sweep " << sweep.path << " (base " << sweep.base << ")" << (seeds ? "; mean ± std over seeds" : "") << ".\n";
  if (with_targets)
    md << "Target: the final val loss of the variant's reference (a reference's own); steps and wall s (elapsed_s, "
          "evaluations included) at the first evaluation at or below it.\n";
  md << "\n| variant |" << keys_head << " params | trainable | steps | val loss | best val loss |" << target_head
     << " val acc | tok/s | ms/step | wall s | peak MiB | runs |\n";
  md << "|---|" << keys_rule << "---:|---:|---:|---:|---:|" << target_rule << "---:|---:|---:|---:|---:|---|\n";
  for (const std::string& v : order) {
    const auto& runs = by_variant[v];
    const RunResult& first = results[runs.front()];
    std::vector<double> val, best, acc, tps, ms, wall, rss, target, steps, seconds;
    int done = 0;
    for (size_t i : runs) {
      const RunResult& r = results[i];
      if (r.status != "done") continue;
      ++done;
      val.push_back(r.val_loss);
      best.push_back(r.best_val_loss);
      acc.push_back(r.val_accuracy);
      tps.push_back(r.tokens_per_s);
      ms.push_back(r.step_ms);
      wall.push_back(r.wall_s);
      rss.push_back(r.peak_rss_mib);
      if (std::isnan(targets[i].target)) continue;
      target.push_back(targets[i].target);
      steps.push_back(targets[i].step >= 0 ? static_cast<double>(targets[i].step) : NAN);
      seconds.push_back(targets[i].elapsed_s);
    }
    md << "| " << v << " |";
    if (columns) {
      for (const std::string& k : sweep.swept_keys) md << " " << swept_value(first, k) << " |";
    } else {
      std::string settings;
      for (const auto& [k, value] : first.swept) {
        const size_t dot = k.find('.');  // "model.ssm.d_state" -> "ssm.d_state": the section is plain from the key
        settings += (settings.empty() ? "" : ", ") + (dot == std::string::npos ? k : k.substr(dot + 1)) + "=" + value;
      }
      md << " " << settings << " |";
    }
    md << " " << first.parameters << " | " << first.trainable << " | " << first.steps << " | " << mean_std(val, ld)
       << " | " << mean_std(best, ld) << " |";
    if (with_targets)
      md << " " << mean_std(target, ld) << " | " << reached_text(steps, 0) << " | " << reached_text(seconds, 1) << " |";
    md << " " << mean_std(acc, 4) << " | " << mean_std(tps, 0) << " | " << mean_std(ms, 2) << " | " << mean_std(wall, 0)
       << " | " << mean_std(rss, 0) << " | " << done << " of " << runs.size() << " done |\n";
  }
  md << "\nRuns:\n\n| run | status | params | trainable | steps | train loss | val loss | best val loss |" << target_head
     << " val acc | tok/s | ms/step | wall s | peak MiB |\n"
     << "|---|---|---:|---:|---:|---:|---:|---:|" << target_rule << "---:|---:|---:|---:|---:|\n";
  for (size_t i = 0; i < results.size(); ++i) {
    const RunResult& r = results[i];
    md << "| " << r.dir << " | " << r.status << " | " << r.parameters << " | " << r.trainable << " | " << r.steps << " | "
       << number(r.train_loss, ld)
       << " | " << number(r.val_loss, ld) << " | " << number(r.best_val_loss, ld) << " |";
    if (with_targets) {
      const TargetResult& t = targets[i];
      const bool reached = t.step >= 0;
      md << " " << number(t.target, ld) << " | " << (reached ? std::to_string(t.step) : std::isnan(t.target) ? "" : "not reached")
         << " | " << (reached ? number(t.elapsed_s, 1) : "") << " |";
    }
    md << " " << number(r.val_accuracy, 4) << " | " << number(r.tokens_per_s, 0) << " | " << number(r.step_ms, 2) << " | "
       << number(r.wall_s, 0) << " | " << number(r.peak_rss_mib, 0) << " |\n";
  }
  return md.str();
}

void write_sweep_results(const Sweep& sweep, const std::vector<RunResult>& results, const std::string& dir) {
  std::ostringstream csv;
  csv << "variant,seed,run,status";
  for (const std::string& k : sweep.swept_keys) csv << "," << csv_cell(k);
  csv << ",parameters,trainable,steps,train_loss,val_loss,best_val_loss,val_accuracy,tokens_per_s,wall_s,peak_rss_mib,step_ms,"
         "reference,target,steps_to_target,s_to_target\n";
  for (size_t i = 0; i < results.size(); ++i) {
    const RunResult& r = results[i];
    const TargetResult t = target_result(results, i);
    csv << csv_cell(r.variant) << "," << (r.seed >= 0 ? std::to_string(r.seed) : "") << "," << csv_cell(r.dir) << ","
        << csv_cell(r.status);
    for (const std::string& k : sweep.swept_keys) csv << "," << csv_cell(swept_value(r, k));
    csv << "," << r.parameters << "," << r.trainable << "," << r.steps << "," << number(r.train_loss, 6) << ","
        << number(r.val_loss, 6) << ","
        << number(r.best_val_loss, 6) << "," << number(r.val_accuracy, 6) << "," << number(r.tokens_per_s, 1) << ","
        << number(r.wall_s, 3) << "," << number(r.peak_rss_mib, 1) << "," << number(r.step_ms, 3) << ","
        << csv_cell(r.reference) << "," << number(t.target, 8) << "," << (t.step >= 0 ? std::to_string(t.step) : "")
        << "," << (t.step >= 0 ? number(t.elapsed_s, 3) : "") << "\n";
  }
  write_atomically((fs::path(dir) / "results.csv").string(), [&](std::ostream& out) { out << csv.str(); });
  write_atomically((fs::path(dir) / "results.md").string(),
                   [&](std::ostream& out) { out << results_markdown(sweep, results); });
}

}  // namespace sf
