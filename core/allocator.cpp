#include "core/allocator.h"

#include <cstdlib>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "core/error.h"
#ifdef SF_WITH_CUDA
#include "core/cuda/cuda_backend.h"
#endif

namespace sf {
namespace {

// Size classes: multiples of 64 B below 4 KiB, then four classes per power of two (≤ 25 % slack),
// so that tensors of nearly equal size share cached blocks.
size_t size_class(size_t n) {
  if (n <= 4096) return (n + 63) / 64 * 64;
  size_t p = 1;
  while (p * 2 <= n) p *= 2;
  size_t quarter = p / 4;
  return (n + quarter - 1) / quarter * quarter;
}

class CachingCpuAllocator final : public Allocator {
 public:
  ~CachingCpuAllocator() override { release_cached(); }

  void* allocate(size_t nbytes) override {
    size_t cls = size_class(std::max<size_t>(nbytes, 1));
    std::lock_guard<std::mutex> lock(mu_);
    ++stats_.allocations;
    stats_.bytes_in_use += cls;
    stats_.peak_bytes_in_use = std::max(stats_.peak_bytes_in_use, stats_.bytes_in_use);
    auto it = free_.find(cls);
    if (it != free_.end() && !it->second.empty()) {
      void* p = it->second.back();
      it->second.pop_back();
      stats_.bytes_cached -= cls;
      return p;
    }
    ++stats_.os_allocations;
    void* p = std::aligned_alloc(kAlignment, cls);
    if (!p) {
      stats_.bytes_in_use -= cls;
      throw Error("out of memory allocating " + std::to_string(cls) + " bytes");
    }
    return p;
  }

  void deallocate(void* p, size_t nbytes) override {
    if (!p) return;
    size_t cls = size_class(std::max<size_t>(nbytes, 1));
    std::lock_guard<std::mutex> lock(mu_);
    stats_.bytes_in_use -= cls;
    free_[cls].push_back(p);
    stats_.bytes_cached += cls;
  }

  AllocatorStats stats() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return stats_;
  }

  void release_cached() override {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& [cls, blocks] : free_)
      for (void* p : blocks) std::free(p);
    free_.clear();
    stats_.bytes_cached = 0;
  }

  void reset_peak() override {
    std::lock_guard<std::mutex> lock(mu_);
    stats_.peak_bytes_in_use = stats_.bytes_in_use;
  }

 private:
  mutable std::mutex mu_;
  std::unordered_map<size_t, std::vector<void*>> free_;
  AllocatorStats stats_;
};

#ifdef SF_WITH_CUDA
// Plain cudaMalloc/cudaFree per block; a caching CUDA allocator comes with the full CUDA backend.
class CudaAllocator final : public Allocator {
 public:
  explicit CudaAllocator(int device) : device_(device) {}
  void* allocate(size_t nbytes) override {
    std::lock_guard<std::mutex> lock(mu_);
    ++stats_.allocations;
    ++stats_.os_allocations;
    stats_.bytes_in_use += nbytes;
    stats_.peak_bytes_in_use = std::max(stats_.peak_bytes_in_use, stats_.bytes_in_use);
    return cuda::allocate(nbytes, device_);
  }
  void deallocate(void* p, size_t nbytes) override {
    std::lock_guard<std::mutex> lock(mu_);
    stats_.bytes_in_use -= nbytes;
    cuda::deallocate(p, nbytes, device_);
  }
  AllocatorStats stats() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return stats_;
  }
  void release_cached() override {}
  void reset_peak() override {
    std::lock_guard<std::mutex> lock(mu_);
    stats_.peak_bytes_in_use = stats_.bytes_in_use;
  }

 private:
  int device_;
  mutable std::mutex mu_;
  AllocatorStats stats_;
};
#endif

}  // namespace

Allocator& cpu_allocator() {
  // Leaked on purpose: tensors in static objects may be freed after main returns.
  static auto* a = new CachingCpuAllocator();
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
    a = new CudaAllocator(d.index);
  }
  return *a;
#else
  throw Error("device " + d.str() + " requested, but seqforge was built without CUDA");
#endif
}

}  // namespace sf
