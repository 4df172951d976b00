// A stand-in for a component's registered config section (config/section_registry.h): the config
// tests link no layers/, so model.toy and the mixer names "attention" and "mamba" are registered by
// toy_section.cpp instead.
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "config/validator.h"

namespace sf::testing_config {

enum class ToyKind { plain, fancy };
constexpr std::array<std::string_view, 2> enum_names(ToyKind) { return {"plain", "fancy"}; }

struct ToyInner {
  double rate = 0.5;
  template <class V>
  void visit(V& v) {
    v("rate", rate, "a nested section's number");
  }
  void validate(const Validator& v) const { v.require(rate > 0, "rate", rate, "must be > 0"); }
  bool operator==(const ToyInner&) const = default;
};

struct ToyConfig {
  int64_t heads = 4;
  ToyKind kind = ToyKind::plain;
  std::vector<std::string> names;
  ToyInner inner;
  template <class V>
  void visit(V& v) {
    v("heads", heads, "toy heads");
    v("kind", kind, "toy kind");
    v("names", names, "toy names");
    v("inner", inner, "a section inside a registered one");
  }
  void validate(const Validator& v) const { v.require(heads > 0, "heads", heads, "must be > 0"); }
  bool operator==(const ToyConfig&) const = default;
};

}  // namespace sf::testing_config
