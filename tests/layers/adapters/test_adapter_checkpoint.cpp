// Adapter-only checkpoints (spec optim.md §1.11 check 5, §2.7 check 5): save, load onto a fresh copy of
// the base, logits bitwise equal; another base is refused naming both fingerprints.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "data/h5_file.h"
#include "layers/adapters/attach.h"
#include "layers/adapters/nola.h"
#include "tests/layers/adapters/adapter_test_util.h"
#include "tests/support.h"
#include "train/adapter_checkpoint.h"

namespace sf::test {
namespace {

// Trains nothing: random adapter values stand in for a run's.
std::shared_ptr<SequenceModel> adapted(const AdapterConfig& c) {
  auto m = base_model(adapter_model_config());
  apply_adapter_config(*m, c, 1);
  randomise_trainable(*m, 21);
  return m;
}

// A fresh base (same init seed) with the file's adapters loaded: what another process does.
std::shared_ptr<SequenceModel> reloaded(const std::string& path, uint64_t base_seed = 7) {
  auto m = base_model(adapter_model_config(), base_seed);
  apply_adapter_config(*m, read_adapter_config(path), 99);  // another run seed: A must come from the file
  load_adapter(path, *m);
  return m;
}

TEST(AdapterCheckpoint, LoraRoundTripIsBitwise) {
  ScratchDir dir;
  const std::string path = dir.path("adapter.h5");
  auto m = adapted(lora_config({"qkvo"}));
  save_adapter(path, *m, lora_config({"qkvo"}));
  EXPECT_EQ(max_abs_diff(logits(*reloaded(path)), logits(*m)), 0.0);
  const H5File f = H5File::open(path);
  EXPECT_EQ(f.read_attr_string("/", "kind"), "lora");
  EXPECT_EQ(f.read_attr_i64("/", "r"), 4);
  EXPECT_EQ(f.read_attr_string("/", "targets"), "qkvo");
  EXPECT_EQ(f.read_attr_string("/", "base_fingerprint").size(), 64u);
  EXPECT_TRUE(f.has("/adapter/blocks.1.mixer.wqkv.k/A"));
  EXPECT_TRUE(f.has("/adapter/blocks.1.mixer.wo/B"));
}

TEST(AdapterCheckpoint, AnotherBaseIsRefusedNamingBothFingerprints) {
  ScratchDir dir;
  const std::string path = dir.path("adapter.h5");
  auto m = adapted(lora_config());
  save_adapter(path, *m, lora_config());
  const std::string stored = H5File::open(path).read_attr_string("/", "base_fingerprint");
  auto other = base_model(adapter_model_config(), 8);
  apply_adapter_config(*other, read_adapter_config(path), 1);
  const std::string actual = base_fingerprint(*other);
  const std::string message = error_of([&] { load_adapter(path, *other); });
  EXPECT_NE(message.find(stored), std::string::npos) << message;
  EXPECT_NE(message.find(actual), std::string::npos) << message;
  EXPECT_NE(stored, actual);
}

TEST(AdapterCheckpoint, NolaHoldsCoefficientsOnly) {
  ScratchDir dir;
  const std::string path = dir.path("nola.h5");
  const AdapterConfig c = nola_config({"all_linear"}, 30, 20);
  auto m = adapted(c);
  save_adapter(path, *m, c);
  EXPECT_EQ(max_abs_diff(logits(*reloaded(path)), logits(*m)), 0.0);
  const H5File f = H5File::open(path);
  EXPECT_EQ(f.read_attr_string("/", "generator"), kNolaGenerator);
  int64_t bytes = 0;
  for (const std::string& name : f.list("/adapter")) bytes += f.read_tensor(name).numel() * 4;
  const int64_t sites = 2 * 6;
  EXPECT_EQ(bytes, 4 * sites * (30 + 20));  // 4·Σ(k + l)
  EXPECT_LT(static_cast<int64_t>(std::filesystem::file_size(path)), bytes + 64 * 1024) << "plus metadata";
}

TEST(AdapterCheckpoint, UnknownGeneratorIsAnError) {
  ScratchDir dir;
  const std::string path = dir.path("nola.h5");
  const AdapterConfig c = nola_config();
  save_adapter(path, *adapted(c), c);
  {
    H5File f = H5File::open(path, true);
    f.write_attr("/", "generator", "philox4x32-10/usym/v0");
  }
  EXPECT_NE(error_of([&] { read_adapter_config(path); }).find("generator 'philox4x32-10/usym/v0'"), std::string::npos);
}

TEST(AdapterCheckpoint, TrainedBiasesTravelWithTheAdapter) {
  ScratchDir dir;
  const std::string path = dir.path("adapter.h5");
  ModelConfig mc = adapter_model_config();
  mc.bias = true;
  AdapterConfig c = lora_config();
  c.bias = AdapterBias::lora_only;
  auto m = base_model(mc);
  apply_adapter_config(*m, c, 1);
  randomise_trainable(*m, 3);
  save_adapter(path, *m, c);
  auto fresh = base_model(mc);
  apply_adapter_config(*fresh, read_adapter_config(path), 1);
  load_adapter(path, *fresh);
  EXPECT_EQ(max_abs_diff(logits(*fresh), logits(*m)), 0.0);
}

TEST(AdapterCheckpoint, TrainedBaseParametersTravelWithTheAdapter) {
  ScratchDir dir;
  const std::string path = dir.path("adapter.h5");
  AdapterConfig c = lora_config();
  c.train = {"*norm*", "wte.*"};
  auto m = adapted(c);  // the norms and the embedding moved too
  save_adapter(path, *m, c);
  const H5File f = H5File::open(path);
  EXPECT_EQ(f.read_attr_string("/", "train"), "*norm*,wte.*");
  EXPECT_TRUE(f.has("/trained/wte.weight"));
  EXPECT_TRUE(f.has("/trained/norm_f.weight"));
  EXPECT_FALSE(f.has("/trained/blocks.0.mixer.wo.weight"));
  const AdapterConfig read = read_adapter_config(path);
  EXPECT_NE(std::find(read.train.begin(), read.train.end(), "wte.weight"), read.train.end());
  // A fresh base: the fingerprint (of the frozen rest) matches, and the trained values come from the file.
  EXPECT_EQ(max_abs_diff(logits(*reloaded(path)), logits(*m)), 0.0);
}

TEST(AdapterCheckpoint, RecordsTheSeqforgeVersionAndRefusesANewerFormat) {
  ScratchDir dir;
  const std::string path = dir.path("adapter.h5");
  save_adapter(path, *adapted(lora_config()), lora_config());
  EXPECT_FALSE(H5File::open(path).read_attr_string("/", "seqforge_version").empty());
  {
    H5File f = H5File::open(path, true);
    f.write_attr("/", "format_version", int64_t{2});
    f.write_attr("/", "seqforge_version", "9.9.9");
  }
  const std::string message = error_of([&] { read_adapter_config(path); });
  EXPECT_NE(message.find("adapter format version 2 (written by seqforge 9.9.9) is newer than this seqforge"),
            std::string::npos)
      << message;
}

TEST(AdapterCheckpoint, ForceLoadsOntoAnotherBaseAndSaysSo) {
  ScratchDir dir;
  const std::string path = dir.path("adapter.h5");
  auto m = adapted(lora_config());
  save_adapter(path, *m, lora_config());
  auto other = base_model(adapter_model_config(), 8);
  apply_adapter_config(*other, read_adapter_config(path), 1);
  const std::string warning = load_adapter(path, *other, /*force=*/true);
  EXPECT_NE(warning.find(H5File::open(path).read_attr_string("/", "base_fingerprint")), std::string::npos) << warning;
  EXPECT_NE(warning.find(base_fingerprint(*other)), std::string::npos) << warning;
  for (auto& [name, p] : other->named_parameters())  // the adapters are the file's
    if (p.requires_grad()) EXPECT_EQ(max_abs_diff(p.data(), parameter(*m, name).data()), 0.0) << name;
  EXPECT_TRUE(load_adapter(path, *reloaded(path), true).empty()) << "the right base: nothing to warn about";
}

}  // namespace
}  // namespace sf::test
