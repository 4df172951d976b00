// Config schema machinery. A config section is a struct that lists its fields, in YAML order:
//
//   struct TrainConfig {
//     int64_t steps = 2000;
//     template <class V> void visit(V& v) { v("steps", steps, "optimizer steps to run"); }
//   };
//
// A field is bool, int64_t, double, std::string, std::vector<std::string>,
// std::vector<int64_t>, an enum (see ConfigEnum), a nested section (visited as a sub-map) or an
// AnySection (a section registered from outside config/, see config/section_registry.h). Every
// visitor (YAML binder, YAML writer, key lister, validator) walks any section alike, so a new
// section is a struct plus one v(...) line in its parent, or one registration.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "config/any_section.h"
#include "config/scalar.h"

namespace sf {

// An enum field: `enum class E { a, b }` with values 0..N-1 and an ADL-visible
// `constexpr std::array<std::string_view, N> enum_names(E)` giving each value's YAML spelling.
template <class E>
concept ConfigEnum = std::is_enum_v<E> && requires(E e) { enum_names(e); };

namespace detail {
struct ProbeVisitor {
  template <class T> void operator()(std::string_view, T&, std::string_view);
};
template <class T> inline constexpr bool dependent_false = false;
}  // namespace detail

template <class S>
concept ConfigSection = std::is_class_v<S> && requires(S& s, detail::ProbeVisitor& v) { s.visit(v); };

// A field that is a sub-map: a nested section, or a registered one.
template <class T>
concept ConfigSubMap = ConfigSection<T> || std::is_same_v<T, AnySection>;

template <ConfigEnum E>
std::string_view enum_name(E e) {
  const auto names = enum_names(e);
  const auto i = static_cast<size_t>(e);
  return i < names.size() ? names[i] : std::string_view("<invalid>");
}

// "layernorm, rmsnorm"
template <ConfigEnum E>
std::string enum_choices() {
  std::string out;
  for (std::string_view n : enum_names(E{})) out += (out.empty() ? "" : ", ") + std::string(n);
  return out;
}

template <ConfigEnum E>
std::string value_text(E e) { return std::string(enum_name(e)); }

// What a field expects, for messages: "an integer", "one of: erf, tanh".
template <class T>
std::string config_type_name() {
  if constexpr (std::is_same_v<T, bool>) return "a boolean (true/false)";
  else if constexpr (std::is_same_v<T, int64_t>) return "an integer";
  else if constexpr (std::is_same_v<T, double>) return "a number";
  else if constexpr (std::is_same_v<T, std::string>) return "a string";
  else if constexpr (std::is_same_v<T, std::vector<std::string>>) return "a list of strings";
  else if constexpr (std::is_same_v<T, std::vector<int64_t>>) return "a list of integers";
  else if constexpr (ConfigEnum<T>) return "one of: " + enum_choices<T>();
  else if constexpr (ConfigSubMap<T>) return "a map of keys";
  else static_assert(detail::dependent_false<T>, "unsupported config field type");
}

inline std::string join_key(std::string_view prefix, std::string_view key) {
  return prefix.empty() ? std::string(key) : std::string(prefix) + "." + std::string(key);
}

// One row of a schema listing: a section ("model") or a field ("model.n_layer").
struct SchemaEntry {
  std::string key;            // dotted
  bool section = false;
  std::string type;           // config_type_name
  std::string value;          // value_text of the field in the listed config; empty for sections
  std::string doc;
};

namespace detail {
template <ConfigSection S>
void list_schema(S& s, const std::string& prefix, std::vector<SchemaEntry>& out) {
  auto visitor = [&](std::string_view key, auto& field, std::string_view doc) {
    using T = std::remove_cvref_t<decltype(field)>;
    const std::string path = join_key(prefix, key);
    if constexpr (ConfigSubMap<T>) {
      out.push_back({path, true, config_type_name<T>(), "", std::string(doc)});
      if constexpr (ConfigSection<T>) list_schema(field, path, out);
      else field.list_schema(path, out);
    } else {
      out.push_back({path, false, config_type_name<T>(), value_text(field), std::string(doc)});
    }
  };
  s.visit(visitor);
}
}  // namespace detail

// Every key of `s`, depth first in schema order, with its values; schema_entries<S>() lists the
// defaults. (A copy: visit() is non-const, one signature serving binding and listing.)
template <ConfigSection S>
std::vector<SchemaEntry> schema_entries(S s = S{}) {
  std::vector<SchemaEntry> out;
  detail::list_schema(s, "", out);
  return out;
}

}  // namespace sf
