// Writing config sections as YAML key/value pairs, every field in schema order (config/yaml_writer.h
// writes a whole RunConfig with it; a registered section's AnySection::emit writes its struct).
#pragma once
#include <string>
#include <type_traits>

#include <yaml-cpp/yaml.h>

#include "config/schema.h"

namespace sf::detail {

inline void emit_string(YAML::Emitter& out, const std::string& s) {
  if (needs_quotes(s)) out << YAML::DoubleQuoted;
  out << s;
}

// The fields of `section` as key/value pairs of the map being written.
template <ConfigSection S>
void emit_fields(YAML::Emitter& out, S& section) {
  auto emitter = [&](std::string_view key, auto& field, std::string_view) {
    using T = std::remove_cvref_t<decltype(field)>;
    out << YAML::Key << std::string(key) << YAML::Value;
    if constexpr (ConfigSubMap<T>) {
      out << YAML::BeginMap;
      if constexpr (ConfigSection<T>) emit_fields(out, field);
      else field.emit(out);
      out << YAML::EndMap;
    } else if constexpr (std::is_same_v<T, std::string>) {
      emit_string(out, field);
    } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
      out << YAML::Flow << YAML::BeginSeq;
      for (const std::string& s : field) emit_string(out, s);
      out << YAML::EndSeq;
    } else if constexpr (std::is_same_v<T, std::vector<int64_t>>) {
      out << YAML::Flow << YAML::BeginSeq;
      for (int64_t x : field) out << scalar_text(x);
      out << YAML::EndSeq;
    } else if constexpr (ConfigEnum<T>) {
      out << std::string(enum_name(field));
    } else {
      out << scalar_text(field);
    }
  };
  section.visit(emitter);
}

}  // namespace sf::detail
