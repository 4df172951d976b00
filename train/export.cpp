#include "train/export.h"

#include <filesystem>

#include "train/checkpoint.h"
#include "train/safetensors.h"

namespace sf {
namespace fs = std::filesystem;

std::string default_export_path(const std::string& checkpoint) {
  return fs::path(checkpoint).replace_extension(".safetensors").string();
}

ExportSummary export_safetensors(const std::string& checkpoint, const ExportOptions& options) {
  const Checkpoint c = load_checkpoint(checkpoint, /*with_optimizer=*/false);
  NamedTensors tensors;
  for (const auto& [name, t] : c.model)
    tensors.emplace_back(name, options.dtype && is_floating(t.dtype()) ? t.to(*options.dtype) : t);
  const std::map<std::string, std::string> metadata{{"format", "seqforge"},
                                                    {"step", std::to_string(c.step)},
                                                    {"config", c.config_yaml},
                                                    {"recipe", c.recipe_text},
                                                    {"tokenizer", c.tokenizer}};
  ExportSummary out;
  out.path = options.out.empty() ? default_export_path(checkpoint) : options.out;
  std::error_code ec;
  SF_CHECK(!fs::equivalent(out.path, checkpoint, ec), out.path,
           ": is the checkpoint being exported; choose another --out");
  write_safetensors(out.path, tensors, metadata);
  out.tensors = static_cast<int64_t>(tensors.size());
  out.bytes = fs::file_size(out.path);
  return out;
}

}  // namespace sf
