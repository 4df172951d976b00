// Curves of runs, drawn by tools/plot/plot_runs.py with matplotlib (optional: without it the plots are
// skipped with a line saying what to install, and nothing else fails).
#pragma once
#include <ostream>
#include <string>
#include <utility>
#include <vector>

namespace sf::cli {

struct PlotRequest {
  std::vector<std::pair<std::string, std::string>> runs;  // (label, run directory)
  std::string curves;                                     // PNG of the loss curves
  std::string throughput;                                 // PNG of tokens/s per label; "" = none
  std::string title;
};

// Draws the plots; true when they were written. Says on `out` why not otherwise.
bool draw_plots(const PlotRequest& request, std::ostream& out);

}  // namespace sf::cli
