#include "config/loader.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include "config/config_diff.h"
#include "config/yaml_binder.h"
#include "core/error.h"

namespace sf {

namespace fs = std::filesystem;
using detail::cat;

std::string read_text(const std::filesystem::path& path, const std::string& what) {
  SF_CHECK(!fs::is_directory(path), "cannot read ", what, " '", path.string(), "': is a directory, not a file");
  std::ifstream in(path, std::ios::binary);
  SF_CHECK(in, "cannot read ", what, " '", path.string(), "': ", std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

YAML::Node parse_yaml(const std::string& text, const std::string& source) {
  try {
    return YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    throw Error(cat(source, ":", e.mark.line + 1, ": malformed YAML: ", e.msg));
  }
}

namespace {

const std::vector<std::string> kReserved = {"defaults"};

BindContext context_for(const std::string& source, bool has_lines, Provenance* where) {
  static const std::vector<std::string> keys = schema_keys<RunConfig>();
  return BindContext{source, has_lines, keys, kReserved, where};
}

// Whether `map` holds the dotted `key` ("data.path"), even as a bare "key:".
bool holds_key(const YAML::Node& map, std::string_view key) {
  if (!map.IsMap()) return false;
  const size_t dot = key.find('.');
  const YAML::Node value = map[std::string(key.substr(0, dot))];
  return value.IsDefined() && (dot == std::string_view::npos || holds_key(value, key.substr(dot + 1)));
}

// Binds one document (a file, or one command-line override). A relative path it sets is taken from
// `base` (absolute) and stored absolute; an empty `base` leaves paths as written (a checkpoint's text).
void apply_document(const YAML::Node& doc, const BindContext& ctx, const fs::path& base, RunConfig& config) {
  if (doc.IsMap()) {
    for (const auto& entry : doc) {  // refused rather than ignored: `train` would run one variant of it
      if (entry.first.IsScalar() && entry.first.Scalar() == "sweep")
        ctx.fail(entry.first.Mark(), "'sweep' belongs in a sweep file (base: RECIPE plus sweep:), which "
                                     "`seqforge ablate SWEEP.yaml` runs; a recipe cannot hold one");
    }
  }
  bind_yaml(doc, config, ctx);
  if (base.empty()) return;
  for (const auto& [key, field] : path_fields(config)) {
    if (holds_key(doc, key) && !field->empty() && fs::path(*field).is_relative())
      *field = (base / *field).lexically_normal().string();
  }
}

// A `key.sub=value` override as the one-key document {key: {sub: value}}.
YAML::Node override_document(const std::string& override_text) {
  const size_t eq = override_text.find('=');
  SF_CHECK(eq != std::string::npos && eq > 0, "command line: override '", override_text,
           "' must look like key.sub=value");
  const std::string key = override_text.substr(0, eq);
  std::vector<std::string> parts;
  for (size_t start = 0;;) {
    const size_t dot = key.find('.', start);
    parts.push_back(key.substr(start, dot - start));
    SF_CHECK(!parts.back().empty(), "command line: malformed key '", key, "' in override '", override_text, "'");
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  SF_CHECK(parts[0] != "defaults", "command line: 'defaults' cannot be overridden; edit the recipe");
  YAML::Node doc;
  try {
    doc = YAML::Load(override_text.substr(eq + 1));
  } catch (const YAML::ParserException& e) {
    throw Error(cat("command line: cannot parse the value of '", override_text, "': ", e.msg));
  }
  for (auto it = parts.rbegin(); it != parts.rend(); ++it) {
    YAML::Node map(YAML::NodeType::Map);
    map[*it] = doc;
    doc.reset(map);  // rebinds; `doc = map` would overwrite the node doc refers to
  }
  return doc;
}

class RecipeLoader {
 public:
  RecipeLoader(std::vector<fs::path> roots, LoadedConfig& out) : roots_(std::move(roots)), out_(out) {}

  // Merges the defaults of `path` (recursively) and then `path` itself into out_.config.
  void apply_file(const fs::path& path, const std::string& source, const std::string& text) {
    const YAML::Node doc = parse_yaml(text, source);
    const BindContext ctx = context_for(source, true, &out_.where);
    stack_.push_back({fs::weakly_canonical(path), source});
    if (doc.IsMap()) {
      if (const YAML::Node defaults = doc["defaults"]; defaults.IsDefined()) apply_defaults(defaults, ctx);
    }
    apply_document(doc, ctx, fs::absolute(path).parent_path(), out_.config);
    out_.files.push_back(source);
    stack_.pop_back();
  }

 private:
  struct Open {
    fs::path canonical;
    std::string source;
  };

  void apply_defaults(const YAML::Node& defaults, const BindContext& ctx) {
    if (defaults.IsNull()) return;
    std::vector<YAML::Node> entries;
    if (defaults.IsScalar()) {
      entries.push_back(defaults);
    } else if (defaults.IsSequence()) {
      for (const YAML::Node& e : defaults) entries.push_back(e);
    } else {
      ctx.fail(defaults.Mark(), "'defaults' expects a list of config names, found " + detail::describe_node(defaults));
    }
    for (const YAML::Node& entry : entries) {
      if (!entry.IsScalar() || entry.Scalar().empty())
        ctx.fail(entry.Mark(), "'defaults' entries must be config names like model/gpt/small, found " +
                                   detail::describe_node(entry));
      apply_default(entry, ctx);
    }
  }

  void apply_default(const YAML::Node& entry, const BindContext& ctx) {
    fs::path name = entry.Scalar();
    if (!name.has_extension()) name += ".yaml";
    std::string tried;
    for (const fs::path& root : roots_) {
      const fs::path candidate = (root / name).lexically_normal();
      if (fs::is_regular_file(candidate)) {
        check_cycle(candidate, entry, ctx);
        apply_file(candidate, candidate.string(), read_text(candidate, "config"));
        return;
      }
      tried += (tried.empty() ? "" : ", ") + candidate.string();
    }
    ctx.fail(entry.Mark(), "defaults entry '" + entry.Scalar() + "' not found; tried " + tried);
  }

  void check_cycle(const fs::path& candidate, const YAML::Node& entry, const BindContext& ctx) const {
    const fs::path canonical = fs::weakly_canonical(candidate);
    for (size_t i = 0; i < stack_.size(); ++i) {
      if (stack_[i].canonical != canonical) continue;
      std::string chain;
      for (size_t j = i; j < stack_.size(); ++j) chain += stack_[j].source + " -> ";
      ctx.fail(entry.Mark(), "defaults cycle: " + chain + candidate.string());
    }
  }

  std::vector<fs::path> roots_;
  LoadedConfig& out_;
  std::vector<Open> stack_;  // files being applied, outermost first
};

}  // namespace

LoadedConfig load_run_config(const std::string& recipe_path, const std::vector<std::string>& overrides,
                             const std::string& config_root) {
  LoadedConfig out;
  out.recipe_path = recipe_path;
  out.recipe_text = read_text(recipe_path, "recipe");

  std::vector<fs::path> roots;
  if (!config_root.empty()) {
    roots.push_back(config_root);
  } else {
    roots.push_back((fs::path(recipe_path).parent_path() / ".." / "configs").lexically_normal());
    if (roots.front() != "configs") roots.push_back("configs");
  }
  RecipeLoader(roots, out).apply_file(recipe_path, recipe_path, out.recipe_text);

  const BindContext ctx = context_for("command line", false, &out.where);
  for (const std::string& o : overrides) apply_document(override_document(o), ctx, fs::current_path(), out.config);

  out.config.validate(out.where);
  return out;
}

RunConfig run_config_from_yaml(const std::string& text, const std::string& source,
                               const std::vector<std::string>& overrides, Provenance* where_out) {
  const YAML::Node doc = parse_yaml(text, source);
  RunConfig config;
  Provenance where;
  const BindContext ctx = context_for(source, true, &where);
  if (doc.IsMap() && doc["defaults"].IsDefined())
    ctx.fail(doc["defaults"].Mark(), "'defaults' is resolved only when loading a recipe file");
  apply_document(doc, ctx, {}, config);
  // A stored config names every key, its defaults too; the rules that refuse a key the rest of the config
  // ignores ("model.block: plain has no MLP") must see what was chosen, so a key the text holds at its
  // built-in default counts as unset, as it did when the run's recipe was first checked.
  std::set<std::string> chosen;
  for (const ConfigDifference& d : config_differences(RunConfig{}, config)) chosen.insert(d.key);
  std::erase_if(where, [&](const auto& entry) { return !chosen.contains(entry.first); });
  const BindContext cli = context_for("command line", false, &where);
  for (const std::string& o : overrides) apply_document(override_document(o), cli, fs::current_path(), config);
  config.validate(where);
  if (where_out) *where_out = std::move(where);
  return config;
}

}  // namespace sf
