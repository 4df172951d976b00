#include "core/cuda/cublas_api.h"

#include <dlfcn.h>

#include <string>

namespace sf::cuda {

const CublasApi& cublas() {
  // A throwing initialiser leaves the static uninitialised, so a later call tries again.
  static const CublasApi api = [] {
    // The soname first (found through the loader's path and ld.so.cache), then the library this
    // build was linked against (SF_CUBLAS_LIBRARY, from CMake).
    const std::string soname = "libcublas.so." + std::to_string(CUBLAS_VER_MAJOR);
    void* lib = dlopen(soname.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (lib == nullptr) lib = dlopen(SF_CUBLAS_LIBRARY, RTLD_NOW | RTLD_LOCAL);
    SF_CHECK(lib != nullptr, "cuda: cannot load cuBLAS (", soname, " or ", SF_CUBLAS_LIBRARY,
             "): ", dlerror());
    auto symbol = [lib](const char* name) {
      void* p = dlsym(lib, name);
      SF_CHECK(p != nullptr, "cuda: cuBLAS has no ", name, " (", SF_CUBLAS_LIBRARY, " is too old?)");
      return p;
    };
    CublasApi a;
    a.create = reinterpret_cast<decltype(a.create)>(symbol("cublasCreate_v2"));
    a.sgemm = reinterpret_cast<decltype(a.sgemm)>(symbol("cublasSgemm_v2"));
    a.status_string = reinterpret_cast<decltype(a.status_string)>(symbol("cublasGetStatusString"));
    return a;  // the library stays open for the life of the process
  }();
  return api;
}

}  // namespace sf::cuda
