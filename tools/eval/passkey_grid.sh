#!/usr/bin/env bash
# Passkey retrieval (spec mixers.md §8.5) of trained checkpoints at several lengths and depths: one markdown
# row per checkpoint and length, "digits / keys whole" per depth, from `seqforge eval`'s JSON line.
#   tools/eval/passkey_grid.sh [-n EXAMPLES] [-l "1024 2048 4096"] [-d "0.1 0.5 0.9"] NAME=CKPT ...
# Runs from any directory; SEQFORGE overrides the binary (default: build/seqforge next to this script).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
seqforge="${SEQFORGE:-$here/build/seqforge}"
examples=64 lengths="1024 2048 4096" depths="0.1 0.5 0.9"
while getopts "n:l:d:" opt; do
  case $opt in
    n) examples=$OPTARG ;;
    l) lengths=$OPTARG ;;
    d) depths=$OPTARG ;;
    *) echo "usage: $0 [-n EXAMPLES] [-l LENGTHS] [-d DEPTHS] NAME=CKPT ..." >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
[ $# -gt 0 ] || { echo "usage: $0 [-n EXAMPLES] [-l LENGTHS] [-d DEPTHS] NAME=CKPT ..." >&2; exit 2; }
[ -x "$seqforge" ] || { echo "$0: $seqforge not found: build first (tools/setup.sh), or set SEQFORGE" >&2; exit 1; }
echo "| model | L | depth $(echo "$depths" | sed 's/ / \/ /g'): digits | keys whole |"
echo "|---|---:|---|---|"
for spec in "$@"; do
  name="${spec%%=*}" ckpt="${spec#*=}"
  [ -f "$ckpt" ] || { echo "$0: $ckpt: no such checkpoint" >&2; exit 1; }
  for L in $lengths; do
    digits="" whole=""
    for d in $depths; do
      json="$("$seqforge" eval "$ckpt" "data.task.eval_len=$L" "data.task.passkey_depth=$d" \
        "data.task.eval_examples=$examples" | tail -n 1)"
      acc="$(sed -E 's/.*"accuracy": ([0-9.e+-]+).*/\1/' <<<"$json")"
      exact="$(sed -E 's/.*"exact_match": ([0-9.e+-]+).*/\1/' <<<"$json")"
      digits+="${digits:+ / }$(awk -v x="$acc" 'BEGIN { printf "%.1f", 100 * x }')"
      whole+="${whole:+ / }$(awk -v x="$exact" 'BEGIN { printf "%.1f", 100 * x }')"
    done
    echo "| $name | $L | $digits % | $whole % |"
  done
done
