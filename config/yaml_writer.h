// Writes a resolved config as YAML: every field, in schema order, so that a run directory or a
// checkpoint records exactly what ran and loading the text back gives an equal config.
#pragma once
#include <string>

#include "config/run_config.h"

namespace sf {

std::string to_yaml(const RunConfig& config);

}  // namespace sf
