#include "config/yaml_writer.h"

#include "config/yaml_emit.h"

namespace sf {

std::string to_yaml(const RunConfig& config) {
  RunConfig copy = config;  // visit() is non-const: one signature serves binding and writing
  YAML::Emitter out;
  out << YAML::BeginMap;
  detail::emit_fields(out, copy);
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

}  // namespace sf
