#include "train/export_merged.h"

#include <filesystem>

#include "config/yaml_writer.h"
#include "layers/adapters/attach.h"
#include "train/adapter_checkpoint.h"
#include "train/checkpoint.h"
#include "train/session.h"

namespace sf {

std::string default_merged_path(const std::string& checkpoint) {
  return std::filesystem::path(checkpoint).replace_extension(".merged.h5").string();
}

MergedExport export_merged(const std::string& checkpoint, const std::string& out, const std::string& adapter_file,
                           bool force) {
  const Checkpoint c = load_checkpoint(checkpoint, /*with_optimizer=*/false);
  LoadedModel loaded = load_model(c, checkpoint);
  MergedExport result;
  if (adapter_file.empty()) {
    SF_CHECK(loaded.config.adapter.kind != AdapterKind::none, "export --merge ", checkpoint,
             ": the run has no adapters to merge (adapter.kind: none); its weights are a plain model already, or "
             "name an adapter file to merge into it with --adapter");
  } else {
    SF_CHECK(loaded.config.adapter.kind == AdapterKind::none, "export --merge ", checkpoint, " --adapter ",
             adapter_file, ": the checkpoint carries adapters of its own; give the base checkpoint");
    loaded.model->train();  // the base as trained on: unmerged adapters, as the fingerprint is taken
    apply_adapter_config(*loaded.model, read_adapter_config(adapter_file), 0);
    result.warning = load_adapter(adapter_file, *loaded.model, force);
  }
  merge_and_remove_adapters(*loaded.model);
  Checkpoint merged = c;
  merged.model = loaded.model->state_dict();
  merged.has_optimizer = false;
  merged.optim.clear();
  RunConfig config = loaded.config;
  config.adapter = AdapterConfig{};
  merged.config_yaml = to_yaml(config);
  result.path = out.empty() ? default_merged_path(checkpoint) : out;
  save_checkpoint(result.path, merged);
  return result;
}

}  // namespace sf
