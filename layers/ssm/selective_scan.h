// The selective scan of Mamba (Gu & Dao 2023, Algorithm 2; oracle: `selective_scan_ref` in
// state-spaces/mamba) as one fused autograd op. As in the reference code (unlike the paper's text),
// A is discretised by ZOH and B by the Euler rule Δ B.
//
//   h_t[e,n] = exp(Δ_t[e] A[e,n]) h_{t−1}[e,n] + Δ_t[e] Bm_t[n] u_t[e],   h_{−1} = 0
//   y_t[e]   = Σ_n Cm_t[n] h_t[e,n] + D[e] u_t[e]
//
// CPU algorithm: time is cut into chunks of `chunk` steps and channels into blocks; the state of
// every (batch, chunk, channel) is kept only at chunk starts (B·⌈L/chunk⌉·E·N values) and
// recomputed inside a chunk during backward, so no (B, L, E, N) tensor is ever written. Work items
// run in parallel; when batch × channel blocks are too few to occupy the cores, chunks run in
// parallel too with a two-level scan (local scans, a sequential pass over chunk boundaries, a
// rerun from the corrected starts). Backward is the reverse (adjoint) scan
// λ_t[e,n] = g_t[e] Cm_t[n] + exp(Δ_{t+1}[e] A[e,n]) λ_{t+1}[e,n] with the same schedule.
// Cross-channel and cross-chunk sums go through per-item partials reduced in a fixed order:
// results are bit-identical for any thread count.
#pragma once
#include "autograd/function.h"

namespace sf {

enum class ScanSchedule : uint8_t {
  automatic,  // chunked when batch × channel blocks < kScanMinItems, else sequential (shape-only rule)
  sequential,  // each (batch, channel block) walks time sequentially
  chunked,     // the two-level scan: chunks in parallel
};
inline constexpr int64_t kScanMinItems = 16;

struct ScanOptions {
  int64_t chunk = 64;  // time steps between stored states
  ScanSchedule schedule = ScanSchedule::automatic;
};

// u, delta (B, L, E); A (E, N); Bm, Cm (B, L, N); D (E) -> y (B, L, E). float32 or float64.
Variable selective_scan(const Variable& u, const Variable& delta, const Variable& A, const Variable& Bm,
                        const Variable& Cm, const Variable& D, const ScanOptions& options = {});

// One recurrent step for generation, no autograd: h (B, E, N) is updated in place;
// u_t, delta_t (B, E); Bm_t, Cm_t (B, N) -> y_t (B, E).
Tensor selective_scan_step(Tensor& h, const Tensor& u_t, const Tensor& delta_t, const Tensor& A, const Tensor& Bm_t,
                           const Tensor& Cm_t, const Tensor& D);

}  // namespace sf
