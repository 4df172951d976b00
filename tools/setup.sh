#!/usr/bin/env bash
# Installs what seqforge needs on Debian 12 and builds it.
#
#   bash tools/setup.sh                 # missing packages, then a Release build in build/
#   bash tools/setup.sh --sanitize      # ASan + UBSan build in build-asan/ (CUDA off)
#   bash tools/setup.sh --no-build      # packages only
#   bash tools/setup.sh --plots         # also matplotlib, for the curves `seqforge ablate` and `plot` draw
#   bash tools/setup.sh --build-dir DIR [-- -DSOME_CMAKE_OPTION=VALUE ...]
#
# Safe to run again: it installs only packages that are missing (apt-get update runs only then)
# and rebuilds only what changed.
set -euo pipefail

die() { echo "setup.sh: error: $*" >&2; exit 1; }
trap 'echo "setup.sh: failed at line $LINENO: $BASH_COMMAND" >&2' ERR

usage() {
  sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'
  cat <<'TXT'
Options:
  --build-dir DIR  build folder (default: build, or build-asan with --sanitize)
  --sanitize       AddressSanitizer + UndefinedBehaviorSanitizer build (-DSF_SANITIZE=ON -DSF_CUDA=OFF)
  --fuzz           also install clang and its sanitizer/libFuzzer runtime (clang, libclang-rt-14-dev)
  --plots          also install python3-matplotlib (plots of seqforge ablate / plot; optional)
  --no-build       install packages, do not configure or build
  -- ARGS...       pass the remaining arguments to cmake's configure step
TXT
}

build_dir=""
sanitize=0
fuzz=0
plots=0
build=1
cmake_args=()
while (($#)); do
  case "$1" in
    --build-dir) (($# >= 2)) || die "--build-dir needs a folder"; build_dir="$2"; shift 2 ;;
    --build-dir=*) build_dir="${1#*=}"; shift ;;
    --sanitize) sanitize=1; shift ;;
    --fuzz) fuzz=1; shift ;;
    --plots) plots=1; shift ;;
    --no-build) build=0; shift ;;
    -h|--help) usage; exit 0 ;;
    --) shift; cmake_args+=("$@"); break ;;
    *) usage >&2; die "unknown option '$1'" ;;
  esac
done

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [[ -z "$build_dir" ]]; then
  if ((sanitize)); then build_dir="$repo/build-asan"; else build_dir="$repo/build"; fi
fi

# --- packages -------------------------------------------------------------------------------
# libdnnl2 (oneDNN, Apache-2.0) and libopenblas0-pthread: the faster GEMM kernels, loaded at run time
# (core/cpu/blas.h); without them seqforge uses Eigen's. oneDNN also has the bf16 GEMM of
# train.matmul_precision: bf16.
# libsentencepiece-dev (Apache-2.0): BPE and unigram tokenizers; nlohmann-json3-dev (MIT): safetensors
# headers and shard manifests.
packages=(build-essential cmake ninja-build libeigen3-dev libhdf5-dev libyaml-cpp-dev libcli11-dev
          libgtest-dev libopenmpi-dev openmpi-bin libopenblas0-pthread libdnnl2 libsentencepiece-dev
          nlohmann-json3-dev pkg-config)
if ((fuzz)); then packages+=(clang libclang-rt-14-dev); fi
if ((plots)); then packages+=(python3-matplotlib); fi

missing=()
for p in "${packages[@]}"; do
  # dpkg -s also lists removed packages whose config files remain; only "install ok installed" counts.
  if [[ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)" != "install ok installed" ]]; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  echo "setup.sh: installing ${missing[*]}"
  sudo=()
  if ((EUID != 0)); then
    command -v sudo >/dev/null || die "need root (or sudo) to install: ${missing[*]}"
    sudo=(sudo)
  fi
  "${sudo[@]}" apt-get update -q || die "apt-get update failed"
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q --no-install-recommends \
    "${missing[@]}" || die "apt-get install ${missing[*]} failed"
else
  echo "setup.sh: all packages present"
fi

((build)) || exit 0

# --- configure + build ----------------------------------------------------------------------
config=(-G Ninja -DCMAKE_BUILD_TYPE=Release)
if ((sanitize)); then
  # -O1 -g keeps the sanitizers' stack traces readable; CUDA is off because the CUDA runtime and
  # AddressSanitizer do not share an address space layout.
  config=(-G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g"
          -DSF_SANITIZE=ON -DSF_CUDA=OFF)
fi
jobs="$(nproc)"
echo "setup.sh: configuring $build_dir"
cmake -S "$repo" -B "$build_dir" "${config[@]}" "${cmake_args[@]}" || die "cmake configure failed"
echo "setup.sh: building $build_dir with $jobs jobs"
cmake --build "$build_dir" -j "$jobs" || die "build failed"
echo "setup.sh: done; tests: ctest --test-dir $build_dir --output-on-failure -j$jobs"
