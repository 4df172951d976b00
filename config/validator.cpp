#include "config/validator.h"

#include "core/error.h"

namespace sf {

void Validator::fail(std::string_view key, const std::string& value, const std::string& rule) const {
  const std::string path = join_key(section_, key);
  auto it = where_->find(path);
  const std::string origin = it != where_->end() ? it->second : "config (built-in default)";
  throw Error(detail::cat(origin, ": ", path, " = ", value, ": ", rule));
}

}  // namespace sf
