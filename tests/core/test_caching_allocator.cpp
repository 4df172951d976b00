// The caching allocator shared by the CPU and CUDA backends, on a fake memory with a byte budget: size
// classes, steady-state reuse without raw calls, the release-and-retry on exhaustion, and the message.
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>

#include "core/caching_allocator.h"
#include "core/error.h"

namespace sf {
namespace {

// Host memory that refuses to hand out more than `budget` bytes at once and counts its calls.
class BudgetMemory final : public RawMemory {
 public:
  explicit BudgetMemory(size_t budget) : budget_(budget) {}
  void* allocate(size_t nbytes) override {
    ++*allocs;
    if (*held + nbytes > budget_) return nullptr;
    *held += nbytes;
    return std::aligned_alloc(kAlignment, nbytes);
  }
  void free(void* p, size_t nbytes) override {
    ++*frees;
    *held -= nbytes;
    std::free(p);
  }
  std::string free_memory_report() const override { return "fake reports " + std::to_string(budget_ - *held) + " B free"; }

  // Shared with the test, which keeps reading them after the allocator owns this object.
  std::shared_ptr<size_t> held = std::make_shared<size_t>(0), allocs = std::make_shared<size_t>(0),
                          frees = std::make_shared<size_t>(0);

 private:
  size_t budget_;
};

TEST(CachingAllocator, SizeClassesAreMultiplesOf64ThenQuartersOfAPowerOfTwo) {
  EXPECT_EQ(allocation_size_class(1), 64u);
  EXPECT_EQ(allocation_size_class(64), 64u);
  EXPECT_EQ(allocation_size_class(65), 128u);
  EXPECT_EQ(allocation_size_class(4096), 4096u);
  EXPECT_EQ(allocation_size_class(4097), 5120u);          // 4096 + 1024
  EXPECT_EQ(allocation_size_class(1 << 20), 1u << 20);
  EXPECT_EQ(allocation_size_class((1 << 20) + 1), (1u << 20) + (1u << 18));
  for (size_t n = 1; n < 100000; n = n * 3 + 1) {
    const size_t c = allocation_size_class(n);
    EXPECT_GE(c, n);
    EXPECT_LE(c, n + n / 4 + 64) << n;  // at most 25 % slack (or one 64-byte line)
    EXPECT_EQ(c % 64, 0u);
  }
}

TEST(CachingAllocator, ASteadyStateLoopMakesNoRawCalls) {
  auto memory = std::make_unique<BudgetMemory>(1 << 24);
  auto allocs = memory->allocs, frees = memory->frees;
  CachingAllocator a(std::move(memory), "fake:0");
  auto step = [&] {  // a "training step": the same sizes asked for and returned each time
    std::map<int, void*> live;
    for (int i = 0; i < 6; ++i) live[i] = a.allocate(1000u * (i + 1) + 3);
    for (auto& [i, p] : live) a.deallocate(p, 1000u * (i + 1) + 3);
  };
  step();
  const size_t after_first = *allocs;
  EXPECT_EQ(after_first, 6u);
  for (int s = 0; s < 5; ++s) step();
  EXPECT_EQ(*allocs, after_first);
  EXPECT_EQ(*frees, 0u);
  const AllocatorStats st = a.stats();
  EXPECT_EQ(st.bytes_in_use, 0u);
  EXPECT_EQ(st.os_allocations, 6u);
  EXPECT_EQ(st.allocations, 36u);
  EXPECT_GT(st.bytes_cached, 0u);
  a.release_cached();
  EXPECT_EQ(*frees, 6u);
  EXPECT_EQ(a.stats().bytes_cached, 0u);
}

TEST(CachingAllocator, ExhaustionReleasesTheCacheAndRetriesOnce) {
  auto memory = std::make_unique<BudgetMemory>(8192);
  auto held = memory->held;
  CachingAllocator a(std::move(memory), "fake:0");
  void* small = a.allocate(4096);
  a.deallocate(small, 4096);  // cached: the raw memory still holds 4096 of the 8192
  EXPECT_EQ(*held, 4096u);
  void* big = a.allocate(6000);  // class 6144: fits only once the cached block is given back
  ASSERT_NE(big, nullptr);
  EXPECT_EQ(*held, 6144u);
  EXPECT_EQ(a.stats().bytes_cached, 0u);
  EXPECT_EQ(a.stats().bytes_in_use, 6144u);
  a.deallocate(big, 6000);
}

TEST(CachingAllocator, OutOfMemorySaysWhatWasAskedHeldAndFreeAndWhatToReduce) {
  auto memory = std::make_unique<BudgetMemory>(8192);
  CachingAllocator a(std::move(memory), "fake:0");
  void* p = a.allocate(4096);
  try {
    a.allocate(5000);
    FAIL() << "expected an out-of-memory error";
  } catch (const Error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("out of memory on fake:0"), std::string::npos) << m;
    EXPECT_NE(m.find("asked for"), std::string::npos) << m;
    EXPECT_NE(m.find("5000 bytes"), std::string::npos) << m;
    EXPECT_NE(m.find("tensors hold 0.00390625 MiB"), std::string::npos) << m;
    EXPECT_NE(m.find("fake reports 4096 B free"), std::string::npos) << m;
    EXPECT_NE(m.find("train.batch_size"), std::string::npos) << m;
  }
  // The failed request leaves the books as they were.
  EXPECT_EQ(a.stats().bytes_in_use, 4096u);
  EXPECT_EQ(a.stats().allocations, 2u);
  a.deallocate(p, 4096);
}

}  // namespace
}  // namespace sf
