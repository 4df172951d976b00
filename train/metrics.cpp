#include "train/metrics.h"

#include <sys/resource.h>

#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string_view>

#include "core/error.h"

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
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    SF_CHECK(out.is_open(), tmp, ": cannot write the truncated metrics");
    out << kept;
    out.flush();
    SF_CHECK(out.good(), tmp, ": write failed");
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  SF_CHECK(!ec, path, ": cannot replace it with the truncated metrics: ", ec.message());
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
