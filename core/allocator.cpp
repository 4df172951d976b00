#include "core/allocator.h"

#include "core/caching_allocator.h"

#include <cstdlib>
#include <mutex>
#include <memory>
#include <unordered_map>

#include "core/error.h"
#ifdef SF_WITH_CUDA
#include "core/cuda/cuda_backend.h"
#endif

namespace sf {
namespace {

class HostMemory final : public RawMemory {
 public:
  void* allocate(size_t nbytes) override { return std::aligned_alloc(kAlignment, nbytes); }  // a multiple of 64
  void free(void* p, size_t) override { std::free(p); }
  std::string free_memory_report() const override { return ""; }
};

#ifdef SF_WITH_CUDA
class DeviceMemory final : public RawMemory {
 public:
  explicit DeviceMemory(int device) : device_(device) {}
  void* allocate(size_t nbytes) override { return cuda::try_allocate(nbytes, device_); }
  void free(void* p, size_t nbytes) override { cuda::deallocate(p, nbytes, device_); }
  std::string free_memory_report() const override { return cuda::memory_report(device_); }

 private:
  int device_;
};
#endif

}  // namespace

Allocator& cpu_allocator() {
  // Leaked on purpose: tensors in static objects may be freed after main returns.
  static auto* a = new CachingAllocator(std::make_unique<HostMemory>(), "cpu");
  return *a;
}

Allocator& allocator_for(Device d) {
  if (d.is_cpu()) return cpu_allocator();
#ifdef SF_WITH_CUDA
  static std::mutex mu;
  static std::unordered_map<int, Allocator*> per_device;
  std::lock_guard<std::mutex> lock(mu);
  auto& a = per_device[d.index];
  if (!a) {
    SF_CHECK(d.index >= 0 && d.index < cuda::device_count(), "device ", d.str(), " is not available (",
             cuda::device_count(), " CUDA devices visible)");
    a = new CachingAllocator(std::make_unique<DeviceMemory>(d.index), d.str());
  }
  return *a;
#else
  throw Error("device " + d.str() + " requested, but seqforge was built without CUDA");
#endif
}

}  // namespace sf
