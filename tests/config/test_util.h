// Helpers for the config tests (the shared ones come from tests/support.h).
#pragma once
#include <gtest/gtest.h>

#include <string>

#include "config/run_config.h"
#include "config/yaml_writer.h"
#include "core/error.h"
#include "tests/support.h"

namespace sf {
// gtest prints a RunConfig that differs from the expected one as its YAML.
inline void PrintTo(const RunConfig& c, std::ostream* os) { *os << "\n" << to_yaml(c); }
}  // namespace sf

namespace sf::testing_config {
using test::error_of;
using test::ScratchDir;
}  // namespace sf::testing_config
