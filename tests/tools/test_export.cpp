// `seqforge export` and `seqforge inspect` on a small trained GPT, as a user runs them: the safetensors
// file read by tools/safetensors/read_safetensors.py (standard-library Python) gives the checksums of
// the checkpoint's own bytes; the same file loaded into PyTorch's GPT (tools/parity/eval_safetensors.py)
// gives `seqforge eval`'s loss to 1e-4; inspect reports what the checkpoint holds. The Python cases skip
// without python3, the PyTorch one without Debian's python3-torch.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/hash.h"
#include "core/ops.h"
#include "json_line.h"
#include "seqforge_process.h"
#include "tests/support.h"
#include "train/checkpoint.h"
#include "train/data_source.h"
#include "train/safetensors.h"
#include "train/session.h"

namespace sf::test {
namespace {
namespace fs = std::filesystem;

std::string hex16(uint64_t h) {
  std::ostringstream s;
  s << std::hex << std::setw(16) << std::setfill('0') << h;
  return s.str();
}

std::string fnv1a_of(const Tensor& t) {
  const Tensor c = t.contiguous();
  return hex16(fnv1a(std::string_view(static_cast<const char*>(c.raw_data()), c.nbytes())));
}

// Any python3 reads safetensors with the script: it needs the standard library only.
std::string find_python3() {
  for (const char* python : {"python3", "/usr/bin/python3"})
    if (std::system((std::string(python) + " -c 'import json, struct' 2>/dev/null").c_str()) == 0) return python;
  return "";
}

std::string source(const std::string& relative) { return std::string(SF_SOURCE_DIR) + "/" + relative; }

class ExportCli : public testing::Test {
 protected:
  // A 2-block GPT trained for 20 steps (evaluated on 4 batches), and the same run without optimizer state.
  static void SetUpTestSuite() {
    tmp_ = std::make_unique<TempDir>("export_cli");
    const std::string recipe = write_tiny_recipe(tmp_->path, "eval_batches: 4");
    const std::string model = "model.n_layer=2 model.n_embd=32";
    Outcome a = seqforge("train " + recipe + " " + model + " --sample 0 --out " + tmp_->path + "/run");
    ASSERT_EQ(a.exit_code, 0) << a.output;
    Outcome b = seqforge("train " + recipe + " " + model + " checkpoint.save_optimizer=false --sample 0 --out " +
                         tmp_->path + "/weights_run");
    ASSERT_EQ(b.exit_code, 0) << b.output;
    ckpt_ = tmp_->path + "/run/checkpoints/step_000020.h5";
    weights_ = tmp_->path + "/weights_run/checkpoints/step_000020.h5";
  }
  static void TearDownTestSuite() { tmp_.reset(); }

