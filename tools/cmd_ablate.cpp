// seqforge ablate SWEEP.yaml [key=value ...] [--out DIR] [--jobs N] [--resume] [--dry-run]
// seqforge plot RUN_DIR... [--out FILE.png]
//
// ablate trains every run of a sweep file (train/sweep.h) as its own `seqforge train` process, in
// DIR/<run> (default DIR: runs/<sweep name>), N at a time with the cores split between them, and writes
// DIR/results.csv, DIR/results.md, DIR/curves.png and DIR/throughput.png. Every run's config is loaded and
// checked before the first one starts. With --resume finished runs are skipped and stopped ones continue
// from their checkpoints. SIGINT/SIGTERM are passed on to the running trainings, which save a checkpoint
// and stop; a second signal stops them at once.
#include <omp.h>
#include <signal.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <thread>

#include "core/error.h"
#include "tools/child_process.h"
#include "tools/commands.h"
#include "tools/plots.h"
#include "train/checkpoint.h"
#include "train/resume_config.h"
#include "train/signals.h"
#include "train/sweep.h"
#include "train/sweep_results.h"

namespace sf::cli {
namespace {
namespace fs = std::filesystem;
using detail::cat;
using Clock = std::chrono::steady_clock;

// The running trainings' process ids, for the signal thread to pass signals on to (0 = free slot).
constexpr size_t kMaxJobs = 256;
std::array<std::atomic<pid_t>, kMaxJobs> g_children{};

void forward_to_children(int sig) {
  for (auto& pid : g_children) {
    if (const pid_t p = pid.load(); p > 0) ::kill(p, sig);
  }
}

std::string duration_text(double seconds) {
  const auto s = static_cast<int64_t>(seconds + 0.5);
  return s >= 3600 ? cat(s / 3600, "h", (s % 3600) / 60, "m") : s >= 60 ? cat(s / 60, "m", s % 60, "s") : cat(s, "s");
}

// The newest "step ..." progress line of a training log.
std::string last_progress(const std::string& log) {
  const std::vector<std::string> lines = last_lines(log, 40);
  for (auto it = lines.rbegin(); it != lines.rend(); ++it) {
    if (it->rfind("step ", 0) == 0) return *it;
  }
  return "";
}

struct Job {
  size_t run = 0;  // index into the sweep's runs
  pid_t pid = 0;
  size_t slot = 0;
  Clock::time_point started;
};

struct Args {
  std::string sweep, out;
  std::vector<std::string> overrides;
  int64_t jobs = 1;
  bool resume = false, dry_run = false;
};

void run_ablate(const Args& args) {
  const StopOnSignal stop_on_signal;
  const Sweep sweep = load_sweep(args.sweep, args.overrides);
  const std::vector<LoadedConfig> configs = check_sweep(sweep);
  const fs::path out = args.out.empty() ? fs::path("runs") / fs::path(args.sweep).stem() : fs::path(args.out);
  const size_t n = sweep.runs.size();

  // What each run needs: nothing (finished), a resume, or a fresh start. Stored runs must match the sweep.
  std::vector<bool> finished(n, false), resume(n, false);
  for (size_t i = 0; i < n; ++i) {
    const std::string dir = (out / sweep.runs[i].dir).string();
    const std::string last = latest_checkpoint((fs::path(dir) / "checkpoints").string());
    if (last.empty()) continue;
    SF_CHECK(args.resume, out.string(), " already holds runs of a sweep (", dir, " has ", last,
             "); pass --resume to continue it, or choose another --out");
    try {
      resume_config({dir, sweep.base, sweep.runs[i].override_texts(), {}});
    } catch (const Error& e) {
      throw Error(cat("run ", sweep.runs[i].dir, " cannot continue: ", e.what()));
    }
    finished[i] = load_checkpoint(last, /*with_optimizer=*/false).step >= configs[i].config.train.steps;
    resume[i] = !finished[i];
  }

  const int64_t jobs = std::clamp<int64_t>(args.jobs, 1, static_cast<int64_t>(std::min(n, kMaxJobs)));
  const int threads = std::max(1, omp_get_num_procs() / static_cast<int>(jobs));
  const size_t todo = static_cast<size_t>(std::count(finished.begin(), finished.end(), false));
  std::cout << "sweep " << sweep.path << ": " << n << " runs of " << sweep.base << " into " << out.string() << " ("
            << n - todo << " finished, " << todo << " to train; " << jobs << " at a time, " << threads
            << " thread" << (threads > 1 ? "s" : "") << " each unless train.threads is set)\n";
  for (size_t i = 0; i < n; ++i) {
    std::cout << "  " << sweep.runs[i].dir << (finished[i] ? "  (finished)" : resume[i] ? "  (continues)" : "");
    for (const auto& [key, value] : sweep.runs[i].swept) std::cout << "  " << key << "=" << value;
    std::cout << "\n";
  }
  if (args.dry_run) {
    std::cout << "dry run: every run's recipe and data are valid; nothing trained\n";
    return;
  }
  fs::create_directories(out);
  fs::copy_file(sweep.path, out / "sweep.yaml", fs::copy_options::overwrite_existing);

  std::vector<bool> failed(n, false);
  auto write_results = [&] {
    std::vector<RunResult> results;
    for (size_t i = 0; i < n; ++i)
      results.push_back(read_run_result(sweep.runs[i], (out / sweep.runs[i].dir).string(), configs[i].config.train.steps, failed[i]));
    write_sweep_results(sweep, results, out.string());
    return results;
  };

  forward_stop_signals(forward_to_children);
  const std::string exe = self_executable();
  std::vector<Job> running;
  size_t next = 0, started = 0;
  auto heartbeat = Clock::now();
  while (true) {
    while (!stop_requested() && static_cast<int64_t>(running.size()) < jobs && next < n) {
      const size_t i = next++;
      if (finished[i]) continue;
      const SweepRun& run = sweep.runs[i];
      const fs::path dir = out / run.dir;
      fs::create_directories(dir);
      std::vector<std::string> argv = {exe, "train", sweep.base};
      for (const std::string& o : run.override_texts()) argv.push_back(o);
      const bool own_threads = std::any_of(run.overrides.begin(), run.overrides.end(),
                                           [](const SweepOverride& o) { return o.key == "train.threads"; });
      if (!own_threads) argv.push_back(cat("train.threads=", threads));
      argv.insert(argv.end(), {"--out", dir.string(), "--sample", "0"});
      if (resume[i]) argv.push_back("--resume");
      Job job{i, 0, 0, Clock::now()};
      while (g_children[job.slot].load() != 0) ++job.slot;
      job.pid = start_process(argv, (dir / "train.log").string());
      g_children[job.slot].store(job.pid);
      ++started;
      std::cout << "[" << started << "/" << todo << "] " << run.dir << ": " << (resume[i] ? "continuing" : "training")
                << ", log " << (dir / "train.log").string() << std::endl;
      running.push_back(job);
    }
    if (running.empty()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    for (auto it = running.begin(); it != running.end();) {
      const int code = wait_process(it->pid, false);
      if (code < 0) {
        ++it;
        continue;
      }
      g_children[it->slot].store(0);
      const SweepRun& run = sweep.runs[it->run];
      const std::string log = (out / run.dir / "train.log").string();
      const double took = std::chrono::duration<double>(Clock::now() - it->started).count();
      failed[it->run] = code != 0;
      const RunResult r = read_run_result(run, (out / run.dir).string(), configs[it->run].config.train.steps, failed[it->run]);
      std::cout << run.dir << ": " << r.status << " after " << duration_text(took);
      if (!std::isnan(r.val_loss)) std::cout << ", val loss " << std::fixed << std::setprecision(4) << r.val_loss;
      if (!std::isnan(r.val_accuracy)) std::cout << ", val acc " << std::fixed << std::setprecision(4) << r.val_accuracy;
      std::cout << std::defaultfloat << "\n";
      if (code != 0) {
        std::cout << "  exit " << code << "; the end of " << log << ":\n";
        for (const std::string& line : last_lines(log, 6)) std::cout << "    " << line << "\n";
      }
      std::cout << std::flush;
      it = running.erase(it);
      write_results();
    }
    if (Clock::now() - heartbeat > std::chrono::seconds(60)) {
      heartbeat = Clock::now();
      for (const Job& job : running)
        std::cout << "  " << sweep.runs[job.run].dir << ": " << last_progress((out / sweep.runs[job.run].dir / "train.log").string())
                  << std::endl;
    }
  }
  forward_stop_signals(nullptr);

  const std::vector<RunResult> results = write_results();
  PlotRequest plots{{}, (out / "curves.png").string(), (out / "throughput.png").string(), fs::path(sweep.path).filename().string()};
  for (size_t i = 0; i < n; ++i) plots.runs.emplace_back(sweep.runs[i].dir, (out / sweep.runs[i].dir).string());
  const bool drew = draw_plots(plots, std::cout);
  std::cout << "\n" << results_markdown(sweep, results) << "\nresults: " << (out / "results.md").string() << ", "
            << (out / "results.csv").string() << (drew ? ", " + plots.curves + ", " + plots.throughput : "") << "\n";
  if (stop_requested()) {
    std::cout << "interrupted by signal " << stop_signal() << ": continue with seqforge ablate " << sweep.path
              << " --out " << out.string() << " --resume" << std::endl;
    return;
  }
  const auto failures = std::count(failed.begin(), failed.end(), true);
  SF_CHECK(failures == 0, failures, " of ", n, " runs failed (their logs are named above); the others' results are in ",
           (out / "results.md").string());
}

}  // namespace

void register_ablate(CLI::App& app) {
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand("ablate", "Train every variant of a sweep file and tabulate and plot the results");
  cmd->add_option("sweep", args->sweep, "sweep file: base: RECIPE plus sweep: {set, grid, variants, seeds}")->required();
  cmd->add_option("overrides", args->overrides, "config overrides for every run, key.sub=value (train.steps=30 for a smoke run)");
  cmd->add_option("--out", args->out, "sweep directory, a run directory per variant (default: runs/<sweep name>)");
  cmd->add_option("--jobs", args->jobs, "runs trained at once; the cores are split between them")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_flag("--resume", args->resume, "continue a sweep: skip finished runs, continue stopped ones from their checkpoints");
  cmd->add_flag("--dry-run", args->dry_run, "check the sweep file and every run's recipe, list the runs, train nothing");
  cmd->callback([args] { run_ablate(*args); });
}

void register_plot(CLI::App& app) {
  auto dirs = std::make_shared<std::vector<std::string>>();
  auto out = std::make_shared<std::string>("curves.png");
  CLI::App* cmd = app.add_subcommand("plot", "Draw the training and validation loss curves of run directories");
  cmd->add_option("runs", *dirs, "run directories (each holds a metrics.jsonl)")->required()->check(CLI::ExistingDirectory);
  cmd->add_option("--out", *out, "PNG to write")->capture_default_str();
  cmd->callback([dirs, out] {
    PlotRequest request{{}, *out, "", ""};
    for (const std::string& d : *dirs) {
      SF_CHECK(fs::is_regular_file(fs::path(d) / "metrics.jsonl"), d, ": no metrics.jsonl here; is it a run directory?");
      const fs::path p = fs::path(d).lexically_normal();
      request.runs.emplace_back((p.has_filename() ? p : p.parent_path()).filename().string(), d);
    }
    SF_CHECK(draw_plots(request, std::cout), "no plot drawn");
    std::cout << "curves: " << *out << "\n";
  });
}

}  // namespace sf::cli
