#include "layers/adapters/attach.h"

#include <algorithm>
#include <map>
#include <set>

#include "core/sha256.h"
#include "layers/adapters/lora.h"
#include "layers/adapters/name_glob.h"
#include "layers/adapters/nola.h"

namespace sf {
namespace {

std::vector<std::string> expand_preset(const std::vector<std::string>& targets) {
  static const std::map<std::string, std::vector<std::string>> presets{
      {"qv", {"*.wqkv.q", "*.wqkv.v"}},
      {"qkvo", {"*.wqkv.q", "*.wqkv.k", "*.wqkv.v", "*.wo"}},
      {"all_linear",
       {"blocks.*.wqkv.q", "blocks.*.wqkv.k", "blocks.*.wqkv.v", "blocks.*.wo", "blocks.*.fc", "blocks.*.proj",
        "blocks.*.w1", "blocks.*.w2", "blocks.*.w3", "blocks.*.in_proj", "blocks.*.out_proj"}}};
  if (targets.size() != 1) return targets;
  const auto it = presets.find(targets.front());
  return it == presets.end() ? targets : it->second;
}

bool is_preset(const std::vector<std::string>& targets) { return expand_preset(targets) != targets; }

// Sets requires_grad of every parameter a glob of `key` matches; a glob matching none is an error.
void set_requires_grad_matching(std::vector<NamedParameter>& params, const std::vector<std::string>& globs,
                                bool requires_grad, const char* key) {
  for (const std::string& glob : globs) {
    bool any = false;
    for (auto& [name, p] : params) {
      if (!glob_match(glob, name)) continue;
      p.set_requires_grad(requires_grad);
      any = true;
    }
    SF_CHECK(any, key, ": '", glob, "' matches no parameter (e.g. ", params.front().first, ", ", params.back().first,
             ")");
  }
}

std::string child_name(const char* kind, const AdapterSite& site, const std::string& layer_path) {
  return site.name == layer_path ? std::string(kind)
                                 : std::string(kind) + "_" + site.name.substr(layer_path.size() + 1);
}

}  // namespace

std::vector<AdapterSite> adapter_sites(Module& model) {
  std::vector<AdapterSite> sites;
  for (const auto& [path, m] : model.named_modules()) {
    auto* layer = dynamic_cast<Linear*>(m);
    if (layer == nullptr || path.empty()) continue;
    sites.push_back({layer, path, 0, layer->out_features()});
    for (const std::string& part : layer->output_parts()) {
      const auto [row0, rows] = layer->part_rows(part);
      sites.push_back({layer, path + "." + part, row0, rows});
    }
  }
  return sites;
}

std::vector<std::string> resolve_adapter_targets(Module& model, const std::vector<std::string>& targets) {
  const std::vector<AdapterSite> sites = adapter_sites(model);
  const std::vector<std::string> globs = expand_preset(targets);
  std::set<std::string> chosen;
  for (const std::string& glob : globs) {
    bool any = false;
    for (const AdapterSite& s : sites)
      if (glob_match(glob, s.name)) {
        chosen.insert(s.name);
        any = true;
      }
    SF_CHECK(
        any || is_preset(targets), "adapter.targets: '", glob, "' matches no linear layer or part of one (",
        sites.empty() ? std::string("the model has none") : "e.g. " + sites.front().name + ", " + sites.back().name,
        "; a fused projection's parts are <path>.q, .k, .v)");
  }
  std::string expanded;
  for (const std::string& g : globs) expanded += (expanded.empty() ? "" : ", ") + g;
  SF_CHECK(!chosen.empty(), "adapter.targets: preset '", targets.front(), "' matches no layer of this model (",
           expanded, ")");
  std::vector<std::string> out;
  for (const AdapterSite& s : sites)
    if (chosen.count(s.name)) out.push_back(s.name);
  // A whole layer and one of its parts would both write the part's rows.
  for (const std::string& a : out)
    for (const std::string& b : out)
      SF_CHECK(b.size() <= a.size() || b.compare(0, a.size() + 1, a + ".") != 0, "adapter.targets: both '", a,
               "' and its part '", b, "' are selected; adapt the whole layer or its parts");
  return out;
}

std::vector<std::shared_ptr<LowRankAdapter>> apply_adapter_config(Module& model, const AdapterConfig& config,
                                                                  uint64_t run_seed) {
  std::vector<NamedParameter> params = model.named_parameters();
  if (config.kind == AdapterKind::none) {
    set_requires_grad_matching(params, config.freeze, false, "adapter.freeze");
    return {};
  }
  const std::vector<std::string> targets = resolve_adapter_targets(model, config.targets);
  for (auto& [name, p] : params) p.set_requires_grad(false);
  std::vector<std::shared_ptr<LowRankAdapter>> adapters;
  std::map<std::string, AdapterSite> by_name;
  for (const AdapterSite& s : adapter_sites(model)) by_name.emplace(s.name, s);
  std::map<const Linear*, std::string> layer_paths;
  for (const auto& [path, m] : model.named_modules())
    if (auto* layer = dynamic_cast<Linear*>(m)) layer_paths.emplace(layer, path);
  for (const std::string& name : targets) {
    const AdapterSite& site = by_name.at(name);
    std::shared_ptr<LowRankAdapter> adapter;
    if (config.kind == AdapterKind::lora) {
      adapter = std::make_shared<LoraAdapter>(site, config, run_seed);
    } else {
      adapter = std::make_shared<NolaAdapter>(site, config);
    }
    site.layer->add_module(child_name(adapter->kind(), site, layer_paths.at(site.layer)), adapter);
    adapter->attach();
    adapter->set_log_norms(config.log_norms);
    adapter->train(site.layer->training());  // an eval-mode model gets a merged adapter
    if (config.bias == AdapterBias::lora_only && site.layer->bias().defined()) {
      Variable bias = site.layer->bias();
      bias.set_requires_grad(true);
    }
    adapters.push_back(std::move(adapter));
  }
  if (config.bias == AdapterBias::all)
    for (auto& [name, p] : params)
      if (name == "bias" || (name.size() > 5 && name.compare(name.size() - 5, 5, ".bias") == 0))
        p.set_requires_grad(true);
  // `params` was listed before the adapters were attached: these globs name base parameters only.
  set_requires_grad_matching(params, config.train, true, "adapter.train");
  return adapters;
}

std::vector<LowRankAdapter*> find_adapters(Module& model) {
  std::vector<LowRankAdapter*> out;
  for (const auto& [path, m] : model.named_modules())
    if (auto* a = dynamic_cast<LowRankAdapter*>(m)) out.push_back(a);
  return out;
}

std::vector<std::pair<std::string, double>> take_adapter_out_max(Module& model) {
  std::vector<std::pair<std::string, double>> out;
  for (LowRankAdapter* a : find_adapters(model))
    out.emplace_back("adapter_out_max/" + a->site().name, a->take_out_max());
  return out;
}

namespace {

// Detaches every adapter of `model` (hook and child), first merging it into its weight when `merge`.
void remove_adapters(Module& model, bool merge) {
  std::vector<std::pair<std::string, LowRankAdapter*>> found;
  for (const auto& [path, m] : model.named_modules())
    if (auto* a = dynamic_cast<LowRankAdapter*>(m)) found.emplace_back(path.substr(path.rfind('.') + 1), a);
  for (auto& [child, adapter] : found) {
    if (merge && !adapter->merged()) adapter->merge();
    if (!merge && adapter->merged()) adapter->unmerge();
    Linear* layer = adapter->site().layer;
    adapter->detach();            // drops the hook's reference
    layer->remove_module(child);  // and the tree's: the adapter is gone
  }
}

}  // namespace

void merge_and_remove_adapters(Module& model) { remove_adapters(model, true); }

void drop_adapters(Module& model) { remove_adapters(model, false); }

std::string base_fingerprint(Module& model) {
  for (LowRankAdapter* a : find_adapters(model))
    SF_CHECK(!a->merged(), "base_fingerprint: adapter ", a->site().name, " is merged into the base; unmerge first");
  std::vector<NamedParameter> params = model.named_parameters();
  std::sort(params.begin(), params.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  Sha256 h;
  for (const auto& [name, p] : params) {
    if (p.requires_grad()) continue;
    const Tensor t = p.data().to(Device::cpu()).contiguous();
    h.update(name);
    h.update(std::string_view("\0", 1));
    h.update(dtype_name(t.dtype()));
    for (int64_t d : t.shape()) h.update(&d, sizeof d);  // little-endian on every supported host
    h.update(t.raw_data(), t.nbytes());
  }
  return h.hex_digest();
}

}  // namespace sf
