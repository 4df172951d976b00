// The run configuration: one struct per recipe section, fields 1:1 with YAML keys, defaults
// after nanoGPT's shakespeare_char config sized for a CPU. A new built-in section is a struct with
// visit() and validate() plus one v(...) line in its parent's visit(). A mixer's own keys (model.ssm,
// model.rnn) are not listed here: the mixer's folder registers its section (config/section_registry.h).
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/adapter_config.h"
#include "config/optim_sections.h"
#include "config/registered_sections.h"
#include "config/schema.h"
#include "config/validator.h"

namespace sf {

enum class NormKind { layernorm, rmsnorm };
enum class MlpKind { gelu, swiglu, blockdiag_glu, monarch_glu, none };
enum class GeluKind { erf, tanh };
enum class PosKind { learned, sinusoidal, rope, alibi, none };
enum class TokenizerKind { character, byte, sentencepiece };
enum class SpsaSchedule { constant, linear };
enum class MezoObjective { loss, accuracy };
enum class OptimizerKind { adamw, sgd, mezo, lamb, mkor };
enum class ScheduleKind { cosine, constant, linear };
enum class BackendKind { automatic, mpi, nccl };
enum class BlockKind { transformer, plain, bare };
enum class InitKind { gpt2, pytorch };
enum class Precision { fp32, bf16 };
enum class ModelArch { sequence, autoencoder };
enum class Activation { tanh, relu, gelu, sigmoid };

constexpr std::array<std::string_view, 2> enum_names(NormKind) { return {"layernorm", "rmsnorm"}; }
constexpr std::array<std::string_view, 5> enum_names(MlpKind) {
  return {"gelu", "swiglu", "blockdiag_glu", "monarch_glu", "none"};
}
constexpr std::array<std::string_view, 2> enum_names(GeluKind) { return {"erf", "tanh"}; }
constexpr std::array<std::string_view, 5> enum_names(PosKind) {
  return {"learned", "sinusoidal", "rope", "alibi", "none"};
}
constexpr std::array<std::string_view, 3> enum_names(TokenizerKind) { return {"char", "byte", "sentencepiece"}; }
constexpr std::array<std::string_view, 2> enum_names(SpsaSchedule) { return {"constant", "linear"}; }
constexpr std::array<std::string_view, 2> enum_names(MezoObjective) { return {"loss", "accuracy"}; }
constexpr std::array<std::string_view, 5> enum_names(OptimizerKind) { return {"adamw", "sgd", "mezo", "lamb", "mkor"}; }
constexpr std::array<std::string_view, 3> enum_names(ScheduleKind) { return {"cosine", "constant", "linear"}; }
constexpr std::array<std::string_view, 3> enum_names(BackendKind) { return {"auto", "mpi", "nccl"}; }
constexpr std::array<std::string_view, 3> enum_names(BlockKind) { return {"transformer", "plain", "bare"}; }
constexpr std::array<std::string_view, 2> enum_names(InitKind) { return {"gpt2", "pytorch"}; }
constexpr std::array<std::string_view, 2> enum_names(Precision) { return {"fp32", "bf16"}; }
constexpr std::array<std::string_view, 2> enum_names(ModelArch) { return {"sequence", "autoencoder"}; }
constexpr std::array<std::string_view, 4> enum_names(Activation) { return {"tanh", "relu", "gelu", "sigmoid"}; }

// model.autoencoder: the fully connected autoencoder of model.arch: autoencoder (layers/autoencoder.h), the
// deep autoencoder of MKOR's inversion-frequency study (spec optim.md §4.10 a) by default.
struct AutoencoderConfig {
  std::vector<int64_t> widths{256, 128, 64, 16, 64, 128, 256};
  Activation activation = Activation::tanh;

