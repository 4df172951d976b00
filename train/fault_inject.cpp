#include "train/fault_inject.h"

#include <cstdlib>
#include <set>
#include <string>

namespace sf {

bool fault_injected(std::string_view point, int64_t step) {
  static const std::string spec = [] {
    const char* env = std::getenv("SF_FAULT_INJECT");
    return env ? "," + std::string(env) + "," : std::string();
  }();
  if (spec.empty()) return false;
  const std::string name(point);
  if (spec.find("," + name + ",") != std::string::npos) return true;
  if (step < 0) return false;
  const std::string at = name + "@" + std::to_string(step);
  static std::set<std::string> fired;  // "point@N" fires once, even when step N is retried
  return spec.find("," + at + ",") != std::string::npos && fired.insert(at).second;
}

}  // namespace sf
