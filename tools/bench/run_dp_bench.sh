#!/bin/sh
# Data-parallel throughput (not a test): the same recipe and global batch on 1 rank with 2 threads
# and on 2 ranks with 1 thread each (mpirun), median tokens/s of the logged windows after the
# first, then the all-reduce bandwidth table of bench_allreduce.
# Usage: tools/bench/run_dp_bench.sh BUILD_DIR [RECIPE] [STEPS]
set -e
BUILD=${1:?build dir}; RECIPE=${2:-recipes/shakespeare_char.yaml}; STEPS=${3:-100}
OUT=$(mktemp -d)
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
ARGS="train.steps=$STEPS train.log_every=$((STEPS / 5)) train.eval_every=$((STEPS * 10)) train.eval_batches=1 train.checkpoint_every=0"
"$BUILD/seqforge" train "$RECIPE" $ARGS train.threads=2 --out "$OUT/one" > /dev/null
mpirun -np 2 --oversubscribe "$BUILD/seqforge" train "$RECIPE" $ARGS train.threads=1 --out "$OUT/two" > /dev/null
/usr/bin/python3 - "$OUT" "$RECIPE" <<'PY'
import json, statistics, sys
out, recipe = sys.argv[1], sys.argv[2]
def median_tps(run):
    rows = [json.loads(l) for l in open(f"{out}/{run}/metrics.jsonl")]
    tps = [r["tokens_per_s"] for r in rows if "tokens_per_s" in r][1:]
    return statistics.median(tps)
one, two = median_tps("one"), median_tps("two")
print(f"{recipe}: 1 rank x 2 threads {one:.0f} tok/s, 2 ranks x 1 thread {two:.0f} tok/s, ratio {two / one:.2f}")
PY
mpirun -np 2 --oversubscribe "$BUILD/bench_allreduce" | grep -v '^{'
rm -rf "$OUT"
