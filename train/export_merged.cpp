#include "train/export_merged.h"

#include <filesystem>

#include "config/yaml_writer.h"
#include "layers/adapters/attach.h"
#include "train/checkpoint.h"
#include "train/session.h"

namespace sf {

std::string default_merged_path(const std::string& checkpoint) {
  return std::filesystem::path(checkpoint).replace_extension(".merged.h5").string();
}

std::string export_merged(const std::string& checkpoint, const std::string& out) {
  const Checkpoint c = load_checkpoint(checkpoint, /*with_optimizer=*/false);
  LoadedModel loaded = load_model(c, checkpoint);
  SF_CHECK(loaded.config.adapter.kind != AdapterKind::none, "export --merge ", checkpoint,
           ": the run has no adapters to merge (adapter.kind: none); its weights are a plain model already");
  merge_and_remove_adapters(*loaded.model);
  Checkpoint merged = c;
  merged.model = loaded.model->state_dict();
  merged.has_optimizer = false;
  merged.optim.clear();
  RunConfig config = loaded.config;
  config.adapter = AdapterConfig{};
  merged.config_yaml = to_yaml(config);
  const std::string path = out.empty() ? default_merged_path(checkpoint) : out;
  save_checkpoint(path, merged);
  return path;
}

}  // namespace sf
