// GEMM libraries loaded at run time (dlopen) as kernels for core/cpu/gemm.cpp, so the build needs no
// BLAS and a machine without them uses Eigen:
//   oneDNN (libdnnl.so.2/.3, Debian's libdnnl2): fp32 and bf16 x bf16 -> fp32 GEMMs (dnnl_sgemm,
//     dnnl_gemm_bf16bf16f32). On the project's Zen 4 VM its 1-thread fp32 GEMM runs 8-25 % faster than
//     OpenBLAS's SkylakeX kernel and its bf16 GEMM about twice as fast (AVX512_BF16).
//   OpenBLAS (libopenblas.so.0, Debian's libopenblas0): fp32 and fp64 (oneDNN has no fp64 GEMM).
//
// Choice: SF_GEMM=auto (or unset) loads both and prefers oneDNN; SF_GEMM=onednn or openblas loads only
// that one and makes its absence an error; SF_GEMM=eigen loads neither. Both libraries are held to one
// thread per call: threading stays ours, so results do not depend on the thread count. Before
// loading OpenBLAS, OPENBLAS_CORETYPE is set from the CPU's features when the user has not set it
// (OpenBLAS 0.3.21 does not recognise recent CPUs and would otherwise fall back to SSE3 kernels, ~5x
// slower).
#pragma once
#include <cstdint>
#include <string>

namespace sf::cpu {

struct OpenBlas {
  using Sgemm = void (*)(int, int, int, int, int, int, float, const float*, int, const float*, int, float, float*,
                         int);
  using Dgemm = void (*)(int, int, int, int, int, int, double, const double*, int, const double*, int, double,
                         double*, int);
  Sgemm sgemm = nullptr;  // cblas_sgemm
  Dgemm dgemm = nullptr;  // cblas_dgemm
  std::string core;       // the kernel set OpenBLAS reports (openblas_get_corename)
};

// Row-major, transposes as 'N'/'T'; a non-zero return is a dnnl_status_t error.
struct OneDnn {
  using Sgemm = int (*)(char, char, int64_t, int64_t, int64_t, float, const float*, int64_t, const float*, int64_t,
                        float, float*, int64_t);
  using Bf16Gemm = int (*)(char, char, int64_t, int64_t, int64_t, float, const uint16_t*, int64_t,
                           const uint16_t*, int64_t, float, float*, int64_t);
  Sgemm sgemm = nullptr;          // dnnl_sgemm
  Bf16Gemm bf16_gemm = nullptr;   // dnnl_gemm_bf16bf16f32; nullptr where this CPU has no kernel for it
  std::string version;            // "2.6.3"
};

// The loaded libraries (nullptr where not loaded). Thread-safe; loads once.
const OpenBlas* openblas();
const OneDnn* onednn();

// "onednn 2.6.3 (fp32, bf16), openblas (SkylakeX) (fp64)" or "eigen": for benchmark reports.
std::string gemm_backend_name();

}  // namespace sf::cpu
