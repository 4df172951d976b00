#include "tests/config/toy_section.h"

#include "config/section_registry.h"

namespace sf::testing_config {
namespace {

// In the test executable itself, not an archive, so the linker keeps it.
[[maybe_unused]] const bool registered = [] {
  register_config_section<ToyConfig>("model", "toy", "a registered test section");
  register_mixer_name("attention");
  register_mixer_name("mamba");
  return true;
}();

}  // namespace
}  // namespace sf::testing_config
