// Memory for tensor storage. The CPU allocator caches freed blocks by size class, so a training
// step in steady state takes nothing from the OS; every block is 64-byte aligned (AVX-512 lines).
#pragma once
#include <cstddef>
#include <cstdint>

#include "core/device.h"

namespace sf {

struct AllocatorStats {
  size_t bytes_in_use = 0;     // handed out and not yet returned
  size_t bytes_cached = 0;     // returned, kept for reuse
  size_t peak_bytes_in_use = 0;
  uint64_t os_allocations = 0;  // calls that went to the OS
  uint64_t allocations = 0;     // all calls
};

class Allocator {
 public:
  virtual ~Allocator() = default;
  virtual void* allocate(size_t nbytes) = 0;
  virtual void deallocate(void* p, size_t nbytes) = 0;
  virtual AllocatorStats stats() const = 0;
  virtual void release_cached() = 0;  // give cached blocks back to the OS
  virtual void reset_peak() = 0;
};

Allocator& cpu_allocator();
Allocator& allocator_for(Device d);  // throws when the device's backend is not built

constexpr size_t kAlignment = 64;

}  // namespace sf
