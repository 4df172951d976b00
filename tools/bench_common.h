// Helpers shared by the scenarios of `seqforge bench`: random batches, medians, running the PyTorch peer,
// reading its JSON.
#pragma once
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "data/batch_source.h"

namespace sf::cli {

double median(std::vector<double> v);

// B sequences of T uniformly random tokens below V, with their next tokens as targets.
Batch random_batch(std::mt19937_64& gen, int64_t B, int64_t T, int64_t V);

// Runs a shell command; true when it exited 0. Its stdout is appended to `out`.
bool run_capture(const std::string& command, std::string& out);

// The number after "key": in a one-line JSON object (the peer's own output); throws when it is missing.
double json_number(const std::string& json, const std::string& key);
// The string after "key": (without escapes) in such an object.
std::string json_string(const std::string& json, const std::string& key);

// The environment PyTorch runs fastest with here (tools/bench/README.md): OpenBLAS openmp, SkylakeX
// kernels, `threads` BLAS and OpenMP threads; a prefix for a shell command.
std::string torch_env(int64_t threads);

// Why the peer cannot run ("" when it can): PyTorch missing, or the script not found.
std::string torch_peer_unavailable(const std::string& script);

}  // namespace sf::cli
