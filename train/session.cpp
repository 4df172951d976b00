#include "train/session.h"

#include "config/loader.h"
#include "core/ops.h"
#include "layers/adapters/attach.h"
#include "train/data_source.h"

namespace sf {

LoadedModel load_model(const std::string& path, const std::vector<std::string>& overrides) {
  return load_model(load_checkpoint(path, /*with_optimizer=*/false), path, overrides);
}

LoadedModel load_model(const Checkpoint& c, const std::string& path, const std::vector<std::string>& overrides) {
  LoadedModel out;
  Provenance where;
  out.config = run_config_from_yaml(c.config_yaml, path + ":/config", overrides, &where);
  check_data_config(out.config, where);
  if (!c.tokenizer.empty()) out.tokenizer = Tokenizer::from_string(c.tokenizer);
  out.model = make_model(out.config.model);
  apply_adapter_config(*out.model, out.config.adapter, 0);  // an adapter run's checkpoint holds its adapters
  out.model->load_state_dict(c.model);
  out.model->eval();
  out.step = c.step;
  return out;
}

SequenceModel& LoadedModel::sequence_model(const std::string& what) const {
  auto* m = dynamic_cast<SequenceModel*>(model.get());
  SF_CHECK(m, what, " needs a sequence model; this checkpoint holds model.arch: ", enum_name(config.model.arch),
           " (rows of numbers in, their reconstruction out)");
  return *m;
}

void use_matmul_precision(Precision p) {
  set_matmul_precision(p == Precision::bf16 ? MatmulPrecision::bf16 : MatmulPrecision::fp32);
}

}  // namespace sf