  template <class V>
  void visit(V& v) {
    v("widths", widths,
      "layer widths, input first: a Linear with bias (torch.nn.Linear's init) between each neighbouring pair; the "
      "first and the last must equal data.task.dim");
    v("activation", activation, "nonlinearity between the Linears (none after the last): tanh, relu, gelu (erf), sigmoid");
  }
  void validate(const Validator& v) const;
  bool operator==(const AutoencoderConfig&) const = default;
};

struct ModelConfig {
  ModelArch arch = ModelArch::sequence;
  AutoencoderConfig autoencoder;
  std::string mixer = "attention";
  std::vector<std::string> layers;
  BlockKind block = BlockKind::transformer;
  int64_t n_layer = 4;
  int64_t n_head = 4;
  int64_t n_embd = 128;
  int64_t block_size = 64;
  int64_t vocab_size = 0;
  double dropout = 0.0;
  bool bias = false;
  NormKind norm = NormKind::layernorm;
  double norm_eps = 1e-5;
  MlpKind mlp = MlpKind::gelu;
  int64_t mlp_ratio = 4;
  int64_t mlp_blocks = 4;
  GeluKind gelu = GeluKind::erf;
  PosKind pos = PosKind::learned;
  double rope_base = 10000.0;
  int64_t attn_window = 0;
  bool tie_embeddings = true;
  InitKind init = InitKind::gpt2;
  double init_std = 0.02;
  bool residual_scale = false;
  RegisteredSections sections{"model"};  // the mixers' own sections: model.ssm, model.rnn, ...

  template <class V>
  void visit(V& v) {
    v("arch", arch,
      "model family: sequence (a language model over tokens: every key of this section but autoencoder) or "
      "autoencoder (rows of numbers in, their reconstruction out: model.autoencoder, data.dataset: lowrank_gaussian)");
    v("autoencoder", autoencoder, "the autoencoder's layers (model.arch: autoencoder)");
    v("mixer", mixer, "sequence mixer of every block, by registry name (attention, mamba, ...), unless model.layers is set");
    v("layers", layers,
      "a hybrid stack: the mixer of each block in order, exactly model.n_layer names ([attention, mamba, ...]); "
      "empty = model.mixer for every block");
    v("block", block,
      "the block around each mixer: transformer = x + Mixer(Norm(x)), then x + MLP(Norm(x)) (model.mlp); "
      "plain = x + Mixer(Norm(x)) alone (model.mlp unused); bare = x <- Mixer(x), no norm, residual, MLP or dropout "
      "(the GAM paper's Mamba baseline)");
    v("n_layer", n_layer, "number of blocks");
    v("n_head", n_head, "attention heads per block; must divide n_embd");
    v("n_embd", n_embd, "width of the residual stream");
    v("block_size", block_size, "longest context: size of the positional table and causal mask");
    v("vocab_size", vocab_size, "token vocabulary; 0 = taken from the tokenizer");
    v("dropout", dropout, "dropout probability in [0, 1)");
    v("bias", bias, "biases in linear layers and norms");
    v("norm", norm, "normalisation layer");
    v("norm_eps", norm_eps, "epsilon added to the variance in norms");
    v("mlp", mlp,
      "feed-forward block: gelu (GPT-2), swiglu (LLaMA), blockdiag_glu / monarch_glu (M2's GLU with "
      "block-diagonal / Monarch weights, layers/mlp.h), none");
    v("mlp_ratio", mlp_ratio, "feed-forward hidden width = mlp_ratio * n_embd (gelu, blockdiag_glu, monarch_glu)");
    v("mlp_blocks", mlp_blocks,
      "blocks of the block-diagonal weights of mlp: blockdiag_glu (must divide n_embd); refused with any other mlp");
    v("gelu", gelu, "GELU form: exact (erf) or the tanh approximation");
    v("pos", pos, "positional encoding");
    v("rope_base", rope_base, "RoPE frequency base");
    v("attn_window", attn_window,
      "sliding-window attention: each query of an attention block sees the attn_window newest tokens, itself "
      "included (training, evaluation and generation; the KV cache keeps that many); 0 = all up to block_size");
    v("tie_embeddings", tie_embeddings, "share the token embedding with the output head");
    v("init", init,
      "weights of embeddings, head, attention and MLP: gpt2 = N(0, init_std^2), residual projections scaled by "
      "1/sqrt(2 n_layer), biases 0; pytorch = torch.nn defaults (Linear U(+-1/sqrt(fan_in)), Embedding N(0, 1))");
    v("init_std", init_std, "standard deviation of the normal weight init (model.init: gpt2)");
    v("residual_scale", residual_scale,
      "learn a per-channel scale s (init 1) on the mixer's residual: x <- s * x + Mixer(Norm(x)) (ParaRNN's block)");
    sections.each(v);
  }
  void validate(const Validator& v) const;
  bool operator==(const ModelConfig&) const = default;

