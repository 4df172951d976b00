#include "tools/plots.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <sstream>

#include "tools/child_process.h"

namespace sf::cli {
namespace {
namespace fs = std::filesystem;

// The script next to the sources: build/seqforge finds it as ../tools/plot, an installed or moved build
// through the source folder it was built from.
std::string plot_script() {
  const fs::path exe_dir = fs::path(self_executable()).parent_path();
  for (const fs::path& p : {exe_dir / ".." / "tools" / "plot" / "plot_runs.py",
                            fs::path(SF_SOURCE_DIR) / "tools" / "plot" / "plot_runs.py"}) {
    if (fs::is_regular_file(p)) return p.lexically_normal().string();
  }
  return "";
}

// Pythons to try, in order: $SF_PYTHON, python3 on PATH, Debian's /usr/bin/python3 (where apt's
// python3-matplotlib goes, when PATH's python3 is a virtual environment without it).
std::vector<std::string> pythons() {
  std::vector<std::string> out;
  if (const char* env = std::getenv("SF_PYTHON"); env != nullptr && *env) out.push_back(env);
  if (const char* path = std::getenv("PATH"); path != nullptr) {
    std::stringstream dirs(path);
    for (std::string dir; std::getline(dirs, dir, ':');) {
      const fs::path candidate = fs::path(dir.empty() ? "." : dir) / "python3";
      if (::access(candidate.c_str(), X_OK) == 0) {
        out.push_back(candidate.string());
        break;
      }
    }
  }
  out.push_back("/usr/bin/python3");
  return out;
}

}  // namespace

bool draw_plots(const PlotRequest& request, std::ostream& out) {
  const std::string script = plot_script();
  if (script.empty()) {
    out << "plots: tools/plot/plot_runs.py not found next to this build; no plots drawn\n";
    return false;
  }
  std::vector<std::string> args = {"", script, "--curves", request.curves};
  if (!request.throughput.empty()) args.insert(args.end(), {"--throughput", request.throughput});
  if (!request.title.empty()) args.insert(args.end(), {"--title", request.title});
  for (const auto& [label, dir] : request.runs) args.push_back(label + "=" + dir);
  const std::string log = (fs::path(request.curves).parent_path() / "plots.log").string();
  for (const std::string& python : pythons()) {
    if (::access(python.c_str(), X_OK) != 0) continue;
    args[0] = python;
    const int code = wait_process(start_process(args, log), true);
    if (code == 0) return true;
    if (code == 3 || code == 127) continue;  // no matplotlib in this Python, or not runnable
    out << "plots: " << script << " failed (exit " << code << "); see " << log << "\n";
    return false;
  }
  out << "plots: matplotlib is not installed, so no PNGs were drawn (results.csv and results.md are written). "
         "Install it with: sudo apt-get install python3-matplotlib (or bash tools/setup.sh --plots)\n";
  return false;
}

}  // namespace sf::cli
