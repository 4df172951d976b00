// Binds a parsed YAML document onto a config struct, checking every key and value against the
// schema. Only keys present in the document are set, so binding documents one after another
// onto the same struct deep-merges them (later documents win, lists are replaced whole).
#pragma once
#include <map>
#include <span>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "config/schema.h"
#include "config/provenance.h"

namespace sf {

// Where a document came from, for messages and provenance.
struct BindContext {
  std::string source;                   // "recipes/x.yaml", or "command line"
  bool has_lines = true;                // YAML marks are lines of `source`
  std::vector<std::string> valid_keys;  // every dotted key of the root schema, for "did you mean"
  std::vector<std::string> reserved;    // top-level keys the caller handles itself (defaults)
  Provenance* where = nullptr;          // when set, records where each bound field came from

  // "recipes/x.yaml:7" (1-based line) or just the source.
  std::string at(const YAML::Mark& mark) const;
  [[noreturn]] void fail(const YAML::Mark& mark, const std::string& message) const;
};

namespace detail {

// "'abc'", "a map", "a list", "nothing (null)"
std::string describe_node(const YAML::Node& node);

// Throws on a non-scalar key, a duplicate key, or a key not in `names` (nor reserved, at the
// top level), suggesting the nearest valid keys. Returns where each key is written.
std::map<std::string, YAML::Mark> check_keys(const YAML::Node& map, const std::string& prefix, const std::vector<std::string>& names,
                const BindContext& ctx);

void bind_leaf(const YAML::Node& node, bool& out, const std::string& key, const BindContext& ctx);
void bind_leaf(const YAML::Node& node, int64_t& out, const std::string& key, const BindContext& ctx);
void bind_leaf(const YAML::Node& node, double& out, const std::string& key, const BindContext& ctx);
void bind_leaf(const YAML::Node& node, std::string& out, const std::string& key, const BindContext& ctx);
void bind_leaf(const YAML::Node& node, std::vector<std::string>& out, const std::string& key,
               const BindContext& ctx);
void bind_leaf(const YAML::Node& node, std::vector<int64_t>& out, const std::string& key,
               const BindContext& ctx);
// The index of the node's text in `names`.
size_t bind_enum(const YAML::Node& node, std::span<const std::string_view> names, const std::string& key,
                 const BindContext& ctx);

template <ConfigSection S>
void bind_section(const YAML::Node& node, S& section, const std::string& prefix, const BindContext& ctx) {
  if (node.IsNull()) return;  // "model:" with nothing under it
  if (!node.IsMap()) {
    ctx.fail(node.Mark(), prefix.empty() ? "expected a map of sections at the top level, found " +
                                               describe_node(node)
                                         : "'" + prefix + "' expects a map of keys, found " +
                                               describe_node(node));
  }
  std::vector<std::string> names;
  auto name_lister = [&](std::string_view key, auto&, std::string_view) { names.emplace_back(key); };
  section.visit(name_lister);
  const std::map<std::string, YAML::Mark> key_marks = check_keys(node, prefix, names, ctx);

  auto binder = [&](std::string_view key, auto& field, std::string_view) {
    using T = std::remove_cvref_t<decltype(field)>;
    const YAML::Node value = node[std::string(key)];
    if (!value.IsDefined()) return;
    const std::string path = join_key(prefix, key);
    // A bare "key:" has no position of its own (yaml-cpp marks the next token): name the key's.
    const YAML::Mark mark = value.IsNull() ? key_marks.at(std::string(key)) : value.Mark();
    if constexpr (ConfigSection<T>) {
      bind_section(value, field, path, ctx);
    } else if constexpr (std::is_same_v<T, AnySection>) {
      field.bind(value, path, ctx);
    } else {
      // Null means empty for strings and lists; other fields need a value.
      constexpr bool nullable = std::is_same_v<T, std::string> || std::is_same_v<T, std::vector<std::string>> ||
                                std::is_same_v<T, std::vector<int64_t>>;
      if (!nullable && value.IsNull())
        ctx.fail(mark, "'" + path + "' expects " + config_type_name<T>() + ", found nothing (null)");
      if constexpr (ConfigEnum<T>) {
        const auto choices = enum_names(field);
        field = static_cast<T>(bind_enum(value, choices, path, ctx));
      } else {
        bind_leaf(value, field, path, ctx);
      }
      if (ctx.where) (*ctx.where)[path] = ctx.at(mark);
    }
  };
  section.visit(binder);
}

}  // namespace detail

// Every dotted key of S (sections and fields), the candidates for "did you mean".
template <ConfigSection S>
std::vector<std::string> schema_keys() {
  std::vector<std::string> keys;
  for (const SchemaEntry& e : schema_entries<S>()) keys.push_back(e.key);
  return keys;
}

// Binds `doc` onto `root`; throws sf::Error naming ctx.source and the line on any schema error.
template <ConfigSection S>
void bind_yaml(const YAML::Node& doc, S& root, const BindContext& ctx) {
  detail::bind_section(doc, root, "", ctx);
}

}  // namespace sf
