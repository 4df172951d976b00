#include "core/cpu/blas.h"

#include <dlfcn.h>

#include <cstdlib>
#include <cstring>
#include <initializer_list>

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

std::string choice() {
  const char* env = std::getenv("SF_GEMM");
  const std::string want = env && *env ? env : "auto";
  SF_CHECK(want == "auto" || want == "eigen" || want == "openblas" || want == "onednn", "SF_GEMM=", want,
           " is not one of auto, eigen, openblas, onednn");
  return want;
}

bool wanted(const std::string& kind) {
  const std::string want = choice();
  return want == "auto" || want == kind;
}

// The first of `names` that dlopen loads, or nullptr (an error when SF_GEMM names this library).
void* open_library(const std::string& kind, std::initializer_list<const char*> names, const char* package) {
  void* lib = nullptr;
  for (const char* name : names)
    if ((lib = dlopen(name, RTLD_NOW | RTLD_LOCAL))) break;
  SF_CHECK(lib || choice() != kind, "SF_GEMM=", kind, " but ", *names.begin(), " cannot be loaded (", dlerror(),
           "); install Debian's ", package);
  return lib;
}

OpenBlas* load_openblas() {
  if (!wanted("openblas")) return nullptr;
  if (const char* core = core_for_this_cpu()) setenv("OPENBLAS_CORETYPE", core, /*overwrite=*/0);
  setenv("OPENBLAS_NUM_THREADS", "1", 1);  // read when the library initialises, i.e. in dlopen
  void* lib = open_library("openblas", {"libopenblas.so.0"}, "libopenblas0");
  if (lib == nullptr) return nullptr;
  auto* blas = new OpenBlas;  // lives as long as the process, like the library
  blas->sgemm = reinterpret_cast<OpenBlas::Sgemm>(dlsym(lib, "cblas_sgemm"));
  blas->dgemm = reinterpret_cast<OpenBlas::Dgemm>(dlsym(lib, "cblas_dgemm"));
  SF_CHECK(blas->sgemm && blas->dgemm, "libopenblas.so.0 has no cblas_sgemm/cblas_dgemm");
  if (auto set_threads = reinterpret_cast<void (*)(int)>(dlsym(lib, "openblas_set_num_threads"))) set_threads(1);
  if (auto name = reinterpret_cast<char* (*)()>(dlsym(lib, "openblas_get_corename"))) blas->core = name();
  return blas;
}

OneDnn* load_onednn() {
  if (!wanted("onednn")) return nullptr;
  void* lib = open_library("onednn", {"libdnnl.so.2", "libdnnl.so.3"}, "libdnnl2");
  if (lib == nullptr) return nullptr;
  auto* dnnl = new OneDnn;  // lives as long as the process, like the library
  dnnl->sgemm = reinterpret_cast<OneDnn::Sgemm>(dlsym(lib, "dnnl_sgemm"));
  dnnl->bf16_gemm = reinterpret_cast<OneDnn::Bf16Gemm>(dlsym(lib, "dnnl_gemm_bf16bf16f32"));
  SF_CHECK(dnnl->sgemm && dnnl->bf16_gemm, "libdnnl has no dnnl_sgemm/dnnl_gemm_bf16bf16f32");
  // oneDNN 2.x implements the bf16 GEMM only from AVX-512 on; elsewhere bf16 precision takes the fp32 path.
  const uint16_t one[2] = {0x3f80, 0x3f80};  // bf16 1.0
  float c = 0;
  if (dnnl->bf16_gemm('N', 'N', 1, 1, 2, 1.0f, one, 2, one, 1, 0.0f, &c, 1) != 0 || c != 2.0f) dnnl->bf16_gemm = nullptr;
  struct Version {
    int major, minor, patch;
    const char* hash;
  };
  if (auto version = reinterpret_cast<const Version* (*)()>(dlsym(lib, "dnnl_version"))) {
    const Version* v = version();
    dnnl->version = std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->patch);
  }
  return dnnl;
}

}  // namespace

const OpenBlas* openblas() {
  static const OpenBlas* blas = load_openblas();
  return blas;
}

const OneDnn* onednn() {
  static const OneDnn* dnnl = load_onednn();
  return dnnl;
}

std::string gemm_backend_name() {
  const OneDnn* d = onednn();
  const OpenBlas* b = openblas();
  const std::string blas = b ? "openblas (" + b->core + ")" : "eigen";
  if (!d) return blas;
  return "onednn " + d->version + (d->bf16_gemm ? " (fp32, bf16), " : " (fp32), ") + blas + " (fp64)";
}

}  // namespace sf::cpu
