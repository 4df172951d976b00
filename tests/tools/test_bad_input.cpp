// Bad input, everywhere a user hands seqforge a file or a value: each case runs the built binary and
// expects a non-zero exit (1: a problem the user can fix, never a crash) and a message naming the
// problem. Every case also checks that the good checkpoint it could have touched is unchanged.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "data/h5_file.h"
#include "data/prepare_shards.h"
#include "train/checkpoint.h"
#include "seqforge_process.h"

namespace sf::test {
namespace {
namespace fs = std::filesystem;

struct Case {
  const char* name;
  const char* recipe;  // when non-null, written to {case}
  const char* args;    // placeholders: {dir} fixtures, {tiny} a good recipe, {case}, {ckpt} a good checkpoint,
                       // {ae} the shipped autoencoder recipe, {ae_ckpt} a checkpoint of it
  const char* phrase;  // a key phrase of the message
  int exit_code = 1;
  const char* env = "";
  bool error_only = false;  // the error is all it prints: refused before any work or output
};

const Case kCases[] = {
    // --- the recipe file --------------------------------------------------------------------
    {"recipe_missing", nullptr, "train {dir}/missing.yaml --dry-run", "cannot read recipe"},
    {"recipe_is_directory", nullptr, "train {dir} --dry-run", "is a directory"},
    {"yaml_duplicate_key", "model: {n_layer: 2}\nmodel: {n_head: 2}\n", "train {case} --dry-run", "duplicate key"},
    {"recipe_binary", "\x7f" "ELF\x02\x01\x01\x00\x00\x00\x00\xff\xfe\n", "train {case} --dry-run", "{case}"},
    {"yaml_malformed", "model: {n_layer: 2\n", "train {case} --dry-run", "malformed YAML"},
    {"yaml_not_a_map", "- just\n- a list\n", "train {case} --dry-run", "{case}"},
    {"unknown_section", "modle: {n_layer: 2}\n", "train {case} --dry-run", "model"},
    {"unknown_key_nearest", "model: {n_layers: 2}\n", "train {case} --dry-run", "n_layer"},
    {"wrong_type_int", "model: {n_layer: two}\n", "train {case} --dry-run", "n_layer"},
    {"wrong_type_bool", "model: {bias: maybe}\n", "train {case} --dry-run", "bias"},
    {"section_not_a_map", "train: 5\n", "train {case} --dry-run", "train"},
    {"unknown_enum_value", "model: {norm: batchnorm}\n", "train {case} --dry-run", "layernorm"},
    {"defaults_file_missing", "defaults: [model/no_such_model]\n", "train {case} --dry-run", "no_such_model"},
    {"sweep_refused", "model: {n_layer: 2}\nsweep: {optim.lr: [1.0e-3, 3.0e-4]}\n", "train {case} --dry-run",
     "{case}:2: 'sweep' belongs in a sweep file", 1, "", true},
    {"sweep_override_refused", nullptr, "train {tiny} sweep.optim.lr=[1.0e-3] --dry-run",
     "command line: 'sweep' belongs in a sweep file", 1, "", true},
    {"unknown_dataset", "data: {dataset: selective_copy}\n", "train {case} --dry-run",
     "{case}:1: data.dataset = \"selective_copy\": unknown dataset; did you mean 'selective_copying'? "
     "(text, shards, bin, or a task: copying, selective_copying,",
     1, "", true},
    {"unknown_dataset_override", nullptr, "train {tiny} data.dataset=induction_head --dry-run",
     "command line: data.dataset = \"induction_head\": unknown dataset; did you mean 'induction_heads'?", 1, "", true},
    {"text_dataset_without_corpus", "model: {n_layer: 1}\n", "train {case} --dry-run",
     "data.path = \"\": a text dataset needs its corpus file", 1, "", true},
    // --- values ------------------------------------------------------------------------------
    {"negative_lr", nullptr, "train {tiny} optim.lr=-0.1", "optim.lr = -0.1: must be > 0"},
    {"min_lr_above_lr", nullptr, "train {tiny} optim.min_lr=1", "optim.min_lr"},
    {"n_head_not_dividing_n_embd", nullptr, "train {tiny} model.n_head=3", "multiple of model.n_head"},
    {"seq_len_over_positional_table", nullptr, "train {tiny} train.seq_len=64", "model.block_size"},
    {"dropout_out_of_range", nullptr, "train {tiny} model.dropout=1.5", "model.dropout"},
    {"zero_steps", nullptr, "train {tiny} train.steps=0", "train.steps"},
    {"negative_threads", nullptr, "train {tiny} train.threads=-1", "train.threads"},
    {"unknown_device", nullptr, "train {tiny} train.device=tpu", "train.device"},
    // CUDA training is not built yet: refused before anything is built, never trained on the CPU instead.
    {"cuda_device", nullptr, "train {tiny} train.device=cuda --dry-run",
     "command line: train.device = \"cuda\": training on CUDA is not supported yet, seqforge trains on the CPU only "
     "(train.device: cpu); ", 1, "", true},
    {"cuda_device_index", nullptr, "train {tiny} train.device=cuda:3 --dry-run", "train.device = \"cuda:3\"", 1, "",
     true},
    {"cuda_device_in_recipe", "defaults: [data/tinyshakespeare]\ntrain: {device: cuda}\n", "train {case} --dry-run",
     "{case}:2: train.device = \"cuda\": training on CUDA is not supported yet", 1, "", true},
    {"negative_keep_last", nullptr, "train {tiny} checkpoint.keep_last=-1", "checkpoint.keep_last"},
    {"unknown_mixer", nullptr, "train {tiny} model.mixer=no_such_mixer", "no_such_mixer"},
    {"hybrid_unknown_mixer", nullptr, "train {tiny} model.layers=[attention,mamaba] --dry-run", "mamba", 1, "", true},
    {"hybrid_wrong_length", nullptr, "train {tiny} model.layers=[attention] model.n_layer=2 --dry-run",
     "has 1 entries but model.n_layer = 2", 1, "", true},
    {"plain_block_with_mlp", nullptr, "train {tiny} model.block=plain model.mlp=gelu --dry-run",
     "command line: model.mlp = gelu: model.block: plain has no MLP", 1, "", true},
    {"bare_block_with_mlp", nullptr, "train {tiny} model.block=bare model.mlp=gelu --dry-run",
     "command line: model.mlp = gelu: model.block: bare has no MLP", 1, "", true},
    {"init_std_with_pytorch_init", nullptr, "train {tiny} model.init=pytorch model.init_std=0.01 --dry-run",
     "model.init_std = 0.01: is read only with model.init: gpt2", 1, "", true},
    {"negative_filter_lr", nullptr, "train {tiny} model.mixer=m2 model.m2.filter_lr=-1 --dry-run",
     "model.m2.filter_lr = -1.0: must be >= 0 (0 = optim.lr)", 1, "", true},
    {"mlp_blocks_without_blockdiag_glu", nullptr, "train {tiny} model.mlp_blocks=2 --dry-run",
     "command line: model.mlp_blocks = 2: is only read by model.mlp: blockdiag_glu", 1, "", true},
    {"mlp_blocks_not_dividing_n_embd", nullptr, "train {tiny} model.mlp=blockdiag_glu model.mlp_blocks=3 --dry-run",
     "model.mlp_blocks = 3: must divide model.n_embd (16)", 1, "", true},
    {"monarch_glu_without_square_width", nullptr, "train {tiny} model.mlp=monarch_glu model.n_embd=24 --dry-run",
     "command line: model.mlp = monarch_glu: needs model.n_embd = b²", 1, "", true},
    {"m2_unknown_fft", nullptr, "train {tiny} model.mixer=m2 model.m2.fft=dft --dry-run", "fft, monarch", 1, "",
     true},
    {"mlp_ratio_with_swiglu", nullptr, "train {tiny} model.mlp=swiglu model.mlp_ratio=2 --dry-run",
     "command line: model.mlp_ratio = 2: is only read by the gelu, blockdiag_glu and monarch_glu MLPs (the model has "
     "model.mlp: swiglu)", 1, "", true},
    {"gelu_without_mlp", nullptr, "train {tiny} model.mlp=none model.gelu=tanh --dry-run",
     "command line: model.gelu = tanh: is only read by the gelu, blockdiag_glu and monarch_glu MLPs (the model has no MLP)",
     1, "", true},
    {"section_of_an_unused_mixer", nullptr, "train {tiny} model.ssm.d_state=32 --dry-run",
     "command line: model.ssm.d_state = 32: no block uses a mixer that reads model.ssm (s4d, s4, mamba); remove it", 1,
     "", true},
    {"override_without_equals", nullptr, "train {tiny} model.n_layer", "key.sub=value"},
    {"override_unknown_key", nullptr, "train {tiny} model.n_layr=2", "n_layer"},
    {"curriculum_on_text", nullptr, "train {tiny} data.task.curriculum_min_len=4 data.task.curriculum_steps=9",
     "synthetic tasks"},
    {"curriculum_without_steps", nullptr, "train {tiny} data.task.curriculum_min_len=4", "curriculum_steps"},
    {"vocab_smaller_than_data", nullptr, "train {tiny} model.vocab_size=10", "vocabulary"},
    // --- model.arch: autoencoder and its rows (data.dataset: lowrank_gaussian) ----------------
    {"autoencoder_on_text", "model: {arch: autoencoder}\n", "train {case} --dry-run",
     "{case}:1: model.arch = autoencoder: the autoencoder reconstructs rows of numbers: it needs data.dataset: "
     "lowrank_gaussian, but data.dataset is text", 1, "", true},
    {"autoencoder_with_mixer", nullptr, "train {ae} model.mixer=mamba --dry-run",
     "command line: model.mixer = \"mamba\": is a sequence model's key; model.arch: autoencoder reads only "
     "model.autoencoder; remove it", 1, "", true},
    {"autoencoder_with_n_layer", nullptr, "train {ae} model.n_layer=2 --dry-run",
     "command line: model.n_layer = 2: is a sequence model's key", 1, "", true},
    {"autoencoder_with_ssm_section", nullptr, "train {ae} model.ssm.d_state=32 --dry-run",
     "command line: model.ssm.d_state = 32: is a sequence model's key", 1, "", true},
    {"autoencoder_widths_not_the_data_dim", nullptr, "train {ae} data.task.dim=128 --dry-run",
     "model.autoencoder.widths = [256, 128, 64, 16, 64, 128, 256]: the first and the last width must equal "
     "data.task.dim (128), the width of a row", 1, "", true},
    {"autoencoder_one_width", nullptr, "train {ae} model.autoencoder.widths=[256] --dry-run",
     "command line: model.autoencoder.widths = [256]: needs at least two widths", 1, "", true},
    {"autoencoder_zero_width", nullptr, "train {ae} model.autoencoder.widths=[256,0,256] --dry-run",
     "model.autoencoder.widths = [256, 0, 256]: must all be > 0", 1, "", true},
    {"autoencoder_unknown_activation", nullptr, "train {ae} model.autoencoder.activation=swish --dry-run",
     "tanh, relu, gelu, sigmoid", 1, "", true},
    {"autoencoder_key_on_sequence_model", nullptr, "train {tiny} model.autoencoder.activation=relu --dry-run",
     "command line: model.autoencoder.activation = relu: is read only with model.arch: autoencoder; remove it", 1, "",
     true},
    {"autoencoder_with_seq_len", nullptr, "train {ae} train.seq_len=32 --dry-run",
     "command line: train.seq_len = 32: the autoencoder reads rows, not sequences", 1, "", true},
    {"autoencoder_with_adapter", nullptr, "train {ae} adapter.kind=lora --dry-run",
     "adapter.kind = lora: adapters attach to a sequence model's layers", 1, "", true},
    {"rows_for_sequence_model", nullptr, "train {tiny} data.dataset=lowrank_gaussian --dry-run",
     "command line: data.dataset = \"lowrank_gaussian\": holds rows of numbers, not tokens: it is read only by "
     "model.arch: autoencoder", 1, "", true},
    {"row_key_on_text", nullptr, "train {tiny} data.task.rank=8 --dry-run",
     "command line: data.task.rank = 8: is read only by data.dataset: lowrank_gaussian (data.dataset is text)", 1, "",
     true},
    {"token_task_key_on_rows", nullptr, "train {ae} data.task.n_kv=4 --dry-run",
     "command line: data.task.n_kv = 4: is read by the token tasks; data.dataset lowrank_gaussian does not read it", 1,
     "", true},
    {"corpus_for_rows", nullptr, "train {ae} data.path={dir}/short.txt --dry-run",
     "data.path = \"{dir}/short.txt\": is read by the token datasets (text, shards, bin)", 1, "", true},
    {"rank_above_dim", nullptr, "train {ae} data.task.rank=300 --dry-run",
     "command line: data.task.rank = 300: must be in [1, data.task.dim = 256]", 1, "", true},
    {"negative_noise", nullptr, "train {ae} data.task.noise=-0.1 --dry-run", "data.task.noise = -0.1: must be >= 0", 1,
     "", true},
    {"generate_from_autoencoder", nullptr, "generate {ae_ckpt}",
     "seqforge generate {ae_ckpt} needs a sequence model; this checkpoint holds model.arch: autoencoder", 1, "", true},
    {"bench_autoencoder", "name: ae\nrecipe: " SF_SOURCE_DIR "/recipes/mkor_autoencoder.yaml\n", "bench {case}",
     "model scenarios time a sequence model's tokens per second; model.arch: autoencoder", 1, "", true},
    // --- the corpus --------------------------------------------------------------------------
    {"corpus_missing", nullptr, "train {tiny} data.path={dir}/no_such.txt", "no such corpus file"},
    {"corpus_empty", nullptr, "train {tiny} data.path={dir}/empty.txt", "corpus file is empty"},
    {"corpus_binary", nullptr, "train {tiny} data.path={dir}/binary.bin", "looks binary"},
    {"corpus_is_directory", nullptr, "train {tiny} data.path={dir}", "is a directory"},
    {"corpus_too_short", nullptr, "train {tiny} data.path={dir}/short.txt", "short.txt: BatchSampler"},
    {"val_corpus_missing", nullptr, "train {tiny} data.val_path={dir}/no_such_val.txt", "no_such_val.txt"},
    // --- SentencePiece tokenizer models -------------------------------------------------------
    {"tokenizer_model_missing", nullptr,
     "train {tiny} data.tokenizer=sentencepiece data.tokenizer_model={dir}/no.model --dry-run",
     "{dir}/no.model: no such SentencePiece model file"},
    {"tokenizer_model_corrupt", nullptr, "train {tiny} data.tokenizer=sentencepiece data.tokenizer_model={tiny} --dry-run",
     "{tiny}: not a SentencePiece model"},
    {"tokenizer_model_without_sentencepiece", nullptr, "train {tiny} data.tokenizer_model={tiny} --dry-run",
     "is only read with tokenizer: sentencepiece"},
    {"sentencepiece_without_model", nullptr, "train {tiny} data.tokenizer=sentencepiece --dry-run",
     "needs its model file"},
    // --- token shards (seqforge prepare-data) and llm.c .bin files ----------------------------
    {"shards_missing", nullptr, "train {tiny} data.dataset=shards data.path={dir}/no_shards",
     "{dir}/no_shards/manifest.json: no shard manifest"},
    {"shards_of_two_tokenizers", nullptr, "train {tiny} data.dataset=shards data.path={dir}/mixed_shards",
     "{dir}/mixed_shards/shard_000001.h5: tokenized by tokenizer "},
    {"shard_truncated", nullptr, "train {tiny} data.dataset=shards data.path={dir}/truncated_shards",
     "{dir}/truncated_shards/shard_000001.h5: cannot open HDF5 file"},
    {"shard_not_hdf5", nullptr, "train {tiny} data.dataset=shards data.path={dir}/text_shards",
     "{dir}/text_shards/shard_000001.h5: not an HDF5 file"},
    {"shards_other_tokenizer", nullptr, "train {tiny} data.dataset=shards data.path={dir}/shards data.tokenizer=byte",
     "the shards were tokenized by the char tokenizer, but data.tokenizer is byte"},
    {"shards_with_val_path", nullptr, "train {tiny} data.dataset=shards data.path={dir}/shards data.val_path={dir}/short.txt",
     "command line: data.val_path = ", 1, "", true},
    {"source_for_text", nullptr, "train {tiny} data.source=[{dir}/short.txt] --dry-run",
     "data.source = [", 1, "", true},
    {"bin_bad_magic", nullptr, "train {tiny} data.dataset=bin data.path={dir}/magic.bin data.tokenizer=byte",
     "{dir}/magic.bin: magic number 1234, expected 20240520"},
    {"bin_count_beyond_file", nullptr, "train {tiny} data.dataset=bin data.path={dir}/beyond.bin data.tokenizer=byte",
     "{dir}/beyond.bin: the header declares 100000 tokens"},
    {"bin_missing", nullptr, "train {tiny} data.dataset=bin data.path={dir}/none*.bin data.tokenizer=byte",
     "none*.bin: the pattern matches no file"},
    {"bin_with_char_tokenizer", nullptr, "train {tiny} data.dataset=bin data.path={dir}/beyond.bin --dry-run",
     "an llm.c .bin file carries no text to build a char vocabulary from", 1, "", true},
    {"prepare_data_recipe_not_shards", nullptr, "prepare-data {tiny}",
     "prepare-data writes token shards for data.dataset: shards", 1, "", true},
    {"prepare_data_recipe_and_flags", nullptr, "prepare-data {tiny} --out {dir}/p", "not both", 1, "", true},
    {"prepare_data_missing_input", nullptr, "prepare-data --input {dir}/none.txt --out {dir}/p",
     "data.source: {dir}/none.txt: no such file", 1, "", true},
    // --- checkpoints -------------------------------------------------------------------------
    {"init_from_missing", nullptr, "train {tiny} train.init_from={dir}/none.h5", "does not exist"},
    {"init_from_text_file", nullptr, "train {tiny} train.init_from={dir}/text.h5", "not a seqforge checkpoint"},
    {"init_from_flipped_byte", nullptr, "train {tiny} train.init_from={dir}/flipped.h5", "file checksum mismatch"},
    {"init_from_truncated", nullptr, "train {tiny} train.init_from={dir}/truncated.h5", "truncated.h5"},
    {"init_from_corrupt_tensor", nullptr, "train {tiny} train.init_from={dir}/corrupt.h5",
     "tensor '/model/lm_head_or_first' is corrupt (checksum mismatch)"},
    {"init_from_plain_hdf5", nullptr, "train {tiny} train.init_from={dir}/plain.h5", "not a seqforge checkpoint"},
    {"init_from_newer_format", nullptr, "train {tiny} train.init_from={dir}/future.h5", "newer than this seqforge"},
    {"init_from_other_architecture", nullptr, "train {tiny} train.init_from={dir}/wide.h5",
     "in the model but"},
    {"eval_truncated", nullptr, "eval {dir}/truncated.h5", "truncated.h5"},
    {"eval_corrupt_tensor", nullptr, "eval {dir}/corrupt.h5", "checksum mismatch"},
    {"eval_unknown_dataset", nullptr, "eval {ckpt} data.dataset=parityy",
     "command line: data.dataset = \"parityy\": unknown dataset; did you mean 'parity'?", 1, "", true},
    {"generate_missing", nullptr, "generate {dir}/none.h5", "does not exist"},
    {"export_missing", nullptr, "export {dir}/none.h5 --format safetensors", "checkpoint {dir}/none.h5 does not exist",
     1, "", true},
    {"export_truncated", nullptr, "export {dir}/truncated.h5 --format safetensors", "truncated.h5: checkpoint is truncated"},
    {"export_corrupt_tensor", nullptr, "export {dir}/corrupt.h5 --format safetensors", "checksum mismatch"},
    {"export_not_a_checkpoint", nullptr, "export {dir}/text.h5 --format safetensors", "not a seqforge checkpoint"},
    {"export_unknown_format", nullptr, "export {ckpt} --format onnx",
     "export {ckpt}: unknown --format 'onnx' (known: safetensors)", 1, "", true},
    {"export_unknown_dtype", nullptr, "export {ckpt} --format safetensors --dtype fp16",
     "export {ckpt}: unknown --dtype 'fp16' (fp32 or bf16)", 1, "", true},
    {"export_out_unwritable", nullptr, "export {ckpt} --format safetensors --out {dir}/text.h5/model.safetensors",
     "{dir}/text.h5/model.safetensors.tmp: cannot write", 1, "", true},
    {"export_over_the_checkpoint", nullptr, "export {ckpt} --format safetensors --out {ckpt}",
     "{ckpt}: is the checkpoint being exported", 1, "", true},
    {"inspect_flipped_byte", nullptr, "inspect {dir}/flipped.h5", "file checksum mismatch", 1, "", true},
    {"generate_prompt_outside_vocabulary", nullptr, "generate {ckpt} --prompt 50%_off --tokens 3",
     "--prompt \"50%_off\": CharTokenizer: characters '5' at position 0, '0' at position 1, '%' at position 2, "
     "'_' at position 3 are not in the vocabulary of 65",
     1, "", true},
    {"generate_prompt_file_missing", nullptr, "generate {ckpt} --prompt-file {dir}/no_prompt.txt",
     "cannot read --prompt-file '{dir}/no_prompt.txt': No such file or directory", 1, "", true},
    {"generate_prompt_file_is_directory", nullptr, "generate {ckpt} --prompt-file {dir}",
     "cannot read --prompt-file '{dir}': is a directory", 1, "", true},
    {"generate_prompt_twice", nullptr, "generate {ckpt} --prompt To --prompt-file {dir}/short.txt",
     "--prompt and --prompt-file both given", 1, "", true},
    {"generate_prompt_file_empty", nullptr, "generate {ckpt} --prompt-file {dir}/empty.txt",
     "--prompt-file {dir}/empty.txt: the prompt is empty", 1, "", true},
    {"generate_top_p_zero", nullptr, "generate {ckpt} --top-p 0", "--top-p must be in (0, 1] (1 = all tokens), got 0",
     1, "", true},
    {"generate_top_p_above_one", nullptr, "generate {ckpt} --top-p 1.5", "--top-p must be in (0, 1] (1 = all tokens), got 1.5",
     1, "", true},
    {"generate_temperature_negative", nullptr, "generate {ckpt} --temperature -0.5",
     "--temperature must be >= 0 (0 = greedy), got -0.5", 1, "", true},
    {"generate_top_k_negative", nullptr, "generate {ckpt} --top-k -2", "--top-k must be >= 0", 1, "", true},
    {"generate_num_samples_zero", nullptr, "generate {ckpt} --num-samples 0", "--num-samples must be >= 1, got 0", 1, "",
     true},
    // --- the run directory -------------------------------------------------------------------
    {"resume_without_checkpoint", nullptr, "train {tiny} --resume --out {dir}/empty_run", "no checkpoint"},
    // Never a silent fresh optimizer: a checkpoint saved without its optimizer state only seeds new runs.
    {"resume_without_optimizer_state", nullptr, "train {tiny} --resume --out {dir}/weights_run",
     "checkpoint {dir}/weights_run/checkpoints/step_000002.h5 has no optimizer state (it was saved with "
     "checkpoint.save_optimizer: false), so a run cannot resume from it; to train on from its weights with a fresh "
     "optimizer, start a new run with train.init_from={dir}/weights_run/checkpoints/step_000002.h5",
     1, "", true},
    {"resume_other_architecture", nullptr,
     "train {tiny} model.n_embd=32 --resume --allow-change model.n_embd --out {dir}/run", "in the model but"},
    {"fresh_run_over_checkpoints", nullptr, "train {tiny} --out {dir}/run", "already holds checkpoints"},
    {"out_dir_unwritable", nullptr, "train {tiny} --out {dir}/text.h5/run", "cannot create"},
    {"disk_full_while_saving", nullptr, "train {tiny} --resume train.steps=4 --out {dir}/run",
     "write failed", 1, "SF_FAULT_INJECT=checkpoint_write"},
};

// ctest lists a case by its name, not by its bytes.
void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) s.replace(at, from.size(), to);
  return s;
}

