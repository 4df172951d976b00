#include "config/section_registry.h"

#include <algorithm>
#include <map>

#include "core/error.h"

namespace sf {

namespace {

// Function-local statics: registrations run during static initialisation, in any order of files.
std::vector<SectionRegistration>& sections() {
  static std::vector<SectionRegistration> all;
  return all;
}

std::vector<std::string>& mixer_names() {
  static std::vector<std::string> all;
  return all;
}

std::map<std::string, std::string>& mixer_sections() {
  static std::map<std::string, std::string> all;
  return all;
}

}  // namespace

void register_section(SectionRegistration r) {
  for (const SectionRegistration& s : sections())
    SF_CHECK(s.parent != r.parent || s.key != r.key, "config section ", join_key(r.parent, r.key),
             " is registered twice");
  sections().push_back(std::move(r));
}

const std::vector<SectionRegistration>& registered_sections() { return sections(); }

void register_mixer_name(const std::string& name, const std::string& section) {
  SF_CHECK(std::find(mixer_names().begin(), mixer_names().end(), name) == mixer_names().end(), "mixer '", name,
           "' is registered twice");
  mixer_names().push_back(name);
  mixer_sections()[name] = section;
}

const std::vector<std::string>& registered_mixer_names() { return mixer_names(); }

std::string mixer_section(const std::string& name) {
  const auto it = mixer_sections().find(name);
  return it == mixer_sections().end() ? "" : it->second;
}

}  // namespace sf
