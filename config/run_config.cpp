#include "config/run_config.h"

#include <algorithm>
#include <cmath>
#include <regex>
#include <set>

#include "config/config_diff.h"
#include "config/edit_distance.h"
#include "config/section_registry.h"
#include "core/error.h"

namespace sf {

namespace {

using detail::cat;

const std::string kPositive = "must be > 0";
const std::string kNonNegative = "must be >= 0";
const std::string kUnitOpen = "must be in [0, 1)";

// "" when `name` is a registered mixer, else why not.
std::string unknown_mixer(const std::string& name) {
  const std::vector<std::string>& names = registered_mixer_names();
  if (std::find(names.begin(), names.end(), name) != names.end()) return "";
  std::string known;
  for (const std::string& n : names) known += (known.empty() ? "" : ", ") + n;
  return cat("'", name, "' is not a registered mixer", did_you_mean(name, names), " (registered: ", known, ")");
}

}  // namespace

const std::string& ModelConfig::mixer_of(int64_t layer) const {
  return layers.empty() ? mixer : layers.at(static_cast<size_t>(layer));
}

std::vector<std::string> ModelConfig::block_mixers() const { return layers.empty() ? std::vector{mixer} : layers; }

void ModelConfig::validate(const Validator& v) const {
  const std::string bad_mixer = unknown_mixer(mixer);
  v.require(bad_mixer.empty(), "mixer", mixer, bad_mixer);
  for (size_t i = 0; i < layers.size(); ++i) {
    const std::string bad = unknown_mixer(layers[i]);
    v.require(bad.empty(), "layers", layers, cat("entry ", i + 1, ": ", bad));
  }
  v.require(n_layer > 0, "n_layer", n_layer, kPositive);
  v.require(layers.empty() || static_cast<int64_t>(layers.size()) == n_layer, "layers", layers,
            cat("has ", layers.size(), " entries but model.n_layer = ", n_layer, "; name one mixer per block"));
  // Plain and bare blocks have no MLP: a model.mlp written for them would be accepted and do nothing.
  v.require(block == BlockKind::transformer || mlp == MlpKind::none || !v.is_set("mlp"), "mlp", mlp,
            cat("model.block: ", enum_name(block), " has no MLP; remove model.mlp (or set it to none), or use model.block: transformer"));
  v.require(block != BlockKind::bare || !residual_scale, "residual_scale", residual_scale,
            "model.block: bare has no residual to scale");
  v.require(n_head > 0, "n_head", n_head, kPositive);
  v.require(n_embd > 0, "n_embd", n_embd, kPositive);
  v.require(n_embd % n_head == 0, "n_embd", n_embd, cat("must be a multiple of model.n_head (", n_head, ")"));
  v.require(block_size > 0, "block_size", block_size, kPositive);
  v.require(vocab_size >= 0, "vocab_size", vocab_size, "must be >= 0 (0 = from the tokenizer)");
  v.require(dropout >= 0 && dropout < 1, "dropout", dropout, kUnitOpen);
  v.require(norm_eps > 0, "norm_eps", norm_eps, kPositive);
  v.require(mlp_ratio > 0, "mlp_ratio", mlp_ratio, kPositive);
  v.require(mlp_blocks > 0, "mlp_blocks", mlp_blocks, kPositive);
  const bool has_mlp = block == BlockKind::transformer && mlp != MlpKind::none;
  const std::string mlp_text = has_mlp ? cat("model.mlp: ", enum_name(mlp)) : std::string("no MLP");
  // Only blockdiag_glu reads mlp_blocks: another value with any other MLP would be accepted and do nothing.
  v.require(mlp_blocks == ModelConfig{}.mlp_blocks || (has_mlp && mlp == MlpKind::blockdiag_glu), "mlp_blocks",
            mlp_blocks,
            cat("is only read by model.mlp: blockdiag_glu (the model has ", mlp_text, "); remove it"));
  // mlp_ratio and gelu size and shape the GELU MLPs; SwiGLU has its own width and activation.
  const bool gelu_mlp = has_mlp && mlp != MlpKind::swiglu;
  v.require(mlp_ratio == ModelConfig{}.mlp_ratio || gelu_mlp, "mlp_ratio", mlp_ratio,
            cat("is only read by the gelu, blockdiag_glu and monarch_glu MLPs (the model has ", mlp_text, "); remove it"));
  v.require(gelu == ModelConfig{}.gelu || gelu_mlp, "gelu", gelu,
            cat("is only read by the gelu, blockdiag_glu and monarch_glu MLPs (the model has ", mlp_text, "); remove it"));
  const int64_t hidden = mlp_ratio * n_embd;
  v.require(mlp != MlpKind::blockdiag_glu || (mlp_blocks > 0 && n_embd % mlp_blocks == 0 && hidden % mlp_blocks == 0),
            "mlp_blocks", mlp_blocks,
            cat("must divide model.n_embd (", n_embd, ") and the hidden width model.mlp_ratio * model.n_embd (", hidden,
                ") for model.mlp: blockdiag_glu"));
  const auto root = static_cast<int64_t>(std::llround(std::sqrt(static_cast<double>(n_embd))));
  v.require(mlp != MlpKind::monarch_glu || root * root == n_embd, "mlp", mlp,
            cat("needs model.n_embd = b² (16, 64, 256, 1024, ...) for its Monarch weights, but model.n_embd is ",
                n_embd, "; use blockdiag_glu, or a square width"));
  v.require(rope_base > 1, "rope_base", rope_base, "must be > 1");
  v.require(attn_window >= 0, "attn_window", attn_window, "must be >= 0 (0 = full causal attention)");
  const auto windowed = [](const std::string& m) { return m == "attention" || m == "titans_mag" || m == "titans_mal"; };
  v.require(attn_window == 0 || std::ranges::any_of(block_mixers(), windowed), "attn_window", attn_window,
            "is only read by the attention, titans_mag and titans_mal mixers and no block uses one; remove it");
  v.require(pos != PosKind::rope || (n_embd / n_head) % 2 == 0, "pos", pos,
            cat("needs an even head size, but model.n_embd / model.n_head = ", n_embd / n_head));
  v.require(init_std > 0, "init_std", init_std, kPositive);
  v.require(init == InitKind::gpt2 || !v.is_set("init_std"), "init_std", init_std,
            "is read only with model.init: gpt2 (model.init: pytorch draws from torch.nn's defaults)");
}

bool is_token_dataset(std::string_view dataset) { return dataset == "text" || dataset == "shards" || dataset == "bin"; }

bool is_vector_dataset(std::string_view dataset) { return dataset == "lowrank_gaussian"; }

void AutoencoderConfig::validate(const Validator& v) const {
  v.require(widths.size() >= 2, "widths", widths, "needs at least two widths (input and output)");
  v.require(std::ranges::all_of(widths, [](int64_t w) { return w > 0; }), "widths", widths, "must all be > 0");
}

void DataConfig::validate(const Validator& v) const {
  v.require(!dataset.empty(), "dataset", dataset, "must name a dataset");
  const bool spm = tokenizer == TokenizerKind::sentencepiece;
  v.require(!spm || !tokenizer_model.empty(), "tokenizer_model", tokenizer_model,
            "tokenizer: sentencepiece needs its model file (train one with `seqforge tokenizer train`)");
  v.require(spm || tokenizer_model.empty(), "tokenizer_model", tokenizer_model,
            "is only read with tokenizer: sentencepiece");
  const bool shards = dataset == "shards";
  const std::string prepare_only =
      cat("is read by seqforge prepare-data for data.dataset: shards; data.dataset is ", dataset);
  v.require(shards || source.empty(), "source", source, prepare_only);
  v.require(shards || val_source.empty(), "val_source", val_source, prepare_only);
  v.require(val_source.empty() || !source.empty(), "val_source", val_source,
            "needs data.source: the text files of the train split");
  v.require(!shards || val_path.empty(), "val_path", val_path,
            "shards hold their own validation split; name its text files in data.val_source and run seqforge "
            "prepare-data");
  v.require(dataset != "bin" || tokenizer != TokenizerKind::character, "tokenizer", tokenizer,
            "an llm.c .bin file carries no text to build a char vocabulary from: name the tokenizer its ids "
            "belong to (byte, or sentencepiece with data.tokenizer_model), or prepare shards from the text");
  if (val_path.empty() && val_source.empty()) {
    v.require(train_fraction > 0 && train_fraction < 1, "train_fraction", train_fraction,
              "must be in (0, 1) to leave a validation split (or set data.val_path / data.val_source)");
  } else {
    v.require(train_fraction > 0 && train_fraction <= 1, "train_fraction", train_fraction,
              "must be in (0, 1]");
  }
}

void TaskConfig::validate(const Validator& v) const {
  v.require(vocab_size >= 2, "vocab_size", vocab_size, "must be >= 2");
  v.require(eval_len >= 0, "eval_len", eval_len, "must be >= 0");
  v.require(n_memorize >= 1, "n_memorize", n_memorize, "must be >= 1");
  v.require(n_kv >= 1, "n_kv", n_kv, "must be >= 1");
  v.require(hops >= 1, "hops", hops, "must be >= 1");
  v.require(keep_n >= 1, "keep_n", keep_n, "must be >= 1");
  v.require(passkey_depth <= 1, "passkey_depth", passkey_depth,
            "must be <= 1 (a fraction of the haystack; negative = random per example)");
  v.require(train_examples >= 0, "train_examples", train_examples, "must be >= 0");
  v.require(eval_examples >= 1, "eval_examples", eval_examples, "must be >= 1");
  v.require(curriculum_min_len >= 0, "curriculum_min_len", curriculum_min_len, "must be >= 0 (0 = off)");
  v.require(curriculum_steps >= 0, "curriculum_steps", curriculum_steps, "must be >= 0");
  v.require(curriculum_min_len == 0 || curriculum_steps > 0, "curriculum_steps", curriculum_steps,
            "must be > 0 when data.task.curriculum_min_len is set");
  v.require(dim >= 1, "dim", dim, "must be >= 1");
  v.require(rank >= 1 && rank <= dim, "rank", rank, cat("must be in [1, data.task.dim = ", dim, "]"));
  v.require(noise >= 0, "noise", noise, kNonNegative);
}

void OptimConfig::validate(const Validator& v) const {
  v.require(lr > 0, "lr", lr, kPositive);
  v.require(min_lr >= 0 && min_lr <= lr, "min_lr", min_lr, cat("must be in [0, optim.lr = ", scalar_text(lr), "]"));
  v.require(weight_decay >= 0, "weight_decay", weight_decay, kNonNegative);
  v.require(beta1 >= 0 && beta1 < 1, "beta1", beta1, kUnitOpen);
  v.require(beta2 >= 0 && beta2 < 1, "beta2", beta2, kUnitOpen);
  v.require(eps > 0, "eps", eps, kPositive);
  v.require(momentum >= 0 && momentum < 1, "momentum", momentum, kUnitOpen);
  v.require(grad_clip >= 0, "grad_clip", grad_clip, "must be >= 0 (0 = off)");
  v.require(warmup_steps >= 0, "warmup_steps", warmup_steps, kNonNegative);
  v.require(decay_steps >= 0, "decay_steps", decay_steps, "must be >= 0 (0 = train.steps)");
}

void MezoConfig::validate(const Validator& v) const {
  v.require(eps > 0, "eps", eps, kPositive);
  v.require(n_spsa > 0, "n_spsa", n_spsa, kPositive);
}

void TrainConfig::validate(const Validator& v) const {
  v.require(steps > 0, "steps", steps, kPositive);
  v.require(batch_size > 0, "batch_size", batch_size, kPositive);
  v.require(seq_len > 0, "seq_len", seq_len, kPositive);
  v.require(grad_accum > 0, "grad_accum", grad_accum, kPositive);
  v.require(eval_every > 0, "eval_every", eval_every, kPositive);
  v.require(eval_batches > 0, "eval_batches", eval_batches, kPositive);
  v.require(log_every > 0, "log_every", log_every, kPositive);
  v.require(checkpoint_every >= 0, "checkpoint_every", checkpoint_every, "must be >= 0 (0 = only at the end)");
  v.require(threads >= 0, "threads", threads, "must be >= 0 (0 = all cores)");
  static const std::regex device_pattern("cpu|cuda(:[0-9]+)?");
  v.require(std::regex_match(device, device_pattern), "device", device, "must be cpu, cuda or cuda:N");
  v.require(max_bad_steps >= 0, "max_bad_steps", max_bad_steps, kNonNegative);
}

void CheckpointConfig::validate(const Validator& v) const {
  v.require(keep_last >= 0, "keep_last", keep_last, "must be >= 0 (0 = keep all)");
  v.require(std::all_of(milestones.begin(), milestones.end(), [](int64_t s) { return s > 0; }), "milestones",
            milestones, "must all be > 0");
}

void DistributedConfig::validate(const Validator& v) const {
  v.require(bucket_mb > 0, "bucket_mb", bucket_mb, kPositive);
  v.require(timeout_s > 0, "timeout_s", timeout_s, kPositive);
}

void RunConfig::validate(const Provenance& where) const {
  RunConfig copy = *this;  // visit() is non-const
  validate_sections(copy, "", where);

  const Validator t("train", where);
  const bool autoencoder = model.arch == ModelArch::autoencoder;
  t.require(autoencoder || train.seq_len <= model.block_size, "seq_len", train.seq_len,
            cat("must be <= model.block_size (", model.block_size, ")"));
  check_model_family(where);
  // A mixer family's section (model.ssm, model.rnn, ...) set away from its defaults while no block uses
  // one of the family's mixers would be accepted and do nothing.
  std::set<std::string> used;
  for (const std::string& m : model.block_mixers()) used.insert(mixer_section(m));
  std::set<std::string> family_sections;
  for (const SectionRegistration& r : registered_sections())
    if (r.parent == "model") family_sections.insert(r.key);
  const Validator m("model", where);
  for (const ConfigDifference& d : config_differences(RunConfig{}, *this)) {
    if (d.key.rfind("model.", 0) != 0) continue;
    const std::string rest = d.key.substr(6), section = rest.substr(0, rest.find('.'));
    if (!family_sections.contains(section) || used.contains(section)) continue;
    std::string readers;
    for (const std::string& name : registered_mixer_names())
      if (mixer_section(name) == section) readers += (readers.empty() ? "" : ", ") + name;
    if (readers.empty()) continue;  // a section no mixer reads is not a family's
    m.require_written(false, rest, d.after, cat("no block uses a mixer that reads model.", section, " (", readers, "); remove it"));
  }
  // Within model.titans, only titans_mac has segments.
  for (const ConfigDifference& d : config_differences(RunConfig{}, *this))
    if (d.key == "model.titans.segment")
      m.require_written(std::ranges::count(model.block_mixers(), "titans_mac") > 0, "titans.segment", d.after,
                        "is only read by titans_mac and no block uses it; remove it");
  // Each optimizer's own keys only with it; MeZO reads no gradient, so none of the keys that shape a backward.
  const Validator o("optim", where);
  const bool mezo = optim.name == OptimizerKind::mezo;
  const bool lamb_used = optim.name == OptimizerKind::lamb ||
                         (optim.name == OptimizerKind::mkor && optim.mkor.backbone == MkorBackbone::lamb);
  for (const ConfigDifference& d : config_differences(RunConfig{}, *this)) {
    if (d.key.rfind("optim.mezo.", 0) == 0)
      o.require_written(mezo, d.key.substr(6), d.after, cat("is read only with optim.name: mezo (optim.name is ",
                                                            enum_name(optim.name), "); remove it"));
    if (d.key.rfind("optim.mkor.", 0) == 0)
      o.require_written(optim.name == OptimizerKind::mkor, d.key.substr(6), d.after,
                        "is only read with optim.name: mkor; remove it");
    if (d.key.rfind("optim.lamb.", 0) == 0)
      o.require_written(lamb_used, d.key.substr(6), d.after,
                        "is only read by LAMB (optim.name: lamb, or mkor with optim.mkor.backbone: lamb); remove it");
  }
  o.require(!mezo || !o.is_set("grad_clip") || optim.grad_clip == 0, "grad_clip", optim.grad_clip,
            "MeZO has no gradient to clip; set it to 0 (a sweep over a clipped recipe) or remove it");
  o.require(optim.mezo.objective != MezoObjective::accuracy || !(is_token_dataset(data.dataset) || is_vector_dataset(data.dataset)), "mezo.objective",
            optim.mezo.objective, cat("accuracy is scored by synthetic tasks; data.dataset is ", data.dataset));
  t.require(!mezo || train.grad_accum == 1, "grad_accum", train.grad_accum,
            "must be 1 with optim.name: mezo (it moves the weights in place between its two forwards; use a larger "
            "train.batch_size or more ranks)");
  const Validator task("data.task", where);
  task.require(data.task.curriculum_min_len == 0 || !is_token_dataset(data.dataset), "curriculum_min_len",
               data.task.curriculum_min_len, cat("is for synthetic tasks; data.dataset is ", data.dataset));
  task.require(data.task.curriculum_min_len <= train.seq_len, "curriculum_min_len", data.task.curriculum_min_len,
               cat("must be <= train.seq_len (", train.seq_len, ")"));
}

void RunConfig::check_model_family(const Provenance& where) const {
  const Validator m("model", where), d("data", where), task("data.task", where), t("train", where);
  const std::vector<ConfigDifference> changed = config_differences(RunConfig{}, *this);
  const auto starts = [](const std::string& key, std::string_view prefix) { return key.rfind(prefix, 0) == 0; };
  const bool rows = is_vector_dataset(data.dataset), autoencoder = model.arch == ModelArch::autoencoder;
  // The model and its data first: each family reads its own kind of data.
  if (autoencoder) {
    m.require(rows, "arch", model.arch,
              cat("the autoencoder reconstructs rows of numbers: it needs data.dataset: lowrank_gaussian, but "
                  "data.dataset is ", data.dataset));
  } else {
    d.require(!rows, "dataset", data.dataset,
              "holds rows of numbers, not tokens: it is read only by model.arch: autoencoder (model.arch is sequence)");
  }
  // Then the keys only the other family reads, set away from their defaults: accepted, they would do nothing.
  static const std::set<std::string> kTokenTaskKeys{"vocab_size", "eval_len", "n_memorize", "n_kv", "hops", "keep_n",
                                                    "passkey_depth", "curriculum_min_len", "curriculum_steps"};
  static const std::set<std::string> kRowTaskKeys{"dim", "rank", "noise"};
  static const std::set<std::string> kTokenDataKeys{"path", "val_path", "tokenizer", "train_fraction"};
  for (const ConfigDifference& c : changed) {
    if (starts(c.key, "model.")) {
      const bool autoencoder_key = c.key == "model.arch" || starts(c.key, "model.autoencoder.");
      if (autoencoder && !autoencoder_key)
        m.require_written(false, c.key.substr(6), c.after,
                          "is a sequence model's key; model.arch: autoencoder reads only model.autoencoder; remove it");
      if (!autoencoder && starts(c.key, "model.autoencoder."))
        m.require_written(false, c.key.substr(6), c.after, "is read only with model.arch: autoencoder; remove it");
    } else if (starts(c.key, "data.task.")) {
      const std::string key = c.key.substr(10);
      if (rows && kTokenTaskKeys.contains(key))
        task.require_written(false, key, c.after,
                             cat("is read by the token tasks; data.dataset ", data.dataset, " does not read it; remove it"));
      if (!rows && kRowTaskKeys.contains(key))
        task.require_written(false, key, c.after,
                             cat("is read only by data.dataset: lowrank_gaussian (data.dataset is ", data.dataset,
                                 "); remove it"));
    } else if (rows && starts(c.key, "data.") && kTokenDataKeys.contains(c.key.substr(5))) {
      d.require_written(false, c.key.substr(5), c.after,
                        cat("is read by the token datasets (text, shards, bin); data.dataset ", data.dataset,
                            " generates its rows; remove it"));
    }
  }
  if (!autoencoder) return;
  const std::vector<int64_t>& w = model.autoencoder.widths;
  m.require(w.front() == data.task.dim && w.back() == data.task.dim, "autoencoder.widths", w,
            cat("the first and the last width must equal data.task.dim (", data.task.dim, "), the width of a row"));
  t.require(train.seq_len == TrainConfig{}.seq_len, "seq_len", train.seq_len,
            "the autoencoder reads rows, not sequences; remove it");
  const Validator a("adapter", where);
  a.require(adapter.kind == AdapterKind::none, "kind", adapter.kind,
            "adapters attach to a sequence model's layers; model.arch: autoencoder takes none");
}

std::vector<std::pair<std::string_view, std::string*>> path_fields(RunConfig& config) {
  std::vector<std::pair<std::string_view, std::string*>> fields{{"data.path", &config.data.path},
                                                                {"data.val_path", &config.data.val_path},
                                                                {"data.tokenizer_model", &config.data.tokenizer_model},
                                                                {"train.init_from", &config.train.init_from}};
  for (std::string& s : config.data.source) fields.emplace_back("data.source", &s);
  for (std::string& s : config.data.val_source) fields.emplace_back("data.val_source", &s);
  return fields;
}

std::string run_config_help() {
  std::string out;
  for (const SchemaEntry& e : schema_entries<RunConfig>()) {
    if (e.section) {
      out += cat("\n", e.key, ":  ", e.doc, "\n");
    } else {
      out += cat("  ", e.key, "  (", e.type, "; default ", e.value, ")  ", e.doc, "\n");
    }
  }
  return out.substr(1);
}

}  // namespace sf
