// The last line of a command's output, parsed as JSON (eval's and the scripts' machine-readable line).
#pragma once
#include <nlohmann/json.hpp>
#include <string>

namespace sf::test {

inline nlohmann::json last_json_line(const std::string& output) {
  const size_t end = output.find_last_not_of('\n');
  const size_t start = output.rfind('\n', end);
  return nlohmann::json::parse(output.substr(start == std::string::npos ? 0 : start + 1, end - start));
}

}  // namespace sf::test
