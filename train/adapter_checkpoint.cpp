#include "train/adapter_checkpoint.h"

#include <cstdio>
#include <filesystem>
#include <map>
#include <set>

#include "core/file_io.h"
#include "data/h5_file.h"
#include "layers/adapters/attach.h"
#include "layers/adapters/nola.h"

namespace sf {
namespace {

constexpr const char* kFormat = "seqforge-adapter";
constexpr int64_t kFormatVersion = 1;

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& s : items) out += (out.empty() ? "" : ",") + s;
  return out;
}

void check_format(const H5File& f) {
  SF_CHECK(f.has_attr("/", "format") && f.read_attr_string("/", "format") == kFormat, f.path(),
           ": not a seqforge adapter checkpoint (a full checkpoint loads with train.init_from or --resume)");
  const int64_t version = f.read_attr_i64("/", "format_version");
  const std::string writer =
      f.has_attr("/", "seqforge_version") ? "seqforge " + f.read_attr_string("/", "seqforge_version") : "a seqforge";
  SF_CHECK(version <= kFormatVersion, f.path(), ": adapter format version ", version, " (written by ", writer,
           ") is newer than this seqforge ", SF_VERSION, " reads (up to ", kFormatVersion, "); use a newer seqforge");
}

}  // namespace

void save_adapter(const std::string& path, Module& model, const AdapterConfig& config) {
  const std::vector<LowRankAdapter*> adapters = find_adapters(model);
  SF_CHECK(!adapters.empty(), "save_adapter ", path, ": the model has no adapters");
  const std::string fingerprint = base_fingerprint(model);
  const std::string tmp = path + ".tmp";
  try {
    H5File f = H5File::create(tmp);
    f.write_attr("/", "format", kFormat);
    f.write_attr("/", "format_version", kFormatVersion);
    f.write_attr("/", "seqforge_version", SF_VERSION);
    f.write_attr("/", "kind", std::string(enum_name(config.kind)));
    f.write_attr("/", "r", config.rank);
    f.write_attr("/", "alpha", config.alpha);
    f.write_attr("/", "dropout", config.dropout);
    f.write_attr("/", "bias", std::string(enum_name(config.bias)));
    f.write_attr("/", "merge_on_eval", int64_t{config.merge_on_eval});
    f.write_attr("/", "targets", join(config.targets));
    f.write_attr("/", "train", join(config.train));
    f.write_attr("/", "base_fingerprint", fingerprint);
    if (config.kind == AdapterKind::lora) f.write_attr("/", "init_a", std::string(enum_name(config.init_a)));
    if (config.kind == AdapterKind::nola) {
      f.write_attr("/", "k", config.nola.num_basis_a);
      f.write_attr("/", "l", config.nola.num_basis_b);
      f.write_attr("/", "seed", config.nola.seed);
      f.write_attr("/", "chunk", config.nola.chunk);
      f.write_attr("/", "generator", kNolaGenerator);
      f.write_attr("/", "a0", "uniform_fan_in");
    }
    for (LowRankAdapter* a : adapters)
      for (const auto& [key, v] : a->named_parameters())  // lora: A, B; nola: alpha, beta
        f.write_tensor("/adapter/" + a->site().name + "/" + key, v.data().to(DType::f32));
    // Trained base parameters (adapter.bias, adapter.train): everything trainable not inside an adapter.
    std::set<const VariableImpl*> inside;
    for (LowRankAdapter* a : adapters)
      for (const Variable& p : a->parameters()) inside.insert(p.impl());
    for (const auto& [name, p] : model.named_parameters())
      if (p.requires_grad() && !inside.count(p.impl())) f.write_tensor("/trained/" + name, p.data());
    f.close();
    fsync_path(tmp);
  } catch (const Error& e) {
    std::remove(tmp.c_str());
    throw Error("saving adapter " + path + " failed: " + e.what());
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  SF_CHECK(!ec, "saving adapter ", path, ": rename failed: ", ec.message());
}

AdapterConfig read_adapter_config(const std::string& path) {
  SF_CHECK(std::filesystem::exists(path), "adapter checkpoint ", path, " does not exist");
  const H5File f = H5File::open(path);
  check_format(f);
  AdapterConfig c;
  const std::string kind = f.read_attr_string("/", "kind");
  SF_CHECK(kind == "lora" || kind == "nola", path, ": unknown adapter kind '", kind, "'");
  c.kind = kind == "lora" ? AdapterKind::lora : AdapterKind::nola;
  c.rank = f.read_attr_i64("/", "r");
  c.alpha = f.read_attr_f64("/", "alpha");
  c.dropout = f.read_attr_f64("/", "dropout");
  const std::string bias = f.read_attr_string("/", "bias");
  SF_CHECK(bias == "none" || bias == "all" || bias == "lora_only", path, ": unknown adapter bias '", bias, "'");
  c.bias = bias == "all" ? AdapterBias::all : bias == "lora_only" ? AdapterBias::lora_only : AdapterBias::none;
  c.merge_on_eval = f.read_attr_i64("/", "merge_on_eval") != 0;
  if (c.kind == AdapterKind::nola) {
    const std::string generator = f.read_attr_string("/", "generator");
    SF_CHECK(generator == kNolaGenerator, path, ": NOLA bases from generator '", generator,
             "', which this seqforge does not know (it generates '", kNolaGenerator, "')");
    c.nola.num_basis_a = f.read_attr_i64("/", "k");
    c.nola.num_basis_b = f.read_attr_i64("/", "l");
    c.nola.seed = f.read_attr_i64("/", "seed");
    c.nola.chunk = f.read_attr_i64("/", "chunk");
  } else {
    c.init_a = f.read_attr_string("/", "init_a") == "gaussian" ? LoraInitA::gaussian : LoraInitA::kaiming_uniform;
  }
  // The exact sites, whatever globs selected them.
  std::set<std::string> sites;
  for (const std::string& name : f.list("/adapter")) {
    const std::string rest = name.substr(std::string("/adapter/").size());
    sites.insert(rest.substr(0, rest.rfind('/')));
  }
  c.targets.assign(sites.begin(), sites.end());
  // Likewise the exact base parameters trained beside the adapters (biases included: training them is what
  // adapter.bias asks too), so that they are not frozen and the fingerprint covers what it did at save time.
  if (f.has("/trained"))
    for (const std::string& name : f.list("/trained")) c.train.push_back(name.substr(std::string("/trained/").size()));
  return c;
}

std::string load_adapter(const std::string& path, Module& model, bool force) {
  const AdapterConfig expected = read_adapter_config(path);  // checks format and generator
  const H5File f = H5File::open(path);
  const std::string stored = f.read_attr_string("/", "base_fingerprint");
  const std::string actual = base_fingerprint(model);
  const std::string mismatch =
      stored == actual ? ""
                       : detail::cat(path, ": trained on a base with fingerprint ", stored, ", but this model's base has ",
                                     "fingerprint ", actual, " (another checkpoint or architecture)");
  SF_CHECK(mismatch.empty() || force, mismatch, "; --force loads it anyway");
  const std::vector<LowRankAdapter*> adapters = find_adapters(model);
  SF_CHECK(adapters.size() == expected.targets.size(), path, ": holds ", expected.targets.size(),
           " adapters, the model has ", adapters.size(), " attached");
  std::vector<std::pair<Variable, Tensor>> copies;
  for (LowRankAdapter* a : adapters) {
    SF_CHECK(std::string(a->kind()) == enum_name(expected.kind), path, ": holds ", enum_name(expected.kind),
             " adapters, the model's ", a->site().name, " is ", a->kind());
    for (auto& [key, v] : a->named_parameters()) {  // lora: A, B; nola: alpha, beta
      const std::string name = "/adapter/" + a->site().name + "/" + key;
      SF_CHECK(f.has(name), path, ": no tensor ", name, " for the model's adapter");
      Tensor t = f.read_tensor(name);
      SF_CHECK(t.shape() == v.shape(), path, ": ", name, " has shape ", shape_str(t.shape()), ", the model's ",
               shape_str(v.shape()));
      copies.emplace_back(v, t);
    }
  }
  std::map<std::string, Variable> params;
  for (auto& [name, p] : model.named_parameters()) params.emplace(name, p);
  if (f.has("/trained"))
    for (const std::string& name : f.list("/trained")) {
      const std::string param = name.substr(std::string("/trained/").size());
      const auto it = params.find(param);
      SF_CHECK(it != params.end(), path, ": trained parameter ", param, " is not in the model");
      Tensor t = f.read_tensor(name);
      SF_CHECK(t.shape() == it->second.shape(), path, ": ", name, " has the wrong shape");
      copies.emplace_back(it->second, t);
    }
  for (auto& [v, t] : copies) v.mutable_data().copy_(t);  // nothing is copied unless every check passed
  return mismatch;
}

}  // namespace sf
