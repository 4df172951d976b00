#include "core/cpu/openblas.h"

#include <dlfcn.h>

#include <cstdlib>
#include <cstring>

#include "core/error.h"

namespace sf::cpu {
namespace {

// The kernel set for this CPU, named as OPENBLAS_CORETYPE expects.
const char* core_for_this_cpu() {
#if defined(__x86_64__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl"))
    return "SkylakeX";
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return "Haswell";
#endif
  return nullptr;  // let OpenBLAS decide
}

OpenBlas* load() {
  const char* choice = std::getenv("SF_GEMM");
  const std::string want = choice ? choice : "auto";
  SF_CHECK(want == "auto" || want == "eigen" || want == "openblas", "SF_GEMM=", want,
           " is not one of auto, eigen, openblas");
  if (want == "eigen") return nullptr;
  if (const char* core = core_for_this_cpu()) setenv("OPENBLAS_CORETYPE", core, /*overwrite=*/0);
  setenv("OPENBLAS_NUM_THREADS", "1", 1);  // read when the library initialises, i.e. in dlopen
  void* lib = dlopen("libopenblas.so.0", RTLD_NOW | RTLD_LOCAL);
  if (lib == nullptr) {
    SF_CHECK(want != "openblas", "SF_GEMM=openblas but libopenblas.so.0 cannot be loaded (", dlerror(),
             "); install Debian's libopenblas0");
    return nullptr;
  }
  auto* blas = new OpenBlas;  // lives as long as the process, like the library
  blas->sgemm = reinterpret_cast<OpenBlas::Sgemm>(dlsym(lib, "cblas_sgemm"));
  blas->dgemm = reinterpret_cast<OpenBlas::Dgemm>(dlsym(lib, "cblas_dgemm"));
  SF_CHECK(blas->sgemm && blas->dgemm, "libopenblas.so.0 has no cblas_sgemm/cblas_dgemm");
  if (auto set_threads = reinterpret_cast<void (*)(int)>(dlsym(lib, "openblas_set_num_threads"))) set_threads(1);
  if (auto name = reinterpret_cast<char* (*)()>(dlsym(lib, "openblas_get_corename"))) blas->core = name();
  return blas;
}

}  // namespace

const OpenBlas* openblas() {
  static const OpenBlas* blas = load();
  return blas;
}

std::string gemm_backend_name() {
  const OpenBlas* b = openblas();
  return b ? "openblas (" + b->core + ")" : "eigen";
}

}  // namespace sf::cpu