  // The mixer of block `layer` (0-based): model.layers[layer], or model.mixer when layers is empty.
  const std::string& mixer_of(int64_t layer) const;
  // The mixers the blocks name: model.layers, or model.mixer alone when it is empty.
  std::vector<std::string> block_mixers() const;
  // A mixer's own section (model.ssm is SsmConfig, registered by layers/ssm/).
  template <class S>
  S& section() {
    return sections.get<S>();
  }
  template <class S>
  const S& section() const {
    return sections.get<S>();
  }
};

// Parameters of the synthetic tasks (data.dataset names the task; data/synthetic/generators.h). Sequence
// length is train.seq_len; each task uses the keys it needs. lowrank_gaussian (data/synthetic/lowrank_gaussian.h,
// rows of numbers for model.arch: autoencoder) reads dim, rank, noise, train_examples and eval_examples only.
struct TaskConfig {
  int64_t vocab_size = 16;      // token alphabet of the task, special tokens included
  int64_t eval_len = 0;         // sequence length of evaluation batches; 0 = train.seq_len
  int64_t n_memorize = 16;      // selective copying: data tokens to copy
  int64_t n_kv = 8;             // associative recall: key-value pairs
  int64_t hops = 2;             // k-hop: chain length
  int64_t keep_n = 5;           // keep-nth: which token (1-based) to report
  double passkey_depth = -1;    // passkey: where the key sits, a fraction of the haystack; < 0 = random
  int64_t train_examples = 0;   // a fixed training set of this many sequences; 0 = fresh ones every batch
  int64_t eval_examples = 512;  // size of the fixed evaluation set
  int64_t curriculum_min_len = 0;  // length curriculum: first training length; 0 = off
  int64_t curriculum_steps = 0;    // steps over which the training length grows to train.seq_len
  int64_t dim = 256;               // lowrank_gaussian: width of a row
  int64_t rank = 16;               // lowrank_gaussian: rank of the Gaussian
  double noise = 0.1;              // lowrank_gaussian: standard deviation of the added noise

  template <class V>
  void visit(V& v) {
    v("vocab_size", vocab_size, "task alphabet size, special tokens included");
    v("eval_len", eval_len, "evaluation sequence length; 0 = train.seq_len (length generalisation when larger)");
    v("n_memorize", n_memorize, "selective copying: number of data tokens to copy");
    v("n_kv", n_kv, "associative recall: key-value pairs per sequence");
    v("hops", hops, "k-hop: number of hops");
    v("keep_n", keep_n, "keep-nth: position (1-based) of the token to report");
    v("passkey_depth", passkey_depth,
      "passkey: where the key starts, a fraction of the haystack in [0, 1] (0 = first token, 1 = right before "
      "the query); negative = uniformly random per example");
    v("train_examples", train_examples, "fixed training set size; 0 = a fresh sample for every batch");
    v("eval_examples", eval_examples, "fixed evaluation set size");
    v("curriculum_min_len", curriculum_min_len,
      "length curriculum: training sequences start this long and grow geometrically to train.seq_len; 0 = off");
    v("curriculum_steps", curriculum_steps, "length curriculum: steps until the training length reaches train.seq_len");
    v("dim", dim, "lowrank_gaussian: width of each row (the autoencoder's input and output)");
    v("rank", rank, "lowrank_gaussian: rows are z B with z ~ N(0, I_rank) and a fixed B (rank x dim, entries N(0, 1/rank))");
    v("noise", noise, "lowrank_gaussian: standard deviation of the Gaussian noise added to every entry");
  }
  void validate(const Validator& v) const;
  bool operator==(const TaskConfig&) const = default;
};

struct DataConfig {
  std::string dataset = "text";
  std::string path;
  std::string val_path = "";
  std::vector<std::string> source;
  std::vector<std::string> val_source;
  TokenizerKind tokenizer = TokenizerKind::character;
  std::string tokenizer_model = "";
  double train_fraction = 0.9;
  TaskConfig task;

