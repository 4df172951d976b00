// Causal depthwise convolution over time, shared by the Mamba block (Gu & Dao 2023, §3.4), ParaRNN's
// block (Danieli et al. 2025, App. C.1), M2 and GAM: y[t] = bias + Σ_j weight[:, j] ⊙ x[t − K + 1 + j]
// with K = weight.size(1) and zeros before t = 0, so y[t] depends only on x[t − K + 1 .. t]. One autograd
// op with a hand-written backward (one pass over the rows each way); the tests keep the composite of shifted
// products as its oracle.
#pragma once
#include "autograd/variable.h"

namespace sf {

// x (B, L, E), weight (E, K), bias (E) -> (B, L, E).
Variable causal_conv(const Variable& x, const Variable& weight, const Variable& bias);

// The same conv one token at a time (generation, no grad): `window` holds the last K − 1 inputs
// (B, K − 1, E), zeros before the first token; x_t (B, E) -> y_t (B, E), and the window moves on by one.
Tensor causal_conv_step(Tensor& window, const Tensor& x_t, const Tensor& weight, const Tensor& bias);

}  // namespace sf
