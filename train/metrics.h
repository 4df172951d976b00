// metrics.jsonl: one JSON object per line, appended and flushed as the run goes.
#pragma once
#include <cstdint>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

namespace sf {

class MetricsWriter {
 public:
  MetricsWriter() = default;
  // Appends to `path` (a resumed run continues the same file); throws sf::Error if it cannot open.
  explicit MetricsWriter(const std::string& path);
  bool is_open() const { return out_.is_open(); }
  // Writes {"k": v, ...}; values are numbers, exact (shortest round-trip form; non-finite ones as null).
  void write(const std::vector<std::pair<std::string, double>>& fields);

 private:
  std::ofstream out_;
};

// Drops the lines of `path` logged after `step` ({"step": N, ...} with N > step): a run killed after
// its last checkpoint wrote them, and the resumed run writes those steps again. Replaces the file
// atomically; a missing file is left missing.
void truncate_metrics_after(const std::string& path, int64_t step);

// The lines of a metrics.jsonl, each as its (key, value) pairs in written order (null reads as NaN). A
// missing file reads as none; a line that is not one of ours is skipped.
std::vector<std::vector<std::pair<std::string, double>>> read_metrics(const std::string& path);

// This process's peak resident memory so far (getrusage's ru_maxrss).
int64_t peak_rss_bytes();

// One JSON object on one line, for the machine-readable last line of `eval` and `bench`.
std::string json_line(const std::vector<std::pair<std::string, double>>& fields);

}  // namespace sf
