#include "config/registered_sections.h"

#include "config/section_registry.h"
#include "core/error.h"

namespace sf {

RegisteredSections::RegisteredSections(std::string_view parent) : parent_(parent) {
  for (const SectionRegistration& r : registered_sections())
    if (r.parent == parent) entries_.push_back({r.key, r.doc, r.defaults});
}

void RegisteredSections::missing(const std::type_info& type) const {
  throw Error(detail::cat("no config section of type ", type.name(), " is registered under '", parent_,
                          "' (sections register from layers/ at static initialisation: is this config older "
                          "than main(), or is layers/ not linked?)"));
}

}  // namespace sf
