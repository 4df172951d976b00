#include "core/device.h"

#include "core/error.h"
#ifdef SF_WITH_CUDA
#include "core/cuda/cuda_backend.h"
#endif

namespace sf {

Device Device::parse(const std::string& s) {
  if (s == "cpu") return cpu();
  if (s == "cuda") return cuda(0);
  if (s.rfind("cuda:", 0) == 0) {
    std::string idx = s.substr(5);
    SF_CHECK(!idx.empty() && idx.find_first_not_of("0123456789") == std::string::npos,
             "bad device '", s, "' (expected cpu, cuda or cuda:N)");
    return cuda(std::stoi(idx));
  }
  throw Error("bad device '" + s + "' (expected cpu, cuda or cuda:N)");
}

std::string Device::str() const { return is_cpu() ? "cpu" : "cuda:" + std::to_string(index); }

bool cuda_available() {
#ifdef SF_WITH_CUDA
  return cuda::available();
#else
  return false;
#endif
}

int cuda_device_count() {
#ifdef SF_WITH_CUDA
  return cuda::device_count();
#else
  return 0;
#endif
}

}  // namespace sf
