#include "train/checkpoint.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <regex>
#include <sstream>

#include <csignal>

#include "core/hash.h"
#include "core/ops.h"
#include "data/h5_file.h"
#include "layers/module.h"
#include "core/file_io.h"
#include "train/fault_inject.h"

namespace sf {
namespace fs = std::filesystem;
namespace {

std::string checksum(const Tensor& t) {
  Tensor c = t.contiguous();
  std::string_view bytes(static_cast<const char*>(c.raw_data()), c.nbytes());
  std::ostringstream s;
  s << std::hex << std::setw(16) << std::setfill('0') << fnv1a(bytes);
  return s.str();
}

void write_group(H5File& f, const std::string& group, const NamedTensors& tensors) {
  for (const auto& [name, t] : tensors) {
    std::string path = group + "/" + name;
    f.write_tensor(path, t);
    f.write_attr(path, "fnv1a64", checksum(t));
  }
}

NamedTensors read_group(const H5File& f, const std::string& group) {
  NamedTensors out;
  if (!f.has(group)) return out;
  for (const auto& path : f.list(group)) {
    Tensor t = f.read_tensor(path);
    SF_CHECK(f.has_attr(path, "fnv1a64"), f.path(), ": tensor '", path, "' has no checksum");
    SF_CHECK(f.read_attr_string(path, "fnv1a64") == checksum(t), f.path(), ": tensor '", path,
             "' is corrupt (checksum mismatch)");
    out.emplace_back(path.substr(group.size() + 1), t);
  }
  return out;
}

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  SF_CHECK(in.is_open(), path, ": cannot open");
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string seal_text(std::string_view body) {
  std::ostringstream s;
  s << "seqforge-checkpoint " << kCheckpointFormatVersion << " " << body.size() << " " << std::hex
    << std::setw(16) << std::setfill('0') << fnv1a(body) << "\n";
  return s.str();
}

void verify_seal(const std::string& path) {
  const std::string bytes = read_bytes(path);
  const std::string magic = "seqforge-checkpoint ";
  SF_CHECK(bytes.size() >= kCheckpointHeaderBytes && bytes.compare(0, magic.size(), magic) == 0, path,
           ": not a seqforge checkpoint (no seqforge header; written by another program, or not a checkpoint)");
  std::istringstream header(bytes.substr(magic.size(), kCheckpointHeaderBytes - magic.size()));
  int64_t version = -1;
  uint64_t length = 0;
  std::string hash;
  header >> version >> length >> hash;
  SF_CHECK(header && version > 0, path, ": checkpoint header is damaged");
  SF_CHECK(version <= kCheckpointFormatVersion, path, ": checkpoint format version ", version,
           " is newer than this seqforge reads (", kCheckpointFormatVersion, ")");
  std::string_view body(bytes.data() + kCheckpointHeaderBytes, bytes.size() - kCheckpointHeaderBytes);
  SF_CHECK(body.size() == length, path, ": checkpoint is truncated or extended (", body.size(),
           " bytes after the header, the header says ", length, ")");
  const std::string expected = seal_text(body);
  SF_CHECK(bytes.compare(0, expected.size(), expected) == 0, path,
           ": checkpoint is corrupt (file checksum mismatch): the file changed after it was written");
}

// The checkpoint with every tensor on the host: GPU tensors are copied once, CPU ones shared.
Checkpoint on_host(const Checkpoint& c) {
  Checkpoint host = c;
  for (auto* group : {&host.model, &host.optim})
    for (auto& named : *group) named.second = named.second.to(Device::cpu());
  return host;
}

}  // namespace

void save_checkpoint(const std::string& path, const Checkpoint& checkpoint) {
  const Checkpoint c = on_host(checkpoint);
  std::string tmp = path + ".tmp";
  // A diverged model is not worth a checkpoint slot: keeping it could prune the last good one.
  for (const auto& [name, t] : c.model)
    SF_CHECK(all_finite(t), "not saving checkpoint ", path, ": parameter '", name, "' holds NaN or Inf");
  try {
    H5File f = H5File::create(tmp, kCheckpointHeaderBytes);
    f.write_attr("/", "format", "seqforge-checkpoint");
    f.write_attr("/", "format_version", kCheckpointFormatVersion);
    write_group(f, "/model", c.model);
    // Half-way through the file: where a full disk or a kill would hurt most.
    SF_CHECK(!fault_injected("checkpoint_write", c.step), tmp, ": write failed (injected by SF_FAULT_INJECT)");
    if (fault_injected("checkpoint_kill", c.step)) std::raise(SIGKILL);
    f.write_attr("/", "has_optimizer", int64_t{c.has_optimizer});
    if (c.has_optimizer) write_group(f, "/optim", c.optim);
    f.write_tensor("/state/step", scalar_tensor(static_cast<double>(c.step), DType::i64));
    f.write_tensor("/state/sampler", scalar_tensor(static_cast<double>(c.sampler_state), DType::i64));
    f.write_tensor("/state/seed", scalar_tensor(static_cast<double>(c.seed), DType::i64));
    f.write_tensor("/state/elapsed_s", scalar_tensor(c.elapsed_s, DType::f64));
    f.write_string("/tokenizer", c.tokenizer);
    f.write_string("/config", c.config_yaml);
    f.write_string("/recipe", c.recipe_text);
    f.close();
    seal_checkpoint(tmp);
    fsync_path(tmp);
  } catch (const Error& e) {
    std::remove(tmp.c_str());
    throw Error(std::string("saving checkpoint ") + path + " failed: " + e.what());
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  SF_CHECK(!ec, "saving checkpoint ", path, ": rename failed: ", ec.message());
  fsync_path(fs::path(path).parent_path().empty() ? "." : fs::path(path).parent_path().string());  // the rename
}

Checkpoint load_checkpoint(const std::string& path, bool with_optimizer) {
  SF_CHECK(fs::exists(path), "checkpoint ", path, " does not exist");
  verify_seal(path);
  H5File f = H5File::open(path);
  SF_CHECK(f.has_attr("/", "format") && f.read_attr_string("/", "format") == "seqforge-checkpoint", path,
           ": not a seqforge checkpoint");
  int64_t version = f.read_attr_i64("/", "format_version");
  SF_CHECK(version <= kCheckpointFormatVersion, path, ": checkpoint format version ", version,
           " is newer than this seqforge reads (", kCheckpointFormatVersion, ")");
  Checkpoint c;
  c.model = read_group(f, "/model");
  c.has_optimizer = !f.has_attr("/", "has_optimizer") || f.read_attr_i64("/", "has_optimizer") != 0;
  if (with_optimizer && c.has_optimizer) c.optim = read_group(f, "/optim");
  c.step = f.read_tensor("/state/step").item<int64_t>();
  c.sampler_state = static_cast<uint64_t>(f.read_tensor("/state/sampler").item<int64_t>());
  c.seed = static_cast<uint64_t>(f.read_tensor("/state/seed").item<int64_t>());
  if (f.has("/state/elapsed_s")) c.elapsed_s = f.read_tensor("/state/elapsed_s").item<double>();
  c.tokenizer = f.read_string("/tokenizer");
  c.config_yaml = f.read_string("/config");
  c.recipe_text = f.read_string("/recipe");
  return c;
}

void require_optimizer_state(const Checkpoint& ckpt, const std::string& path) {
  SF_CHECK(ckpt.has_optimizer, "checkpoint ", path,
           " has no optimizer state (it was saved with checkpoint.save_optimizer: false), so a run cannot resume "
           "from it; to train on from its weights with a fresh optimizer, start a new run with train.init_from=",
           path);
}

void load_model_state(Module& model, const Checkpoint& ckpt, const std::string& path) {
  try {
    model.load_state_dict(ckpt.model);
  } catch (const Error& e) {
    throw Error(detail::cat(path, ": checkpoint does not fit the model built from this recipe (another "
                                  "architecture or vocabulary?): ", e.what()));
  }
}

void seal_checkpoint(const std::string& path) {
  std::string bytes = read_bytes(path);
  SF_CHECK(bytes.size() >= kCheckpointHeaderBytes, path, ": too short to hold a checkpoint header");
  std::string seal = seal_text(std::string_view(bytes).substr(kCheckpointHeaderBytes));
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekp(0);
  f.write(seal.data(), static_cast<std::streamsize>(seal.size()));
  f.flush();
  SF_CHECK(f.good(), path, ": cannot write the checkpoint header (disk full?)");
}

std::string checkpoint_path(const std::string& dir, int64_t step) {
  std::ostringstream s;
  s << "step_" << std::setw(6) << std::setfill('0') << step << ".h5";
  return (fs::path(dir) / s.str()).string();
}

namespace {
std::vector<std::pair<int64_t, std::string>> list_checkpoints(const std::string& dir) {
  std::vector<std::pair<int64_t, std::string>> out;
  if (!fs::is_directory(dir)) return out;
  static const std::regex name(R"(step_(\d+)\.h5)");
  for (const auto& e : fs::directory_iterator(dir)) {
    std::smatch m;
    std::string file = e.path().filename().string();
    if (std::regex_match(file, m, name)) out.emplace_back(std::stoll(m[1]), e.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}
}  // namespace

std::string latest_checkpoint(const std::string& dir) {
  auto all = list_checkpoints(dir);
  return all.empty() ? "" : all.back().second;
}

void prune_checkpoints(const std::string& dir, int64_t keep_last, const std::vector<int64_t>& milestones) {
  if (keep_last <= 0) return;
  std::vector<std::string> rolling;
  for (const auto& [step, path] : list_checkpoints(dir))
    if (std::find(milestones.begin(), milestones.end(), step) == milestones.end()) rolling.push_back(path);
  int64_t excess = static_cast<int64_t>(rolling.size()) - keep_last;
  for (int64_t i = 0; i < excess; ++i) fs::remove(rolling[i]);
}

}  // namespace sf
