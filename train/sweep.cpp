#include "train/sweep.h"

#include <algorithm>
#include <filesystem>
#include <set>

#include "config/edit_distance.h"
#include "config/yaml_binder.h"
#include "core/error.h"
#include "data/token_shards.h"
#include "train/data_source.h"

namespace sf {
namespace {
namespace fs = std::filesystem;
using detail::cat;

struct SweepFile {
  std::string path;
  fs::path dir;  // absolute: relative paths in the file are taken from here

  std::string at(const YAML::Node& node) const { return cat(path, ":", node.Mark().line + 1); }
  [[noreturn]] void fail(const YAML::Node& node, const std::string& message) const {
    throw Error(cat(at(node), ": ", message));
  }

  // Refuses keys of `map` not in `names`, with the nearest one.
  void check_keys(const YAML::Node& map, const std::string& prefix, const std::vector<std::string>& names) const {
    if (!map.IsMap()) fail(map, cat("'", prefix, "' expects a map, found ", detail::describe_node(map)));
    for (const auto& entry : map) {
      const std::string key = entry.first.Scalar();
      if (std::find(names.begin(), names.end(), key) != names.end()) continue;
      std::vector<std::string> dotted;
      for (const std::string& n : names) dotted.push_back(prefix.empty() ? n : prefix + "." + n);
      const std::string full = prefix.empty() ? key : prefix + "." + key;
      fail(entry.first, cat("unknown key '", full, "' in a sweep file", did_you_mean(full, dotted),
                            " (a sweep file holds base: and sweep: {set, grid, variants, seeds})"));
    }
  }

  // `value` as the text of a key=value override; a relative path (data.path, ...) taken from this file's folder.
  std::string value_text(const std::string& key, const YAML::Node& value) const {
    YAML::Emitter out;
    out.SetMapFormat(YAML::Flow);
    out.SetSeqFormat(YAML::Flow);
    out << value;
    std::string text = out.c_str();
    RunConfig probe;
    for (const auto& [path_key, field] : path_fields(probe)) {
      if (path_key == key && value.IsScalar() && !text.empty() && fs::path(value.Scalar()).is_relative())
        text = (dir / value.Scalar()).lexically_normal().string();
    }
    return text;
  }

