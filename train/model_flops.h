// Model FLOPs per token, nanoGPT's estimate (model.py estimate_mfu, after PaLM's appendix B), which
// `seqforge bench` (model FLOP/s) and `seqforge inspect` report:
//   forward   2·N + 4·L_attn·d·T      training   3 × forward = 6·N + 12·L_attn·d·T
// N counts the parameters that enter a matrix product, two FLOPs (a multiply and an add) per parameter
// and token: every parameter except lookup-only tables (the learned position embeddings, and the token
// embedding when the LM head is untied; a tied one counts once, for the head's product). 4·d·T per
// attention block is the scores QKᵀ and their product with V at context T, over all T keys (the causal
// mask halves the useful work; the estimate, like nanoGPT's and PaLM's, does not), or over
// model.attn_window keys when that is smaller (sliding-window attention skips the rest). Training is three
// forwards: the backward pass computes gradients for both operands of each product. Not counted: norms,
// activations, softmax, and the scans of recurrent and SSM mixers (O(d·state) per token, which their
// parameters' products dominate at the sizes seqforge trains).
#pragma once
#include <cstdint>

namespace sf {

class SequenceModel;

struct FlopsPerToken {
  int64_t matmul_params = 0;     // N
  int64_t attention_layers = 0;  // L_attn: blocks whose mixer is attention
  double forward = 0;
  double training = 0;
};

FlopsPerToken flops_per_token(const SequenceModel& model, int64_t context);

}  // namespace sf
