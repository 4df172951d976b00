// train.device: which device a run trains on. Training runs on the CPU only for now; the CUDA backend
// (core/cuda) holds tensors, element-wise ops and matmul, but not the model's other ops nor the training
// step, so any other device is refused before anything is built instead of silently training on the CPU.
#pragma once
#include "config/run_config.h"

namespace sf {

// Throws naming the file and line that set train.device, the device, and whether this machine sees a GPU.
void check_train_device(const RunConfig& config, const Provenance& where);

}  // namespace sf
