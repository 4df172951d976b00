// The caching allocator behind every device: freed blocks are kept by size class and handed out again,
// so a training step in steady state asks the device for nothing (no cudaMalloc/cudaFree, which
// synchronise the GPU, and no OS calls on the CPU).
//
// Where blocks come from is a RawMemory (aligned host memory, cudaMalloc). On CUDA every kernel runs
// in order on the device's one compute stream, so a block freed by the host while kernels that use it
// are still queued is safe to hand out again: whatever the next owner launches is queued after them
// (stream-ordered reuse, no event needed). A second stream would need an event per freed block.
//
// When the raw memory is exhausted the allocator gives its cached blocks back and tries once more;
// if that fails too the error says how much was asked for, how much tensors hold, what the device
// reports free, and what to reduce.
#pragma once
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/allocator.h"

namespace sf {

// The size class a request of n bytes is served from: multiples of 64 B up to 4 KiB, then four classes
// per power of two (at most 25 % slack), so tensors of nearly equal size share cached blocks.
size_t allocation_size_class(size_t n);

// A source of blocks for CachingAllocator.
class RawMemory {
 public:
  virtual ~RawMemory() = default;
  virtual void* allocate(size_t nbytes) = 0;  // kAlignment-aligned; nullptr when out of memory
  virtual void free(void* p, size_t nbytes) = 0;
  // What the device has left, for out-of-memory messages ("" when it cannot tell).
  virtual std::string free_memory_report() const = 0;
};

class CachingAllocator final : public Allocator {
 public:
  // `device` names the memory in messages ("cpu", "cuda:0").
  CachingAllocator(std::unique_ptr<RawMemory> raw, std::string device);
  ~CachingAllocator() override;

  void* allocate(size_t nbytes) override;
  void deallocate(void* p, size_t nbytes) override;
  AllocatorStats stats() const override;
  void release_cached() override;
  void reset_peak() override;

 private:
  void release_cached_locked();

  std::unique_ptr<RawMemory> raw_;
  std::string device_;
  mutable std::mutex mu_;
  std::unordered_map<size_t, std::vector<void*>> free_;
  AllocatorStats stats_;
};

}  // namespace sf
