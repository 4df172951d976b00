#!/usr/bin/env python3
"""Tokens/s against sequence length of single mixer blocks, from `seqforge bench tools/bench/mixer_blocks.yaml
--peer torch --json-out FILE` (one JSON object per program, block and length).

    plot_blocks.py BLOCKS.jsonl --out throughput.png

Left: forward+backward tokens/s against L (log-log), a colour per block, solid seqforge, dashed PyTorch.
Right: the ratio seqforge / PyTorch per block and L. Exit code 3 when matplotlib is missing
(sudo apt-get install python3-matplotlib).
"""
import argparse
import json
import sys

import pyplot


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("jsonl")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    plt = pyplot.load("plot_blocks.py")
    if plt is None:
        return 3
    points = {}
    with open(args.jsonl) as f:
        for line in f:
            line = line.strip()
            if line.startswith("{"):
                r = json.loads(line)
                points[(r["program"], r["block"], r["L"])] = r["tokens_per_s"]
    blocks = sorted({b for _, b, _ in points})
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    for i, block in enumerate(blocks):
        colour = f"C{i}"
        for program, style in (("seqforge", "-"), ("torch", "--")):
            ls = sorted(L for p, b, L in points if p == program and b == block)
            if ls:
                left.plot(ls, [points[(program, block, L)] for L in ls], style, marker="o", color=colour,
                          label=f"{block} ({program})")
        both = sorted(L for p, b, L in points if p == "seqforge" and b == block and ("torch", block, L) in points)
        if both:
            right.plot(both, [points[("seqforge", block, L)] / points[("torch", block, L)] for L in both], marker="o",
                       color=colour, label=block)
    for ax in (left, right):
        ax.set_xscale("log", base=2)
        ax.set_xlabel("sequence length L")
        ax.grid(True, alpha=0.3)
    left.set_yscale("log")
    left.set_ylabel("tokens/s (forward + backward, B = 1)")
    left.legend(fontsize=7)
    right.axhline(1.0, color="grey", lw=0.8)
    right.axhline(1.5, color="grey", lw=0.8, ls=":")
    right.set_ylabel("seqforge / PyTorch")
    right.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(args.out, dpi=110)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
