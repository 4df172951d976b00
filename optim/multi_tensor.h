// One parallel loop over the elements of many tensors (a "multi-tensor apply").
//
// An optimizer step touches every parameter once. Launching a loop per tensor leaves threads idle
// on the many small tensors (biases, norms), so the fused steps run a single parallel_for over the
// concatenated element range and hand each chunk to the kernel as pieces of individual tensors.
// The work per element does not depend on how the range is chunked, so results are identical for
// any thread count.
#pragma once
#include <algorithm>
#include <cstdint>
#include <vector>

#include "core/parallel.h"
#include "core/tensor.h"

namespace sf::optim_detail {

// Elements per parallel chunk: below this, threads cost more than they save.
constexpr int64_t kStepGrain = 16384;

// Calls f(i, begin, end) for pieces [begin, end) of tensor i (element indices within tensor i),
// covering every element of every tensor exactly once; sizes[i] is tensor i's element count.
template <class F>
void for_each_piece(const std::vector<int64_t>& sizes, F&& f) {
  std::vector<int64_t> start(sizes.size() + 1, 0);  // start[i] = first global index of tensor i
  for (size_t i = 0; i < sizes.size(); ++i) start[i + 1] = start[i] + sizes[i];
  parallel_for(start.back(), kStepGrain, [&](int64_t b, int64_t e) {
    // The last tensor starting at or before b holds b (empty tensors share their start with the next).
    size_t i = static_cast<size_t>(std::upper_bound(start.begin(), start.end(), b) - start.begin()) - 1;
    while (b < e) {
      int64_t piece_end = std::min(e, start[i + 1]);
      if (piece_end > b) f(i, b - start[i], piece_end - start[i]);
      b = piece_end;
      ++i;
    }
  });
}

// The CUDA steps take float32 tensors all on one device: a parameter, gradient or state elsewhere is
// refused, naming the optimizer and the parameter's index.
inline void check_on_device(const Tensor& t, Device device, const char* optimizer, size_t param) {
  SF_CHECK(t.device() == device && t.dtype() == DType::f32, optimizer, " on ", device.str(),
           ": every parameter and gradient must be float32 on that device; parameter ", param, " has a ",
           dtype_name(t.dtype()), " tensor on ", t.device().str());
}

}  // namespace sf::optim_detail