  // The overrides a map writes, nested maps flattened to dotted keys ("model: {pos: rope}" -> model.pos=rope).
  void flatten(const YAML::Node& map, const std::string& prefix, std::vector<SweepOverride>& out) const {
    for (const auto& entry : map) {
      const std::string key = prefix.empty() ? entry.first.Scalar() : prefix + "." + entry.first.Scalar();
      if (entry.second.IsMap() && entry.second.size() > 0) {
        flatten(entry.second, key, out);
      } else {
        if (std::any_of(out.begin(), out.end(), [&](const SweepOverride& o) { return o.key == key; }))
          fail(entry.first, cat("'", key, "' is set twice"));
        out.push_back({key, value_text(key, entry.second), at(entry.first)});
      }
    }
  }
};

// The short form of a key in a run name: its last component ("optim.lr" -> "lr").
std::string short_key(const std::string& key) {
  const size_t dot = key.rfind('.');
  return dot == std::string::npos ? key : key.substr(dot + 1);
}

// A run name as a directory name: characters a shell or a file system would trip on become '_'.
std::string directory_name(const std::string& name) {
  std::string out = name;
  for (char& c : out) {
    const bool plain = std::isalnum(static_cast<unsigned char>(c)) || std::string_view("._+=,-").find(c) != std::string_view::npos;
    if (!plain) c = '_';
  }
  return out;
}

struct Point {
  std::string name;
  std::vector<SweepOverride> overrides;
  std::string reference;  // a variant's reference: variant
};

std::vector<Point> grid_points(const SweepFile& file, const YAML::Node& grid) {
  if (!grid.IsMap()) file.fail(grid, cat("'sweep.grid' expects a map of key: [values], found ", detail::describe_node(grid)));
  if (grid.size() == 0) file.fail(grid, "'sweep.grid' is empty: give at least one key with a list of values");
  std::vector<Point> points{{}};
  for (const auto& entry : grid) {
    const std::string key = entry.first.Scalar();
    const YAML::Node values = entry.second;
    if (!values.IsSequence() || values.size() == 0)
      file.fail(entry.first, cat("grid key '", key, "' expects a non-empty list of values, found ", detail::describe_node(values)));
    std::set<std::string> seen;
    std::vector<Point> next;
    for (const Point& p : points) {
      for (const YAML::Node& v : values) {
        const std::string text = file.value_text(key, v);
        if (&p == &points.front() && !seen.insert(text).second)
          file.fail(v, cat("grid key '", key, "' lists ", text, " twice"));
        Point q = p;
        q.name += (q.name.empty() ? "" : ",") + short_key(key) + "=" + text;
        q.overrides.push_back({key, text, file.at(v)});
        next.push_back(std::move(q));
      }
    }
    points = std::move(next);
  }
  return points;
}

std::vector<Point> named_variants(const SweepFile& file, const YAML::Node& variants) {
  if (!variants.IsSequence() || variants.size() == 0)
    file.fail(variants, cat("'sweep.variants' expects a non-empty list of {name: ..., key: value, ...}, found ",
                            detail::describe_node(variants)));
  std::vector<Point> out;
  std::set<std::string> names;
  for (const YAML::Node& v : variants) {
    if (!v.IsMap()) file.fail(v, cat("a variant is a map {name: ..., key: value, ...}, found ", detail::describe_node(v)));
    const YAML::Node name = v["name"];
    if (!name.IsDefined() || !name.IsScalar() || name.Scalar().empty())
      file.fail(v, "a variant needs a name (name: ...)");
    if (!names.insert(name.Scalar()).second) file.fail(name, cat("two variants are named '", name.Scalar(), "'"));
    YAML::Node rest(YAML::NodeType::Map);
    for (const auto& entry : v) {
      if (entry.first.Scalar() != "name" && entry.first.Scalar() != "reference") rest[entry.first] = entry.second;
    }
    Point p{name.Scalar(), {}, {}};
    if (const YAML::Node reference = v["reference"]; reference.IsDefined()) {
      if (!reference.IsScalar() || reference.Scalar().empty())
        file.fail(reference, cat("'reference' names the variant to compare with, found ", detail::describe_node(reference)));
      p.reference = reference.Scalar();
    }
    file.flatten(rest, "", p.overrides);
    out.push_back(std::move(p));
  }
  for (const YAML::Node& v : variants) {  // every name is known now
    const YAML::Node reference = v["reference"];
    if (!reference.IsDefined()) continue;
    std::vector<std::string> others(names.begin(), names.end());
    std::erase(others, v["name"].Scalar());
    if (reference.Scalar() == v["name"].Scalar())
      file.fail(reference, cat("variant '", reference.Scalar(), "' cannot be its own reference"));
    if (!names.contains(reference.Scalar()))
      file.fail(reference, cat("reference '", reference.Scalar(), "' is not a variant of this sweep",
                               did_you_mean(reference.Scalar(), others)));
  }
  return out;
}

std::vector<int64_t> seed_list(const SweepFile& file, const YAML::Node& seeds) {
  if (!seeds.IsSequence() || seeds.size() == 0)
    file.fail(seeds, cat("'sweep.seeds' expects a non-empty list of integers, found ", detail::describe_node(seeds)));
  std::vector<int64_t> out;
  for (const YAML::Node& s : seeds) {
    int64_t seed = 0;
    if (!s.IsScalar() || !YAML::convert<int64_t>::decode(s, seed))
      file.fail(s, cat("a seed must be an integer, found ", detail::describe_node(s)));
    if (std::find(out.begin(), out.end(), seed) != out.end()) file.fail(s, cat("seed ", seed, " is listed twice"));
    out.push_back(seed);
  }
  return out;
}

// "command line: x" -> "<origin> (variant 'v'): x" for an error caused by a sweep file's override.
std::string attribute(const std::string& message, const SweepOverride& culprit, const std::string& variant) {
  const std::string where = cat(culprit.origin, " (variant '", variant, "', ", culprit.text(), ")");
  static const std::string kCli = "command line";
  if (culprit.origin != kCli && message.rfind(kCli, 0) == 0) return where + message.substr(kCli.size());
  return cat(where, ": ", message);
}

// What `train` would find missing only when that run starts, hours into a sweep: the files the config names.
// data.source and data.val_source are prepare-data's inputs, not train's; shards name a directory, checked by
// its manifest, and .bin data may name globs, checked when the run reads them.
void check_config(const LoadedConfig& loaded) {
  check_data_config(loaded.config, loaded.where);
  RunConfig config = loaded.config;
  const std::string& dataset = config.data.dataset;
  if (dataset == "shards") read_manifest(config.data.path);
  for (const auto& [key, field] : path_fields(config)) {
    const bool token_files = (dataset == "shards" || dataset == "bin") && (key == "data.path" || key == "data.val_path");
    const bool prepare_input = key == "data.source" || key == "data.val_source";
    if (field->empty() || fs::is_regular_file(*field) || token_files || prepare_input) continue;
    const auto it = loaded.where.find(std::string(key));
    throw Error(cat(it != loaded.where.end() ? it->second : "config", ": ", key, " = \"", *field, "\": no such file"));
  }
}

}  // namespace

std::vector<std::string> SweepRun::override_texts() const {
  std::vector<std::string> out;
  for (const SweepOverride& o : overrides) out.push_back(o.text());
  return out;
}

Sweep load_sweep(const std::string& path, const std::vector<std::string>& overrides) {
  const SweepFile file{path, fs::absolute(path).parent_path()};
  const YAML::Node doc = parse_yaml(read_text(path, "sweep file"), path);
  if (!doc.IsMap()) throw Error(cat(path, ": a sweep file is a map with base: and sweep:, found ", detail::describe_node(doc)));
  file.check_keys(doc, "", {"base", "sweep"});
  const YAML::Node base = doc["base"], body = doc["sweep"];
  if (!base.IsDefined() || !base.IsScalar() || base.Scalar().empty())
    throw Error(cat(path, ": a sweep file needs base: RECIPE (the recipe every variant starts from)"));
  if (!body.IsDefined()) throw Error(cat(path, ": a sweep file needs a sweep: section (grid:, variants:, seeds:)"));
  file.check_keys(body, "sweep", {"set", "grid", "variants", "seeds"});

  Sweep sweep;
  sweep.path = path;
  const fs::path base_path = fs::path(base.Scalar()).is_absolute() ? fs::path(base.Scalar()) : file.dir / base.Scalar();
  sweep.base = base_path.lexically_normal().string();
  if (!fs::is_regular_file(sweep.base)) file.fail(base, cat("base recipe '", sweep.base, "' not found"));

  std::vector<SweepOverride> shared;
  if (const YAML::Node set = body["set"]; set.IsDefined()) {
    if (!set.IsMap()) file.fail(set, cat("'sweep.set' expects a map of key: value, found ", detail::describe_node(set)));
    file.flatten(set, "", shared);
  }
  const YAML::Node grid = body["grid"], variants = body["variants"], seeds = body["seeds"];
  if (!grid.IsDefined() && !variants.IsDefined())
    file.fail(body, "'sweep' needs a grid: or a list of variants: (or both)");
  const std::vector<Point> points = grid.IsDefined() ? grid_points(file, grid) : std::vector<Point>{{}};
  const std::vector<Point> named = variants.IsDefined() ? named_variants(file, variants) : std::vector<Point>{{}};
  const std::vector<int64_t> seed_values = seeds.IsDefined() ? seed_list(file, seeds) : std::vector<int64_t>{-1};

  std::vector<SweepOverride> cli;
  for (const std::string& o : overrides) {
    const size_t eq = o.find('=');
    SF_CHECK(eq != std::string::npos && eq > 0, "command line: override '", o, "' must look like key.sub=value");
    cli.push_back({o.substr(0, eq), o.substr(eq + 1), "command line"});
  }
  std::set<std::string> dirs;
  const auto run_name = [](const std::string& variant, const Point& p) {
    return variant.empty() ? p.name : p.name.empty() ? variant : variant + "+" + p.name;
  };
  const auto run_dir = [](const std::string& name, int64_t seed) {
    return directory_name(seed >= 0 ? cat(name, "-seed", seed) : name);
  };
  for (const Point& v : named) {
    for (const Point& p : points) {
      const std::string name = run_name(v.name, p);
      for (int64_t seed : seed_values) {
        SweepRun run;
        run.variant = name;
        run.seed = seed;
        run.dir = run_dir(name, seed);
        if (!v.reference.empty()) run.reference = run_dir(run_name(v.reference, p), seed);
        if (!dirs.insert(run.dir).second)
          throw Error(cat(path, ": two runs would share the directory '", run.dir, "'; rename a variant"));
        using Part = const std::vector<SweepOverride>*;
        for (Part part : std::initializer_list<Part>{&shared, &p.overrides, &v.overrides}) run.overrides.insert(run.overrides.end(), part->begin(), part->end());
        if (seed >= 0) run.overrides.push_back({"train.seed", std::to_string(seed), file.at(seeds)});
        for (Part part : std::initializer_list<Part>{&p.overrides, &v.overrides}) {
          for (const SweepOverride& o : *part) {
            run.swept.emplace_back(o.key, o.value);
            if (std::find(sweep.swept_keys.begin(), sweep.swept_keys.end(), o.key) == sweep.swept_keys.end())
              sweep.swept_keys.push_back(o.key);
          }
        }
        run.overrides.insert(run.overrides.end(), cli.begin(), cli.end());
        sweep.runs.push_back(std::move(run));
      }
    }
  }
  return sweep;
}

std::vector<LoadedConfig> check_sweep(const Sweep& sweep) {
  std::vector<LoadedConfig> out;
  for (const SweepRun& run : sweep.runs) {
    const std::vector<std::string> texts = run.override_texts();
    try {
      LoadedConfig loaded = load_run_config(sweep.base, texts);
      check_config(loaded);
      out.push_back(std::move(loaded));
      continue;
    } catch (const Error& e) {
      // Which override made it fail: the first prefix of the overrides that does not load.
      for (size_t n = 0; n <= texts.size(); ++n) {
        try {
          check_config(load_run_config(sweep.base, {texts.begin(), texts.begin() + static_cast<ptrdiff_t>(n)}));
        } catch (const Error& first) {
          if (n == 0) throw;  // the base recipe itself
          throw Error(attribute(first.what(), run.overrides[n - 1], run.variant));
        }
      }
      throw Error(cat(sweep.path, " (variant '", run.variant, "'): ", e.what()));
    }
  }
  return out;
}

}  // namespace sf
