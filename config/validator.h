// Range and cross-field checks on bound config sections, with messages that name the YAML file
// and line which set the offending key.
#pragma once
#include <map>
#include <string>
#include <string_view>

#include "config/schema.h"

namespace sf {

// Dotted key -> where its value was last set: "recipes/x.yaml:7" or "command line".
// Keys left at their built-in default are absent.
using Provenance = std::map<std::string, std::string>;

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

 private:
  [[noreturn]] void fail(std::string_view key, const std::string& value, const std::string& rule) const;

  std::string section_;
  const Provenance* where_;
};

}  // namespace sf