void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream f(path, std::ios::binary);
  f << bytes;
}

class BadInput : public testing::TestWithParam<Case> {
 protected:
  // The fixtures: a good 2-step checkpoint (in {dir}/run, as a run directory), one of a wider model, one
  // without optimizer state (in {dir}/weights_run), and broken copies of the good one.
  static void SetUpTestSuite() {
    tmp_ = std::make_unique<TempDir>("bad_input");
    dir_ = tmp_->path;
    tiny_ = write_tiny_recipe(dir_);
    Outcome a = seqforge("train " + tiny_ + " train.steps=2 --out " + dir_ + "/run");
    ASSERT_EQ(a.exit_code, 0) << a.output;
    Outcome b = seqforge("train " + tiny_ + " train.steps=2 model.n_embd=32 --out " + dir_ + "/wide_run");
    ASSERT_EQ(b.exit_code, 0) << b.output;
    Outcome w = seqforge("train " + tiny_ + " train.steps=2 checkpoint.save_optimizer=false --out " + dir_ + "/weights_run");
    ASSERT_EQ(w.exit_code, 0) << w.output;
    ckpt_ = dir_ + "/run/checkpoints/step_000002.h5";
    ae_ = std::string(SF_SOURCE_DIR) + "/recipes/mkor_autoencoder.yaml";
    Outcome ae = seqforge("train " + ae_ + " train.steps=2 --out " + dir_ + "/ae_run");
    ASSERT_EQ(ae.exit_code, 0) << ae.output;
    ae_ckpt_ = dir_ + "/ae_run/checkpoints/step_000002.h5";
    fs::copy_file(dir_ + "/wide_run/checkpoints/step_000002.h5", dir_ + "/wide.h5");
    const std::string good = read_text(ckpt_);
    write_file(dir_ + "/truncated.h5", good.substr(0, good.size() / 2));
    write_file(dir_ + "/text.h5", "not a checkpoint\n");
    write_file(dir_ + "/empty.txt", "");
    write_file(dir_ + "/binary.bin", std::string("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16));
    write_file(dir_ + "/short.txt", "hi\n");
    fs::copy_file(ckpt_, dir_ + "/corrupt.h5");
    {
      H5File f = H5File::open(dir_ + "/corrupt.h5", true);
      corrupt_tensor_ = f.list("/model").front();
      f.write_attr(corrupt_tensor_, "fnv1a64", "0123456789abcdef");
      f.close();
    }
    seal_checkpoint(dir_ + "/corrupt.h5");  // past the file seal, so the per-tensor check is what fires
    fs::copy_file(ckpt_, dir_ + "/future.h5");
    {
      H5File f = H5File::open(dir_ + "/future.h5", true);
      f.write_attr("/", "format_version", int64_t{99});
      f.close();
    }
    seal_checkpoint(dir_ + "/future.h5");
    std::string flipped = good;
    flipped[flipped.size() / 2] ^= 0x10;
    write_file(dir_ + "/flipped.h5", flipped);
    prepare_shard_fixtures();
    {
      H5File f = H5File::create(dir_ + "/plain.h5");
      f.write_tensor("/data", scalar_tensor(1.0));
      f.close();
    }
  }

  // Shards of a small text ({dir}/shards) and broken copies of them; llm.c files with a bad header.
  static void prepare_shard_fixtures() {
    const std::string small = dir_ + "/small.txt";
    write_file(small, read_text(corpus()).substr(0, 20000));
    const auto prepare = [&](const std::string& name, TokenizerKind kind) {
      DataConfig d;
      d.dataset = "shards";
      d.path = dir_ + "/" + name;
      d.source = {small};
      d.tokenizer = kind;
      prepare_shards(d, {5000, 1});
    };
    prepare("shards", TokenizerKind::character);
    prepare("byte_shards", TokenizerKind::byte);
    for (const char* broken : {"mixed_shards", "truncated_shards", "text_shards"})
      fs::copy(dir_ + "/shards", dir_ + "/" + broken, fs::copy_options::recursive);
    fs::copy_file(dir_ + "/byte_shards/shard_000001.h5", dir_ + "/mixed_shards/shard_000001.h5",
                  fs::copy_options::overwrite_existing);
    fs::resize_file(dir_ + "/truncated_shards/shard_000001.h5", fs::file_size(dir_ + "/shards/shard_000001.h5") / 2);
    write_file(dir_ + "/text_shards/shard_000001.h5", "not a shard\n");
    const auto llmc = [&](const std::string& name, int32_t magic, int32_t count) {
      std::vector<int32_t> header(256, 0);
      header[0] = magic;
      header[1] = 1;
      header[2] = count;
      write_file(dir_ + "/" + name, std::string(reinterpret_cast<const char*>(header.data()), 1024) + std::string(200, 'a'));
    };
    llmc("magic.bin", 1234, 100);
    llmc("beyond.bin", 20240520, 100000);
  }

  static void TearDownTestSuite() { tmp_.reset(); }

  static std::string expand(const std::string& s, const std::string& case_path) {
    std::string out = replace_all(s, "{case}", case_path);
    out = replace_all(out, "{tiny}", tiny_);
    out = replace_all(out, "{ae_ckpt}", ae_ckpt_);
    out = replace_all(out, "{ae}", ae_);
    out = replace_all(out, "{ckpt}", ckpt_);
    out = replace_all(out, "/model/lm_head_or_first", corrupt_tensor_);
    return replace_all(out, "{dir}", dir_);
  }

  static inline std::unique_ptr<TempDir> tmp_;
  static inline std::string dir_, tiny_, ckpt_, corrupt_tensor_, ae_, ae_ckpt_;
};

TEST_P(BadInput, FailsWithAClearMessage) {
  const Case& c = GetParam();
  const std::string case_path = dir_ + "/" + c.name + ".yaml";
  if (c.recipe != nullptr) write_file(case_path, c.recipe);
  const std::string before = read_text(ckpt_);
  Outcome r = seqforge(expand(c.args, case_path), c.env);
  const size_t at = r.output.find("error: ");
  RecordProperty("message", at == std::string::npos ? "" : r.output.substr(at, r.output.find('\n', at) - at));
  EXPECT_EQ(r.exit_code, c.exit_code) << r.output;
  EXPECT_NE(r.output.find("error: "), std::string::npos) << r.output;
  if (c.error_only) {
    EXPECT_EQ(r.output.rfind("error: ", 0), 0u) << "printed before the error:\n" << r.output;
    EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1) << r.output;
  }
  EXPECT_NE(r.output.find(expand(c.phrase, case_path)), std::string::npos)
      << "expected '" << expand(c.phrase, case_path) << "' in:\n" << r.output;
  EXPECT_EQ(r.output.find("internal error"), std::string::npos) << r.output;
  EXPECT_EQ(read_text(ckpt_), before) << "the good checkpoint changed";
  EXPECT_FALSE(fs::exists(dir_ + "/run/checkpoints/step_000004.h5.tmp")) << "a half-written checkpoint was left";
}

INSTANTIATE_TEST_SUITE_P(Cases, BadInput, testing::ValuesIn(kCases),
                         [](const testing::TestParamInfo<Case>& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace sf::test
