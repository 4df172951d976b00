// All-reduce bandwidth of the CPU communicator (issue: data-parallel training), after nccl-tests:
// for each message size, the median time of an in-place float32 sum over all ranks, the
// algorithm bandwidth (bytes / time) and the bus bandwidth (algbw · 2(n−1)/n: the traffic a ring
// all-reduce puts on each link). Each size is checked: every element must equal Σ_r (r + 1).
//
//   mpirun -np 2 --allow-run-as-root --oversubscribe build/bench_allreduce [--min-mb 1] [--max-mb 256]
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/ops.h"
#include "distributed/world.h"

namespace {

double arg(int argc, char** argv, const std::string& name, double fallback) {
  for (int i = 1; i + 1 < argc; ++i)
    if (name == argv[i]) return std::atof(argv[i + 1]);
  return fallback;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace sf;
  try {
    auto comm = make_communicator(DistributedConfig{}, Device::cpu());
    const int rank = comm->rank(), n = comm->world();
    const double min_mb = arg(argc, argv, "--min-mb", 1), max_mb = arg(argc, argv, "--max-mb", 256);
    if (rank == 0) {
      std::printf("all_reduce (sum, float32, in place), %d ranks, backend %s\n", n, comm->backend().c_str());
      std::printf("%10s %6s %12s %14s %14s\n", "bytes", "reps", "median ms", "algbw GB/s", "busbw GB/s");
    }
    for (double mb = min_mb; mb <= max_mb; mb *= 2) {
      const int64_t count = static_cast<int64_t>(mb * 1024 * 1024 / 4);
      const int reps = mb <= 16 ? 20 : mb <= 64 ? 8 : 4;
      Tensor t = empty({count}, DType::f32);
      std::vector<double> ms;
      bool correct = true;
      for (int i = -1; i < reps; ++i) {  // i = −1: warm-up
        t.fill_(double(rank + 1));
        comm->barrier();
        const auto t0 = std::chrono::steady_clock::now();
        comm->all_reduce(t, ReduceOp::sum);
        const double dt = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
        if (i >= 0) ms.push_back(dt);
        const double expected = n * (n + 1) / 2.0;
        correct = correct && t.data<float>()[0] == expected && t.data<float>()[count - 1] == expected;
      }
      std::sort(ms.begin(), ms.end());
      const double med = ms[ms.size() / 2], bytes = double(count) * 4;
      const double algbw = bytes / (med * 1e-3) / 1e9, busbw = algbw * 2.0 * (n - 1) / n;
      if (!correct) abort_world("bench_allreduce: wrong sum at " + std::to_string(mb) + " MB");
      if (rank == 0) {
        std::printf("%10.0f %6d %12.3f %14.2f %14.2f\n", bytes, reps, med, algbw, busbw);
        std::printf("{\"bytes\": %.0f, \"ranks\": %d, \"median_ms\": %.4f, \"algbw_gbs\": %.3f, \"busbw_gbs\": %.3f}\n",
                    bytes, n, med, algbw, busbw);
      }
    }
  } catch (const std::exception& e) {
    abort_world(std::string("bench_allreduce: ") + e.what());
  }
  return 0;
}
