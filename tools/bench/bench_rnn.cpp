// RNN benchmarks (not tests), the CPU counterpart of ParaRNN's timings (Danieli et al. 2025, Fig. 1):
//  1. dense LSTM / GRU forward+backward tokens/s at PyTorch's peer shape (B=8, L=256, H=384);
//     run_rnn_bench.sh runs torch's nn.LSTM / nn.GRU in the same invocation and prints the ratio.
//  2. the ParaGRU layer, sequential vs parallel (Newton + chunked scan) wall time vs L, on 1 and on
//     `--threads` threads, with Newton iterations and the work ratio (parallel / sequential on one
//     thread).
// Usage: bench_rnn [--threads 2] [--reps 3] [--json]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "autograd/functions.h"
#include "core/parallel.h"
#include "core/rng.h"
#include "layers/rnn/dense_rnn_mixer.h"
#include "layers/rnn/para_rnn_mixer.h"

namespace {

using namespace sf;

double median_seconds(int reps, const std::function<void()>& f) {
  f();  // warm-up
  std::vector<double> t;
  for (int i = 0; i < reps; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    f();
    t.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

Tensor randn_f32(const Shape& s, uint64_t seed) {
  Tensor t = empty(s, DType::f64);
  rng_normal(t.data<double>(), t.numel(), RngStream{seed, 0, 0x42454E43});
  return t.to(DType::f32);
}

// One timed iteration: zero grads, forward, backward of sum(out * g).
double fwd_bwd(Mixer& m, const Tensor& x, const Tensor& g, int reps) {
  return median_seconds(reps, [&] {
    for (auto& p : m.parameters()) p.zero_grad();
    Variable xv(x, true);
    sum(m.forward(xv) * Variable(g)).backward();
  });
}

}  // namespace

int main(int argc, char** argv) {
  int threads = 2, reps = 3;
  bool json = false;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--threads") && i + 1 < argc) threads = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--reps") && i + 1 < argc) reps = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--json")) json = true;
  }
  set_num_threads(threads);
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // rows appear as they are measured, also through a pipe

  // 1. Dense LSTM / GRU.
  const int64_t B = 8, L = 256, H = 384;
  ModelConfig c;
  c.n_embd = H;
  const Tensor x = randn_f32({B, L, H}, 1), g = randn_f32({B, L, H}, 2);
  for (auto kind : {DenseCellKind::lstm, DenseCellKind::gru}) {
    DenseRnnMixer m(kind, c);
    m.init_parameters(0);
    const double s = fwd_bwd(m, x, g, reps);
    const char* name = kind == DenseCellKind::lstm ? "lstm" : "gru";
    if (json)
      std::printf("{\"bench\": \"dense_rnn\", \"layer\": \"%s\", \"B\": %ld, \"L\": %ld, \"H\": %ld, \"threads\": %d, "
                  "\"median_s\": %.5f, \"tok_per_s\": %.1f}\n",
                  name, long(B), long(L), long(H), threads, s, B * L / s);
    else
      std::printf("seqforge %-4s fwd+bwd B=%ld L=%ld H=%ld threads=%d: %.1f ms, %.0f tok/s\n", name, long(B), long(L),
                  long(H), threads, s * 1e3, B * L / s);
  }

  // 2. ParaGRU layer: sequential vs parallel.
  const int64_t D = 256;
  c.n_embd = D;
  c.section<RnnConfig>().heads = 4;
  std::printf("\nParaGRU layer (D = %ld, 4 heads, float32), forward+backward, median of %d\n", long(D), reps);
  std::printf("%5s %6s | %10s %10s | %10s %10s | %6s %6s | %5s\n", "B", "L", "seq 1t ms", "par 1t ms",
              "seq ms", "par ms", "work", "par/seq", "iters");
  for (int64_t b : {1, 4})
    for (int64_t len : {256, 1024, 4096}) {
      ParaRnnMixer m(ParaCellKind::gru, c);
      m.init_parameters(0);
      const Tensor xs = randn_f32({b, len, D}, 3), gs = randn_f32({b, len, D}, 4);
      double t[2][2];  // [threads 1 / N][seq / par]
      for (int tt = 0; tt < 2; ++tt) {
        set_num_threads(tt == 0 ? 1 : threads);
        for (int mode = 0; mode < 2; ++mode) {
          ParaRnnOptions o = m.options();
          o.mode = mode == 0 ? RnnMode::sequential : RnnMode::parallel;
          m.set_options(o);
          t[tt][mode] = fwd_bwd(m, xs, gs, reps);
        }
      }
      std::printf("%5ld %6ld | %10.2f %10.2f | %10.2f %10.2f | %6.2f %6.2f | %5ld\n", long(b), long(len),
                  t[0][0] * 1e3, t[0][1] * 1e3, t[1][0] * 1e3, t[1][1] * 1e3, t[0][1] / t[0][0], t[1][1] / t[1][0],
                  long(m.last_stats().iterations));
    }
  std::printf("work = parallel / sequential time on 1 thread; par/seq = the same on %d threads.\n", threads);
  return 0;
}
