// The fields in which two configs differ, for messages such as a refused --resume.
#pragma once
#include <string>
#include <vector>

#include "config/run_config.h"

namespace sf {

struct ConfigDifference {
  std::string key;            // dotted: "optim.lr"
  std::string before, after;  // value_text: 0.001, "data/x.txt", [100, 200]
  bool operator==(const ConfigDifference&) const = default;
};

// One row per field (sections are walked, never listed) whose value differs, in schema order.
std::vector<ConfigDifference> config_differences(const RunConfig& before, const RunConfig& after);

}  // namespace sf
