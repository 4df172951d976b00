#include "core/caching_allocator.h"

#include <algorithm>

#include "core/error.h"

namespace sf {
namespace {

std::string mib(size_t bytes) {
  return detail::cat(static_cast<double>(bytes) / (1 << 20), " MiB");
}

}  // namespace

size_t allocation_size_class(size_t n) {
  if (n <= 4096) return (n + 63) / 64 * 64;
  size_t p = 1;
  while (p * 2 <= n) p *= 2;
  const size_t quarter = p / 4;
  return (n + quarter - 1) / quarter * quarter;
}

CachingAllocator::CachingAllocator(std::unique_ptr<RawMemory> raw, std::string device)
    : raw_(std::move(raw)), device_(std::move(device)) {}

CachingAllocator::~CachingAllocator() { release_cached(); }

void* CachingAllocator::allocate(size_t nbytes) {
  const size_t cls = allocation_size_class(std::max<size_t>(nbytes, 1));
  std::lock_guard<std::mutex> lock(mu_);
  ++stats_.allocations;
  auto it = free_.find(cls);
  void* p = nullptr;
  if (it != free_.end() && !it->second.empty()) {
    p = it->second.back();
    it->second.pop_back();
    stats_.bytes_cached -= cls;
  } else {
    ++stats_.os_allocations;
    p = raw_->allocate(cls);
    const size_t cached = stats_.bytes_cached;
    if (!p && cached > 0) {  // blocks of other sizes may be what the device is missing
      release_cached_locked();
      p = raw_->allocate(cls);
    }
    if (!p) {
      const std::string left = raw_->free_memory_report();
      throw Error(detail::cat("out of memory on ", device_, ": asked for ", mib(cls), " (", nbytes, " bytes); tensors hold ",
                              mib(stats_.bytes_in_use), " (peak ", mib(stats_.peak_bytes_in_use), "), ",
                              cached > 0 ? detail::cat(mib(cached), " of cached blocks were released and the request retried")
                                         : std::string("nothing was cached"),
                              left.empty() ? "" : "; " + left,
                              ". Reduce train.batch_size or train.seq_len (train.grad_accum keeps the batch), or the model size"));
    }
  }
  stats_.bytes_in_use += cls;
  stats_.peak_bytes_in_use = std::max(stats_.peak_bytes_in_use, stats_.bytes_in_use);
  return p;
}

void CachingAllocator::deallocate(void* p, size_t nbytes) {
  if (!p) return;
  const size_t cls = allocation_size_class(std::max<size_t>(nbytes, 1));
  std::lock_guard<std::mutex> lock(mu_);
  stats_.bytes_in_use -= cls;
  free_[cls].push_back(p);
  stats_.bytes_cached += cls;
}

AllocatorStats CachingAllocator::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

void CachingAllocator::release_cached() {
  std::lock_guard<std::mutex> lock(mu_);
  release_cached_locked();
}

void CachingAllocator::release_cached_locked() {
  for (auto& [cls, blocks] : free_)
    for (void* p : blocks) raw_->free(p, cls);
  free_.clear();
  stats_.bytes_cached = 0;
}

void CachingAllocator::reset_peak() {
  std::lock_guard<std::mutex> lock(mu_);
  stats_.peak_bytes_in_use = stats_.bytes_in_use;
}

}  // namespace sf
