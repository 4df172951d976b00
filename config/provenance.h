// Where each config value was set, for messages that name the YAML file and line.
#pragma once
#include <map>
#include <string>

namespace sf {

// Dotted key -> where its value was last set: "recipes/x.yaml:7" or "command line".
// Keys left at their built-in default are absent.
using Provenance = std::map<std::string, std::string>;

}  // namespace sf
