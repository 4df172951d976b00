#include "train/device_check.h"

#include "core/device.h"

namespace sf {

void check_train_device(const RunConfig& config, const Provenance& where) {
  const std::string& device = config.train.device;
  if (device == "cpu") return;
  const int visible = cuda_device_count();  // 0 in a build without the CUDA backend
  Validator("train", where)
      .require(false, "device", device,
               "training on CUDA is not supported yet, seqforge trains on the CPU only (train.device: cpu); " +
                   (visible == 0 ? std::string("no CUDA device is visible on this machine")
                                 : std::to_string(visible) + " CUDA device(s) visible"));
}

}  // namespace sf
