# Compiler flags shared by every target.
add_library(sf_flags INTERFACE)
target_compile_options(sf_flags INTERFACE
  $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra -Wno-unused-parameter>)
# We never read floating-point exception flags. Without this GCC keeps every loop with a compare-and-
# select on floats scalar (it may not speculate an FP compare that could trap), e.g. the clamped exp
# of the selective scan (~50x fewer vector instructions). Results are unchanged: no reassociation.
target_compile_options(sf_flags INTERFACE $<$<COMPILE_LANGUAGE:CXX>:-fno-trapping-math>)
if(SF_NATIVE)
  target_compile_options(sf_flags INTERFACE $<$<COMPILE_LANGUAGE:CXX>:-march=native>)
endif()
target_compile_options(sf_flags INTERFACE $<$<AND:$<COMPILE_LANGUAGE:CXX>,$<CONFIG:Release>>:-O3>)
if(SF_SANITIZE)
  target_compile_options(sf_flags INTERFACE
    $<$<COMPILE_LANGUAGE:CXX>:-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined>)
  target_link_options(sf_flags INTERFACE -fsanitize=address,undefined)
endif()
target_link_libraries(sf_flags INTERFACE OpenMP::OpenMP_CXX)

# Warnings as errors on the CUDA backend's sources (core/cuda, optim/cuda, the NCCL communicator), for
# CI's CUDA step (.ci/run): C++ warnings plus nvcc's own and the host compiler's on device code. Not on the
# rest: GCC 12 reports false maybe-uninitialized warnings inside its own AVX-512 headers under
# -march=native. Off by default, so that a newer compiler's new warning never stops a user's build.
option(SF_WERROR "Treat warnings as errors in the CUDA backend's sources" OFF)
set(SF_WERROR_OPTIONS "")
if(SF_WERROR)
  set(SF_WERROR_OPTIONS $<$<COMPILE_LANGUAGE:CXX>:-Werror>
      $<$<COMPILE_LANGUAGE:CUDA>:--Werror=all-warnings -Xcompiler=-Wall,-Wextra,-Wno-unused-parameter,-Werror>)
endif()

# libFuzzer targets (tests/fuzz): clang only. Every target gets coverage instrumentation plus ASan and
# UBSan, so that the fuzzer sees and checks our code, not only the entry points.
option(SF_FUZZ "Build the libFuzzer targets in tests/fuzz (clang; instruments every target)" OFF)
if(SF_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "SF_FUZZ needs clang (libFuzzer): configure with -DCMAKE_CXX_COMPILER=clang++-14 "
                        "-DCMAKE_C_COMPILER=clang-14; found ${CMAKE_CXX_COMPILER_ID}")
  endif()
  target_compile_options(sf_flags INTERFACE $<$<COMPILE_LANGUAGE:CXX>:
    -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined>)
  target_link_options(sf_flags INTERFACE -fsanitize=address,undefined)
endif()
