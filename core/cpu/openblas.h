// OpenBLAS's single-threaded GEMM as an alternative kernel for core/cpu/gemm.cpp, loaded at run
// time (dlopen of libopenblas.so.0, Debian's libopenblas0), so the build needs no BLAS and a
// machine without it uses Eigen. Measured on the project's AVX-512 VM: 186–203 GFLOP/s for the
// 1024³ fp32 GEMM against Eigen's 115–155 (README, `seqforge bench`).
//
// Choice: SF_GEMM=eigen forces Eigen; SF_GEMM=openblas requires OpenBLAS (an error when it cannot
// be loaded); unset or auto uses OpenBLAS when it loads. Before loading, OPENBLAS_CORETYPE is set
// from the CPU's features when the user has not set it (OpenBLAS 0.3.21 does not recognise recent
// Xeons and would otherwise fall back to SSE3 kernels, ~5x slower), and OpenBLAS is held to one
// thread: threading stays ours, so results do not depend on the thread count.
#pragma once
#include <string>

namespace sf::cpu {

struct OpenBlas {
  using Sgemm = void (*)(int, int, int, int, int, int, float, const float*, int, const float*, int, float, float*,
                         int);
  using Dgemm = void (*)(int, int, int, int, int, int, double, const double*, int, const double*, int, double,
                         double*, int);
  Sgemm sgemm = nullptr;
  Dgemm dgemm = nullptr;
  std::string core;  // the kernel set OpenBLAS reports (openblas_get_corename)
};

// The loaded library, or nullptr when Eigen is used. Thread-safe; loads once.
const OpenBlas* openblas();

// "openblas (SkylakeX)" or "eigen": for benchmark reports.
std::string gemm_backend_name();

}  // namespace sf::cpu