  template <class V>
  void visit(V& v) {
    v("dataset", dataset,
      "dataset kind: text (a corpus file), shards (token shards from seqforge prepare-data), bin (llm.c token "
      "files), a synthetic task name, or lowrank_gaussian (rows of numbers for model.arch: autoencoder)");
    v("path", path,
      "text: the training corpus; shards: the directory of manifest.json and the shards (prepare-data writes it); "
      "bin: the training .bin file, or a glob of several");
    v("val_path", val_path, "validation corpus (text) or .bin file(s) (bin); empty = the tail of path");
    v("source", source,
      "shards: the text files (files, directories, globs) seqforge prepare-data tokenizes into data.path; training "
      "checks that the manifest was prepared from them");
    v("val_source", val_source, "shards: text files prepare-data tokenizes into the validation split; empty = the "
      "tail of data.source");
    v("tokenizer", tokenizer,
      "tokenizer: char, byte, or sentencepiece (BPE / unigram, from tokenizer_model); shards take theirs from the "
      "manifest, which must match");
    v("tokenizer_model", tokenizer_model,
      "SentencePiece model file (seqforge tokenizer train); only with tokenizer: sentencepiece");
    v("train_fraction", train_fraction,
      "share of the tokens used for training when no validation data is named (val_path, val_source)");
    v("task", task, "synthetic task parameters (when dataset names a task, or lowrank_gaussian)");
  }
  void validate(const Validator& v) const;
  bool operator==(const DataConfig&) const = default;
};

// optim.mezo: the zeroth-order optimizer's own keys (optim/mezo.h; read only with optim.name: mezo).
struct MezoConfig {
  double eps = 1e-3;
  int64_t n_spsa = 1;
  SpsaSchedule n_schedule = SpsaSchedule::constant;
  bool fused_update = false;
  MezoObjective objective = MezoObjective::loss;

  template <class V>
  void visit(V& v) {
    v("eps", eps, "perturbation scale: the loss is read at theta +- eps*z (not AdamW's optim.eps)");
    v("n_spsa", n_spsa, "random directions averaged per step (n-SPSA)");
    v("n_schedule", n_schedule, "directions at step t: constant = n_spsa; linear = max(1, floor(t / train.steps * n_spsa))");
    v("fused_update", fused_update,
      "merge the last restore with the update (3 regenerations of z instead of 4; the same numbers)");
    v("objective", objective,
      "what the two forwards measure: loss (cross-entropy), or accuracy (minimises -accuracy; tasks only)");
  }
  void validate(const Validator& v) const;
  bool operator==(const MezoConfig&) const = default;
};

struct OptimConfig {
  OptimizerKind name = OptimizerKind::adamw;
  double lr = 1e-3;
  double min_lr = 1e-4;
  double weight_decay = 0.1;
  bool decay_all = false;
  double beta1 = 0.9;
  double beta2 = 0.99;
  double eps = 1e-8;
  double momentum = 0.9;
  bool nesterov = false;
  double grad_clip = 1.0;
  ScheduleKind schedule = ScheduleKind::cosine;
  int64_t warmup_steps = 100;
  int64_t decay_steps = 0;
  MezoConfig mezo;
  LambConfig lamb;  // optim.name: lamb, or mkor.backbone: lamb
  MkorConfig mkor;  // optim.name: mkor

  template <class V>
  void visit(V& v) {
    v("name", name, "optimizer: adamw, sgd, or mezo (zeroth-order: two forward passes a step, no backward)");
    v("lr", lr, "peak learning rate");
    v("min_lr", min_lr, "learning rate at the end of the decay");
    v("weight_decay", weight_decay, "decoupled weight decay (matrices and embeddings; every tensor with decay_all)");
    v("decay_all", decay_all,
      "decay biases and norm gains too, as torch.optim.AdamW(model.parameters()) does; false = nanoGPT's grouping");
    v("beta1", beta1, "AdamW / LAMB first-moment decay");
    v("beta2", beta2, "AdamW / LAMB second-moment decay");
    v("eps", eps, "AdamW / LAMB denominator epsilon");
    v("momentum", momentum, "SGD momentum");
    v("nesterov", nesterov, "SGD Nesterov momentum");
    v("grad_clip", grad_clip, "clip the global gradient norm to this; 0 = off");
    v("schedule", schedule, "learning-rate schedule after warmup");
    v("warmup_steps", warmup_steps, "linear warmup steps");
    v("decay_steps", decay_steps, "steps until min_lr; 0 = train.steps");
    v("mezo", mezo, "MeZO's own keys (optim.name: mezo)");
    v("lamb", lamb, "LAMB's own keys (also as MKOR's backbone)");
    v("mkor", mkor, "MKOR: Kronecker-factored preconditioning in front of a first-order backbone");
  }
  void validate(const Validator& v) const;
  bool operator==(const OptimConfig&) const = default;
};

struct TrainConfig {
  int64_t steps = 2000;
  int64_t batch_size = 12;
  int64_t seq_len = 64;
  int64_t grad_accum = 1;
  int64_t eval_every = 250;
  int64_t eval_batches = 20;
  int64_t log_every = 10;
  int64_t checkpoint_every = 500;
  int64_t seed = 1337;
  int64_t threads = 0;
  std::string device = "cpu";
  Precision matmul_precision = Precision::fp32;
  std::string init_from = "";
  int64_t max_bad_steps = 5;

