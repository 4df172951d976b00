// libFuzzer target: the recipe loader. Any bytes as a recipe (and its first line as a command-line
// override) must give a RunConfig or an sf::Error; any other exception or a crash is a bug.
#include <cstddef>
#include <cstdint>
#include <string>

#include "config/loader.h"
#include "core/error.h"
#include "layers/registry.h"

// The full schema: referencing the mixer registry links it, and with it the mixers' sections and names.
[[maybe_unused]] static const size_t kMixers = sf::mixer_registry().size();

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    sf::run_config_from_yaml(text, "fuzz.yaml");
  } catch (const sf::Error&) {
  }
  const std::string first_line = text.substr(0, text.find('\n'));
  try {
    sf::run_config_from_yaml("", "fuzz.yaml", {first_line});
  } catch (const sf::Error&) {
  }
  return 0;
}
