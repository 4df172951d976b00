// Range and cross-field checks on bound config sections, with messages that name the YAML file
// and line which set the offending key.
#pragma once
#include <string>
#include <string_view>
#include <type_traits>

#include "config/provenance.h"
#include "config/schema.h"

namespace sf {

// Handed to a section's validate(); keys are relative to the section.
//   v.require(lr > 0, "lr", lr, "must be > 0");
// fails with "recipes/x.yaml:4: optim.lr = -0.001: must be > 0".
class Validator {
 public:
  Validator(std::string section, const Provenance& where) : section_(std::move(section)), where_(&where) {}

  template <class T>
  void require(bool ok, std::string_view key, const T& value, const std::string& rule) const {
    if (!ok) fail(key, value_text(value), rule);
  }

  // As require(), for a value already written as text (value_text(), a ConfigDifference's).
  void require_written(bool ok, std::string_view key, const std::string& written, const std::string& rule) const {
    if (!ok) fail(key, written, rule);
  }

  // Whether a file or the command line set `key` (a default left alone was set by nobody).
  bool is_set(std::string_view key) const { return where_->count(join_key(section_, key)) > 0; }

 private:
  [[noreturn]] void fail(std::string_view key, const std::string& value, const std::string& rule) const;

  std::string section_;
  const Provenance* where_;
};

// Runs the rules of `section` (its validate(const Validator&), when it has one) and of every section
// under it, registered ones included, depth first in schema order: each section's keys are checked
// by its own validate(), and no parent lists its children's calls. `prefix` is the dotted key of
// `section` ("" for the root). (Non-const: visit() serves binding and walking alike.)
template <ConfigSection S>
void validate_sections(S& section, const std::string& prefix, const Provenance& where) {
  if constexpr (requires(const S& s, const Validator& v) { s.validate(v); }) section.validate(Validator(prefix, where));
  auto walker = [&](std::string_view key, auto& field, std::string_view) {
    using T = std::remove_cvref_t<decltype(field)>;
    if constexpr (ConfigSection<T>) validate_sections(field, join_key(prefix, key), where);
    else if constexpr (std::is_same_v<T, AnySection>) field.validate(join_key(prefix, key), where);
  };
  section.visit(walker);
}

}  // namespace sf
