#!/bin/sh
# Dense LSTM/GRU fwd+bwd vs torch nn.LSTM/nn.GRU (same shape, same threads, same invocation), then the
# ParaGRU sequential-vs-parallel table. Usage: tools/bench/run_rnn_bench.sh BUILD_DIR [THREADS]
set -e
BUILD=${1:?build dir}; T=${2:-2}
"$BUILD/bench_rnn" --threads "$T" --json | tee /tmp/bench_rnn.out
LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp OPENBLAS_CORETYPE=SkylakeX OPENBLAS_NUM_THREADS=$T \
  OMP_NUM_THREADS=$T /usr/bin/python3 "$(dirname "$0")/torch_rnn.py" --threads "$T" | tee /tmp/bench_rnn_torch.out
/usr/bin/python3 - <<'PY'
import json
ours = {}
for line in open("/tmp/bench_rnn.out"):
    if line.startswith("{"):
        r = json.loads(line); ours[r["layer"]] = r["tok_per_s"]
for line in open("/tmp/bench_rnn_torch.out"):
    r = json.loads(line)
    print(f"{r['layer']}: seqforge {ours[r['layer']]:.0f} tok/s, torch {r['tok_per_s']:.0f} tok/s, ratio {ours[r['layer']] / r['tok_per_s']:.2f}x")
PY