  template <class V>
  void visit(V& v) {
    v("steps", steps, "optimizer steps to run");
    v("batch_size", batch_size, "sequences per micro-batch");
    v("seq_len", seq_len, "tokens per training sequence; at most model.block_size");
    v("grad_accum", grad_accum, "micro-batches per optimizer step");
    v("eval_every", eval_every, "steps between validation runs");
    v("eval_batches", eval_batches, "batches per validation run");
    v("log_every", log_every, "steps between metric lines");
    v("checkpoint_every", checkpoint_every, "steps between checkpoints; 0 = only at the end");
    v("seed", seed, "seed of every random stream");
    v("threads", threads, "CPU threads; 0 = all cores");
    v("device", device, "cpu; cuda and cuda:N are refused until the CUDA backend trains models");
    v("matmul_precision", matmul_precision,
      "fp32, or bf16: CPU GEMM operands rounded to bfloat16, fp32 accumulation (like torch.autocast)");
    v("init_from", init_from, "checkpoint to start from (fine-tuning); empty = fresh init");
    v("max_bad_steps", max_bad_steps, "consecutive NaN/Inf steps skipped before giving up");
  }
  void validate(const Validator& v) const;
  bool operator==(const TrainConfig&) const = default;
};

struct CheckpointConfig {
  int64_t keep_last = 3;
  std::vector<int64_t> milestones;
  bool save_optimizer = true;

  template <class V>
  void visit(V& v) {
    v("keep_last", keep_last, "rolling checkpoints kept; 0 = keep all");
    v("milestones", milestones, "steps whose checkpoints are kept for good");
    v("save_optimizer", save_optimizer,
      "store the optimizer state in checkpoints; false = weights only (release artefacts, a third the size with "
      "AdamW): such a checkpoint cannot be resumed, only started from with train.init_from");
  }
  void validate(const Validator& v) const;
  bool operator==(const CheckpointConfig&) const = default;
};

struct DistributedConfig {
  double bucket_mb = 25.0;
  double timeout_s = 60.0;
  BackendKind backend = BackendKind::automatic;

  template <class V>
  void visit(V& v) {
    v("bucket_mb", bucket_mb, "gradient all-reduce bucket size in MiB");
    v("timeout_s", timeout_s, "seconds before a stuck collective is an error");
    v("backend", backend, "auto = NCCL for CUDA tensors, MPI for CPU tensors");
  }
  void validate(const Validator& v) const;
  bool operator==(const DistributedConfig&) const = default;
};

// A whole run. Besides the sections a recipe may hold `defaults:` (resolved by the loader).
struct RunConfig {
  ModelConfig model;
  DataConfig data;
  OptimConfig optim;
  TrainConfig train;
  CheckpointConfig checkpoint;
  DistributedConfig distributed;
  AdapterConfig adapter;

  template <class V>
  void visit(V& v) {
    v("model", model, "architecture");
    v("data", data, "corpus and tokenizer");
    v("optim", optim, "optimizer and learning-rate schedule");
    v("train", train, "training loop");
    v("checkpoint", checkpoint, "checkpoint retention and contents");
    v("distributed", distributed, "data-parallel training");
    v("adapter", adapter, "parameter-efficient fine-tuning: LoRA / NOLA adapters, or freezing (config/adapter_config.h)");
  }
  // Every section's checks (validate_sections: each section's own validate(), registered ones
  // included), then those across sections; `where` names the file and line of a bad key in the message.
  void validate(const Provenance& where = {}) const;
  bool operator==(const RunConfig&) const = default;

 private:
  // model.arch against the rest: each family's keys only with it, the autoencoder's data and widths.
  void check_model_family(const Provenance& where) const;
};

// The datasets that read tokens (a corpus, shards, llm.c files), as opposed to a synthetic task.
bool is_token_dataset(std::string_view dataset);
// The datasets of rows of real numbers rather than tokens (lowrank_gaussian), for model.arch: autoencoder.
bool is_vector_dataset(std::string_view dataset);

// The keys that name files, with their fields: the loader makes them absolute (config/loader.h). A list
// (data.source) gives one entry per element, under the list's key.
std::vector<std::pair<std::string_view, std::string*>> path_fields(RunConfig& config);

// The schema as text, one key a line: key, type, default, description (for --help-config).
std::string run_config_help();

}  // namespace sf
