#include "train/metrics.h"

#include <sys/resource.h>

#include <charconv>
#include <cmath>
#include <fstream>
#include <sstream>
#include <string_view>

#include "core/error.h"
#include "core/file_io.h"

namespace sf {

MetricsWriter::MetricsWriter(const std::string& path) : out_(path, std::ios::app) {
  SF_CHECK(out_.is_open(), path, ": cannot open for writing metrics");
}

std::string json_line(const std::vector<std::pair<std::string, double>>& fields) {
  std::ostringstream s;
  s << "{";
  for (size_t i = 0; i < fields.size(); ++i) {
    const auto& [k, v] = fields[i];
    s << (i ? ", " : "") << '"' << k << "\": ";
    if (!std::isfinite(v)) {
      s << "null";
    } else if (v == std::floor(v) && std::abs(v) < 1e15) {
      s << static_cast<int64_t>(v);
    } else {  // the shortest text that reads back as the same double: resumed runs compare bitwise
      char buf[32];
      s << std::string_view(buf, static_cast<size_t>(std::to_chars(buf, buf + sizeof(buf), v).ptr - buf));
    }
  }
  s << "}";
  return s.str();
}

void truncate_metrics_after(const std::string& path, int64_t step) {
  std::ifstream in(path);
  if (!in.is_open()) return;
  std::string kept, line;
  static constexpr std::string_view kKey = "{\"step\": ";
  while (std::getline(in, line)) {
    int64_t n = 0;
    const bool has_step = line.rfind(kKey, 0) == 0 &&
                          std::from_chars(line.data() + kKey.size(), line.data() + line.size(), n).ec == std::errc();
    if (!has_step || n <= step) kept += line + "\n";
  }
  in.close();
  write_atomically(path, [&](std::ostream& out) { out << kept; });
}

std::vector<std::vector<std::pair<std::string, double>>> read_metrics(const std::string& path) {
  std::vector<std::vector<std::pair<std::string, double>>> rows;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {  // json_line's form: {"k": v, "k2": v2}
    if (line.size() < 2 || line.front() != '{' || line.back() != '}') continue;
    std::vector<std::pair<std::string, double>> row;
    size_t at = 1;
    bool ok = true;
    while (ok && at + 1 < line.size()) {
      const size_t k0 = line.find('"', at), k1 = k0 == std::string::npos ? k0 : line.find('"', k0 + 1);
      const size_t colon = k1 == std::string::npos ? k1 : line.find(':', k1);
      if (colon == std::string::npos) break;
      size_t v0 = line.find_first_not_of(' ', colon + 1), v1 = line.find_first_of(",}", v0);
      const std::string_view text(line.data() + v0, v1 - v0);
      double value = NAN;
      if (text != "null") ok = std::from_chars(text.data(), text.data() + text.size(), value).ec == std::errc();
      row.emplace_back(line.substr(k0 + 1, k1 - k0 - 1), value);
      at = v1 + 1;
    }
    if (ok && !row.empty()) rows.push_back(std::move(row));
  }
  return rows;
}

int64_t peak_rss_bytes() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<int64_t>(u.ru_maxrss) * 1024;
}

void MetricsWriter::write(const std::vector<std::pair<std::string, double>>& fields) {
  out_ << json_line(fields) << "\n";
  out_.flush();
}

}  // namespace sf
