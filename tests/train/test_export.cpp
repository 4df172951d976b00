// seqforge export's safetensors files (train/export.h), read back by the test's own reader
// (safetensors_reader.h, written from the format's description): every weight of the checkpoint under
// its name, bit for bit at fp32 and rounded to nearest even at bf16, the metadata, nothing of the
// optimizer; the dtype rules for float64 and integer tensors; the output path and atomic write.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <sstream>

#include "core/ops.h"
#include "safetensors_reader.h"
#include "tests/support.h"
#include "tests/tools/seqforge_process.h"
#include "train/checkpoint.h"
#include "train/export.h"
#include "train/trainer.h"

namespace sf {
namespace {
namespace fs = std::filesystem;

// A tiny GPT trained for 4 steps in `dir`; returns its checkpoint (with optimizer state).
std::string train_tiny(const std::string& dir) {
  const std::string recipe = test::write_tiny_recipe(dir, "steps: 4, checkpoint_every: 4");
  std::ostringstream log;
  Trainer(load_run_config(recipe), TrainOptions{dir + "/run"}).run(log);
  return checkpoint_path(dir + "/run/checkpoints", 4);
}

std::string bytes_of(const Tensor& t) {
  const Tensor c = t.contiguous();
  return std::string(static_cast<const char*>(c.raw_data()), c.nbytes());
}

TEST(SafetensorsExport, Fp32HoldsEveryWeightBitForBitAndTheMetadata) {
  test::ScratchDir dir;
  const std::string ckpt = train_tiny(dir.path());
  const ExportSummary written = export_safetensors(ckpt, {});
  EXPECT_EQ(fs::path(written.path).lexically_normal(), fs::path(dir.path("run/checkpoints/step_000004.safetensors")));
  EXPECT_EQ(written.bytes, fs::file_size(written.path));
  EXPECT_FALSE(fs::exists(written.path + ".tmp"));

  const Checkpoint c = load_checkpoint(ckpt);
  ASSERT_FALSE(c.optim.empty());
  const test::SafetensorsContents file = test::read_safetensors_for_test(written.path);
  EXPECT_EQ((8 + file.header_bytes) % 8, 0u) << "the buffer should start 8-byte aligned";
  ASSERT_EQ(file.tensors.size(), c.model.size()) << "the weights and nothing else (no optimizer state)";
  EXPECT_EQ(written.tensors, static_cast<int64_t>(c.model.size()));
  for (const auto& [name, t] : c.model) {
    ASSERT_TRUE(file.tensors.count(name)) << name;
    const test::SafetensorsEntry& e = file.tensors.at(name);
    EXPECT_EQ(e.dtype, "F32") << name;
    EXPECT_EQ(e.shape, t.shape()) << name;
    EXPECT_TRUE(e.bytes == bytes_of(t)) << name << " differs from the checkpoint";
  }
  EXPECT_EQ(file.metadata.at("format"), "seqforge");
  EXPECT_EQ(file.metadata.at("step"), "4");
  EXPECT_EQ(file.metadata.at("config"), c.config_yaml);
  EXPECT_EQ(file.metadata.at("recipe"), c.recipe_text);
  EXPECT_EQ(file.metadata.at("tokenizer"), c.tokenizer);
  EXPECT_EQ(file.metadata.size(), 5u);
}

TEST(SafetensorsExport, Bf16RoundsEveryWeightToNearestEven) {
  test::ScratchDir dir;
  const std::string ckpt = train_tiny(dir.path());
  ExportOptions options;
  options.out = dir.path("model.bf16.safetensors");
  options.dtype = DType::bf16;
  export_safetensors(ckpt, options);
  const test::SafetensorsContents file = test::read_safetensors_for_test(options.out);
  const Checkpoint c = load_checkpoint(ckpt, false);
  ASSERT_EQ(file.tensors.size(), c.model.size());
  for (const auto& [name, t] : c.model) {
    const test::SafetensorsEntry& e = file.tensors.at(name);
    EXPECT_EQ(e.dtype, "BF16") << name;
    EXPECT_EQ(e.shape, t.shape()) << name;
    const std::vector<float> values = to_vector<float>(t);
    ASSERT_EQ(e.bytes.size(), 2 * values.size()) << name;
    for (size_t i = 0; i < values.size(); ++i) {
      uint32_t u;
      std::memcpy(&u, &values[i], 4);
      uint16_t bits;
      std::memcpy(&bits, e.bytes.data() + 2 * i, 2);
      ASSERT_EQ(bits, bf16_bits(u)) << name << "[" << i << "] = " << values[i];
    }
  }
}

// A float64 model's weights stay F64 unless --dtype says otherwise; integer tensors are never converted.
TEST(SafetensorsExport, Float64StaysUnlessAskedAndIntegersStayAlways) {
  test::ScratchDir dir;
  Checkpoint c;
  c.model = {{"w", from_vector<double>({1.0 / 3.0, -2.5, 1e-40}, {3})}, {"n", from_vector<int64_t>({7, -1}, {2})}};
  c.config_yaml = "model: {}\n";
  const std::string ckpt = dir.path("f64.h5");
  save_checkpoint(ckpt, c);

  export_safetensors(ckpt, {dir.path("stored.safetensors"), std::nullopt});
  const test::SafetensorsContents stored = test::read_safetensors_for_test(dir.path("stored.safetensors"));
  EXPECT_EQ(stored.tensors.at("w").dtype, "F64");
  EXPECT_TRUE(stored.tensors.at("w").bytes == bytes_of(c.model[0].second));
  EXPECT_EQ(stored.tensors.at("n").dtype, "I64");
  EXPECT_EQ(stored.metadata.at("tokenizer"), "") << "no tokenizer: empty, not missing";

  export_safetensors(ckpt, {dir.path("fp32.safetensors"), DType::f32});
  const test::SafetensorsContents fp32 = test::read_safetensors_for_test(dir.path("fp32.safetensors"));
  EXPECT_EQ(fp32.tensors.at("w").dtype, "F32");
  const std::vector<float> narrowed{static_cast<float>(1.0 / 3.0), -2.5f, static_cast<float>(1e-40)};
  EXPECT_TRUE(fp32.tensors.at("w").bytes == std::string(reinterpret_cast<const char*>(narrowed.data()), 12));
  EXPECT_EQ(fp32.tensors.at("n").dtype, "I64");
  EXPECT_TRUE(fp32.tensors.at("n").bytes == bytes_of(c.model[1].second));
}

TEST(SafetensorsExport, AFailedWriteLeavesNothingAndNamesTheFile) {
  test::ScratchDir dir;
  Checkpoint c;
  c.model = {{"w", ones({2})}};
  const std::string ckpt = dir.path("small.h5");
  save_checkpoint(ckpt, c);
  const std::string out = dir.path("no_such_dir/model.safetensors");
  EXPECT_CONTAINS(test::error_of([&] { export_safetensors(ckpt, {out, std::nullopt}); }), out);
  EXPECT_FALSE(fs::exists(out + ".tmp"));
  EXPECT_CONTAINS(test::error_of([&] { export_safetensors(ckpt, {ckpt, std::nullopt}); }),
                  "is the checkpoint being exported");
  EXPECT_TRUE(load_checkpoint(ckpt).model.size() == 1) << "the checkpoint survived";
  EXPECT_CONTAINS(test::error_of([&] { export_safetensors(dir.path("none.h5"), {}); }), "none.h5 does not exist");
}

}  // namespace
}  // namespace sf
