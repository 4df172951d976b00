#include "config/config_diff.h"

namespace sf {

std::vector<ConfigDifference> config_differences(const RunConfig& before, const RunConfig& after) {
  const std::vector<SchemaEntry> a = schema_entries(before), b = schema_entries(after);
  std::vector<ConfigDifference> out;
  for (size_t i = 0; i < a.size(); ++i)  // one schema: the same keys in the same order
    if (!a[i].section && a[i].value != b[i].value) out.push_back({a[i].key, a[i].value, b[i].value});
  return out;
}

}  // namespace sf
