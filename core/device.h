// Where a tensor lives. Every op dispatches on this once (core/ops.cpp), so a backend
// slots in behind the seam without touching layers.
#pragma once
#include <string>

namespace sf {

enum class DeviceType : uint8_t { cpu, cuda };

struct Device {
  DeviceType type = DeviceType::cpu;
  int index = 0;

  static Device cpu() { return {}; }
  static Device cuda(int index = 0) { return {DeviceType::cuda, index}; }
  static Device parse(const std::string& s);  // "cpu", "cuda", "cuda:1"

  bool is_cpu() const { return type == DeviceType::cpu; }
  bool is_cuda() const { return type == DeviceType::cuda; }
  std::string str() const;
  bool operator==(const Device&) const = default;
};

// True when the CUDA backend was compiled in and a GPU is visible.
bool cuda_available();
int cuda_device_count();

}  // namespace sf
