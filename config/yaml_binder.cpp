#include "config/yaml_binder.h"

#include <algorithm>

#include "config/edit_distance.h"
#include "core/error.h"

namespace sf {

std::string BindContext::at(const YAML::Mark& mark) const {
  if (!has_lines || mark.is_null() || mark.line < 0) return source;
  return source + ":" + std::to_string(mark.line + 1);
}

void BindContext::fail(const YAML::Mark& mark, const std::string& message) const {
  throw Error(at(mark) + ": " + message);
}

namespace detail {

namespace {

[[noreturn]] void wrong_type(const YAML::Node& node, const std::string& key, const std::string& expected,
                             const BindContext& ctx) {
  ctx.fail(node.Mark(), "'" + key + "' expects " + expected + ", found " + describe_node(node));
}

// The scalar text of a node that must be a scalar.
const std::string& scalar_of(const YAML::Node& node, const std::string& key, const std::string& expected,
                             const BindContext& ctx) {
  if (!node.IsScalar()) wrong_type(node, key, expected, ctx);
  return node.Scalar();
}

std::string comma_list(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

}  // namespace

std::string describe_node(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Scalar: return "'" + node.Scalar() + "'";
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Map: return "a map";
    case YAML::NodeType::Null: return "nothing (null)";
    case YAML::NodeType::Undefined: break;
  }
  return "nothing";
}

std::map<std::string, YAML::Mark> check_keys(const YAML::Node& map, const std::string& prefix,
                                             const std::vector<std::string>& names, const BindContext& ctx) {
  std::map<std::string, YAML::Mark> marks;
  for (const auto& entry : map) {
    const YAML::Node& key_node = entry.first;
    if (!key_node.IsScalar())
      ctx.fail(key_node.Mark(), "keys must be plain names, found " + describe_node(key_node) +
                                    (prefix.empty() ? "" : " under '" + prefix + "'"));
    const std::string& key = key_node.Scalar();
    const std::string path = join_key(prefix, key);
    if (!marks.emplace(key, key_node.Mark()).second) ctx.fail(key_node.Mark(), "duplicate key '" + path + "'");
    const bool reserved = prefix.empty() && std::count(ctx.reserved.begin(), ctx.reserved.end(), key);
    if (reserved || std::count(names.begin(), names.end(), key)) continue;

    std::vector<std::string> candidates = ctx.valid_keys;
    candidates.insert(candidates.end(), ctx.reserved.begin(), ctx.reserved.end());
    std::string hint = did_you_mean(path, candidates);
    if (hint.empty()) {
      hint = prefix.empty() ? "; valid sections: " + comma_list(names)
                            : "; valid keys under '" + prefix + "': " + comma_list(names);
    }
    ctx.fail(key_node.Mark(), "unknown key '" + path + "'" + hint);
  }
  return marks;
}

void bind_leaf(const YAML::Node& node, bool& out, const std::string& key, const BindContext& ctx) {
  const std::string expected = config_type_name<bool>();
  if (!parse_bool(scalar_of(node, key, expected, ctx), out)) wrong_type(node, key, expected, ctx);
}

void bind_leaf(const YAML::Node& node, int64_t& out, const std::string& key, const BindContext& ctx) {
  const std::string expected = config_type_name<int64_t>();
  if (!parse_int64(scalar_of(node, key, expected, ctx), out)) wrong_type(node, key, expected, ctx);
}

void bind_leaf(const YAML::Node& node, double& out, const std::string& key, const BindContext& ctx) {
  const std::string expected = config_type_name<double>();
  if (!parse_double(scalar_of(node, key, expected, ctx), out)) wrong_type(node, key, expected, ctx);
}

// A bare "key:" means the empty string, so a recipe can clear a path set by its defaults.
void bind_leaf(const YAML::Node& node, std::string& out, const std::string& key, const BindContext& ctx) {
  out = node.IsNull() ? std::string() : scalar_of(node, key, config_type_name<std::string>(), ctx);
}

void bind_leaf(const YAML::Node& node, std::vector<std::string>& out, const std::string& key,
               const BindContext& ctx) {
  const std::string expected = config_type_name<std::vector<std::string>>();
  std::vector<std::string> values;
  if (!node.IsNull()) {
    if (!node.IsSequence()) wrong_type(node, key, expected, ctx);
    for (const YAML::Node& item : node) values.push_back(scalar_of(item, key, expected, ctx));
  }
  out = std::move(values);
}

void bind_leaf(const YAML::Node& node, std::vector<int64_t>& out, const std::string& key,
               const BindContext& ctx) {
  const std::string expected = config_type_name<std::vector<int64_t>>();
  std::vector<int64_t> values;
  if (!node.IsNull()) {
    if (!node.IsSequence()) wrong_type(node, key, expected, ctx);
    for (const YAML::Node& item : node) {
      int64_t v = 0;
      if (!parse_int64(scalar_of(item, key, expected, ctx), v)) wrong_type(item, key, expected, ctx);
      values.push_back(v);
    }
  }
  out = std::move(values);
}

size_t bind_enum(const YAML::Node& node, std::span<const std::string_view> names, const std::string& key,
                 const BindContext& ctx) {
  std::vector<std::string> choices(names.begin(), names.end());
  const std::string expected = "one of: " + comma_list(choices);
  const std::string& text = scalar_of(node, key, expected, ctx);
  auto it = std::find(choices.begin(), choices.end(), text);
  if (it == choices.end()) wrong_type(node, key, expected, ctx);
  return static_cast<size_t>(it - choices.begin());
}

}  // namespace detail

}  // namespace sf
