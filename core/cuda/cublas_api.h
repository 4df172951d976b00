// cuBLAS, opened on first use instead of linked.
//
// Linking libcublas costs every process about half a second at start-up (cuBLASLt, which it
// loads, is 500 MB of kernels), and most processes — every CPU-only test among them — never multiply
// on a GPU. Internal to core/cuda.
#pragma once
#include <cublas_v2.h>

#include "core/error.h"

namespace sf::cuda {

// The cuBLAS entry points seqforge calls.
struct CublasApi {
  decltype(&cublasCreate_v2) create;
  decltype(&cublasSgemm_v2) sgemm;
  decltype(&cublasGetStatusString) status_string;
};

// Loads libcublas on the first call; throws sf::Error when it cannot be found.
const CublasApi& cublas();

}  // namespace sf::cuda

#define SF_CUBLAS_CHECK(expr)                                                                       \
  do {                                                                                              \
    cublasStatus_t sf_st_ = (expr);                                                                 \
    if (sf_st_ != CUBLAS_STATUS_SUCCESS)                                                            \
      throw ::sf::Error(::sf::detail::cat("cuBLAS error: ", ::sf::cuda::cublas().status_string(sf_st_), \
                                          " in ", #expr, " (", __FILE__, ":", __LINE__, ")"));      \
  } while (0)
