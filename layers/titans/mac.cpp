#include "layers/titans/mac.h"

#include <cmath>

#include "autograd/functions.h"
#include "layers/titans/persistent.h"

namespace sf {

TitansMac::TitansMac(const ModelConfig& c, DType dtype)
    : d_model_(c.n_embd), segment_(c.section<TitansConfig>().segment) {
  SF_CHECK(c.pos != PosKind::alibi, "titans_mac: model.pos alibi is not supported (use rope, or an embedding-level ",
           "learned / sinusoidal / none)");
  const int64_t D = d_model_, n_persistent = c.section<TitansConfig>().persistent;
  memory_ = register_module("memory", std::make_shared<MemoryBranch>(c, dtype));
  attention_ = register_module("attention", std::make_shared<CausalSelfAttention>(c, dtype));
  out_ = register_module("out", std::make_shared<Linear>(
                                    D, D, false, Init::uniform(1.0 / std::sqrt(static_cast<double>(D * c.n_layer))), dtype));
  if (n_persistent > 0) persistent_ = register_parameter("persistent", {n_persistent, D}, Init::normal(0.02), dtype);
}

Variable TitansMac::forward(const Variable& x) {
  const int64_t B = x.size(0), L = x.size(1);
  const MemoryBranch::Streams sx = memory_->project(x);
  MemoryState state = memory_->initial_state(B);
  std::vector<Variable> outputs;
  Variable recalled;  // h: the memory's reads for the segment before, with its queries (none before the first)
  for (int64_t start = 0; start < L; start += segment_) {
    const int64_t n = std::min(segment_, L - start);
    const Variable segment = narrow(x, 1, start, n);
    const Variable context = with_persistent(persistent_, recalled.defined() ? cat({recalled, segment}, 1) : segment);
    const int64_t visible = context.size(1) - n;  // persistent and memory tokens: seen by every row
    const Variable y = narrow(attention_->forward(context, visible), 1, visible, n);
    const MemoryBranch::Streams sy = memory_->project(y, false);
    MemoryResult r = memory_dual_form(sy.q, sy.k, sy.v, sy.gates, state, memory_->rule());
    state = std::move(r.state);
    outputs.push_back(y * memory_->merge_heads(r.y, B));
    if (start + n < L)
      recalled = memory_->merge_heads(memory_read(state.weights, narrow(sx.q, 1, start, n), memory_->rule().activation), B);
  }
  return out_->forward(outputs.size() == 1 ? outputs.front() : cat(outputs, 1));
}

std::shared_ptr<Mixer> make_titans_mac(const ModelConfig& config, int64_t /*layer_index*/, DType dtype) {
  return std::make_shared<TitansMac>(config, dtype);
}

}  // namespace sf