  static inline std::unique_ptr<TempDir> tmp_;
  static inline std::string ckpt_, weights_;
};

TEST_F(ExportCli, WritesSafetensorsNextToTheCheckpointByDefault) {
  const std::string out = tmp_->path + "/run/checkpoints/step_000020.safetensors";
  Outcome r = seqforge("export " + ckpt_ + " --format safetensors");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  ASSERT_TRUE(fs::exists(out));
  const size_t tensors = load_checkpoint(ckpt_, false).model.size();
  EXPECT_CONTAINS(r.output, "wrote " + out + ": " + std::to_string(tensors) + " tensors, " +
                                std::to_string(fs::file_size(out)) + " bytes");
  std::printf("  checkpoint %ju bytes (with AdamW state), without optimizer state %ju, safetensors fp32 %ju\n",
              static_cast<uintmax_t>(fs::file_size(ckpt_)), static_cast<uintmax_t>(fs::file_size(weights_)),
              static_cast<uintmax_t>(fs::file_size(out)));
}

TEST_F(ExportCli, PythonReaderChecksumsMatchTheCheckpointsBytes) {
  const std::string python = find_python3();
  if (python.empty()) GTEST_SKIP() << "no python3";
  const Checkpoint c = load_checkpoint(ckpt_, false);
  for (const std::string dtype : {"fp32", "bf16"}) {
    const std::string out = tmp_->path + "/model." + dtype + ".safetensors";
    Outcome e = seqforge("export " + ckpt_ + " --format safetensors --dtype " + dtype + " --out " + out);
    ASSERT_EQ(e.exit_code, 0) << e.output;
    Outcome r = run_command(python + " " + source("tools/safetensors/read_safetensors.py") + " " + out + " --json");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const nlohmann::json read = nlohmann::json::parse(r.output);
    ASSERT_EQ(read.at("tensors").size(), c.model.size()) << dtype;
    for (const auto& [name, t] : c.model) {
      const nlohmann::json& entry = read.at("tensors").at(name);
      const bool bf16 = dtype == "bf16";
      EXPECT_EQ(entry.at("dtype"), bf16 ? "BF16" : "F32") << name;
      EXPECT_EQ(entry.at("shape").get<Shape>(), t.shape()) << name;
      EXPECT_EQ(entry.at("fnv1a64"), fnv1a_of(bf16 ? t.to(DType::bf16) : t)) << dtype << " " << name;
    }
    EXPECT_EQ(read.at("metadata_keys"), nlohmann::json({"config", "format", "recipe", "step", "tokenizer"}));
  }
  // A file cut short is refused with its name, not read as far as it goes.
  const std::string whole = read_text(tmp_->path + "/model.fp32.safetensors"), cut = tmp_->path + "/cut.safetensors";
  std::ofstream(cut, std::ios::binary) << whole.substr(0, whole.size() - 4);
  Outcome r = run_command(python + " " + source("tools/safetensors/read_safetensors.py") + " " + cut + " 2>&1");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_CONTAINS(r.output, "error: " + cut + ": ");
}

TEST_F(ExportCli, PyTorchEvalLossMatchesSeqforgeEval) {
  if (std::system("/usr/bin/python3 -c 'import torch' 2>/dev/null") != 0)
    GTEST_SKIP() << "no PyTorch for /usr/bin/python3 (apt-get install python3-torch)";
  const std::string model = tmp_->path + "/parity.safetensors", batches = tmp_->path + "/batches.safetensors";
  Outcome e = seqforge("export " + ckpt_ + " --format safetensors --out " + model);
  ASSERT_EQ(e.exit_code, 0) << e.output;
  // The validation batches `seqforge eval` scores, written for the script as x, y of shape (batches, B, T).
  const LoadedModel m = load_model(ckpt_);
  std::vector<Tensor> xs, ys;
  for (const Batch& b : make_batch_source(m.config, m.tokenizer.get())->eval_batches(m.config.train.eval_batches)) {
    xs.push_back(b.x);
    ys.push_back(b.y);
  }
  write_safetensors(batches, {{"x", stack(xs, 0)}, {"y", stack(ys, 0)}}, {});

  Outcome ours = seqforge("eval " + ckpt_);
  ASSERT_EQ(ours.exit_code, 0) << ours.output;
  Outcome torch = run_command("/usr/bin/python3 " + source("tools/parity/eval_safetensors.py") + " " + model + " " +
                              batches + " 2>&1");
  ASSERT_EQ(torch.exit_code, 0) << torch.output;
  const double a = last_json_line(ours.output).at("val_loss"), b = last_json_line(torch.output).at("loss");
  EXPECT_EQ(last_json_line(torch.output).at("batches"), 4);
  std::printf("  eval loss: seqforge %.9f, PyTorch %.9f, difference %.3e\n", a, b, std::abs(a - b));
  EXPECT_LE(std::abs(a - b), 1e-4);
}

TEST_F(ExportCli, InspectDescribesTheCheckpoint) {
  Outcome r = seqforge("inspect " + ckpt_ + " --json");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const nlohmann::json j = nlohmann::json::parse(r.output);
  const Checkpoint c = load_checkpoint(ckpt_);
  const LoadedModel m = load_model(ckpt_);
  EXPECT_EQ(j.at("step"), 20);
  EXPECT_EQ(j.at("seed"), 1337);
  EXPECT_EQ(j.at("file_bytes"), fs::file_size(ckpt_));
  EXPECT_EQ(j.at("tokenizer").at("kind"), "char");
  EXPECT_EQ(j.at("tokenizer").at("vocab_size"), 65);
  EXPECT_EQ(j.at("tokenizer").at("fingerprint"), tokenizer_fingerprint(*m.tokenizer));
  EXPECT_EQ(j.at("recipe"), c.recipe_text);
  const int64_t params = m.model->num_parameters();
  EXPECT_EQ(j.at("parameters"), params);
  EXPECT_EQ(j.at("modules").size(), m.model->parameter_summary().size());
  // 2·N + 4·L·d·T with N = parameters less the position table (16 × 32), 2 attention blocks, d 32, T 16.
  const nlohmann::json& flops = j.at("flops_per_token");
  const double n = static_cast<double>(params - 16 * 32);
  EXPECT_EQ(flops.at("matmul_parameters"), params - 16 * 32);
  EXPECT_DOUBLE_EQ(flops.at("forward").get<double>(), 2 * n + 4.0 * 2 * 32 * 16);
  EXPECT_DOUBLE_EQ(flops.at("training").get<double>(), 3 * flops.at("forward").get<double>());
  const nlohmann::json& contents = j.at("contents");
  EXPECT_EQ(contents.at("model").at("tensors"), c.model.size());
  EXPECT_EQ(contents.at("model").at("bytes"), 4 * params) << "float32, tied head stored once";
  EXPECT_EQ(contents.at("optimizer").at("present"), true);
  EXPECT_EQ(contents.at("optimizer").at("tensors"), c.optim.size());
  EXPECT_GT(contents.at("optimizer").at("bytes"), 2 * 4 * params) << "AdamW: two moments per parameter";
  EXPECT_EQ(contents.at("sampler_state"), c.sampler_state);

  Outcome text = seqforge("inspect " + ckpt_);
  ASSERT_EQ(text.exit_code, 0) << text.output;
  EXPECT_CONTAINS(text.output, "step        20, seed 1337\n");
  EXPECT_CONTAINS(text.output, "tokenizer   char, 65 tokens, fingerprint " + tokenizer_fingerprint(*m.tokenizer));
  EXPECT_CONTAINS(text.output, "parameters  " + std::to_string(params) + ", per module:\n");
  EXPECT_CONTAINS(text.output, "    blocks.1.mixer");
  EXPECT_CONTAINS(text.output, "optimizer state: " + std::to_string(c.optim.size()) + " tensors");
  EXPECT_CONTAINS(text.output, "FLOPs/token forward ");
}

TEST_F(ExportCli, InspectSaysTheOptimizerStateWasLeftOut) {
  Outcome r = seqforge("inspect " + weights_);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_CONTAINS(r.output, "optimizer state: none (saved with checkpoint.save_optimizer: false");
  Outcome j = seqforge("inspect " + weights_ + " --json");
  ASSERT_EQ(j.exit_code, 0) << j.output;
  const nlohmann::json optimizer = nlohmann::json::parse(j.output).at("contents").at("optimizer");
  EXPECT_EQ(optimizer.at("present"), false);
  EXPECT_EQ(optimizer.at("bytes"), 0);
}

}  // namespace
}  // namespace sf::test
