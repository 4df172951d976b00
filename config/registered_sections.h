// The registered sub-sections of one built-in section (config/section_registry.h): ModelConfig holds
// model.ssm, model.rnn, ... in one of these. A fresh one holds every section registered under its
// parent, at the registered defaults, in registration order; the parent's visit() hands them to the
// visitor with each(), and a component reads its own with get<S>().
#pragma once
#include <string>
#include <string_view>
#include <typeinfo>
#include <vector>

#include "config/any_section.h"

namespace sf {

class RegisteredSections {
 public:
  explicit RegisteredSections(std::string_view parent);

  // v(key, section, doc) for each section, as a struct's visit() does for its fields.
  template <class V>
  void each(V& v) {
    for (Entry& e : entries_) v(e.key, e.section, e.doc);
  }

  // The section of type S; throws sf::Error when none is registered under the parent.
  template <class S>
  S& get() {
    for (Entry& e : entries_)
      if (S* s = e.section.get<S>()) return *s;
    missing(typeid(S));
  }
  template <class S>
  const S& get() const {
    return const_cast<RegisteredSections*>(this)->get<S>();
  }

  bool operator==(const RegisteredSections&) const = default;

 private:
  struct Entry {
    std::string key, doc;
    AnySection section;
    bool operator==(const Entry&) const = default;
  };

  [[noreturn]] void missing(const std::type_info& type) const;

  std::string parent_;
  std::vector<Entry> entries_;
};

}  // namespace sf
