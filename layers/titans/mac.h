// Titans MAC, memory as context (spec mixers.md §6.4), on the block's normed input x (B, L, D) cut into
// segments S_i of model.titans.segment tokens; M_i is the memory after segment i (M_0 learned):
//   h_i = M_{i−1}(q(S_{i−1}))                        what the memory recalls of the segment before (none for S_0)
//   y_i = attention over [P ‖ h_i ‖ S_i], rows of S_i (P and h_i visible to every row, S_i causal)
//   r_i, M_i = the memory writing keys and values of y_i, read after write with queries of y_i
//   o_i = (y_i ⊙ r_i) W_out
// Causal by construction, which the paper's description is not for a language model: reading the segment's
// own queries into h_i (h_i = M_{i−1}(q(S_i))) puts row t's read in front of rows before t, and reading M_i
// after the whole segment (o = y ⊗ M_i(y)) lets a row see the writes of later rows; here h_i comes from the
// segment before, and r_i reads token by token after each write. q comes from the memory branch's projections
// with their causal convolution over the whole sequence; y_i's from the same projections without it (y_i
// exists one segment at a time). Segments run one after another; no step(): generation recomputes.
#pragma once
#include <memory>

#include "config/run_config.h"
#include "layers/linear.h"
#include "layers/mixer.h"
#include "layers/titans/memory_branch.h"
#include "layers/transformer/causal_self_attention.h"

namespace sf {

class TitansMac : public Mixer {
 public:
  TitansMac(const ModelConfig& config, DType dtype = DType::f32);

  Variable forward(const Variable& x) override;  // (B, L, D) -> (B, L, D)

 private:
  int64_t d_model_, segment_;
  std::shared_ptr<MemoryBranch> memory_;
  std::shared_ptr<CausalSelfAttention> attention_;
  std::shared_ptr<Linear> out_;
  Variable persistent_;
};

std::shared_ptr<Mixer> make_titans_mac(const ModelConfig& config, int64_t layer_index, DType dtype);

}  // namespace sf
