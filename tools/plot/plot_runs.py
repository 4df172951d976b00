#!/usr/bin/env python3
"""Training curves of seqforge runs, read from each run directory's metrics.jsonl.

    plot_runs.py --curves curves.png [--throughput throughput.png] LABEL=RUN_DIR ...

curves.png: training loss (left) and validation loss (right) against steps, one line per run; runs whose
labels differ only by a "-seedN" suffix share a colour. throughput.png: median tokens/s (rows/s for autoencoder runs) per label
(mean over its seeds, with the spread). Exit code 3 when matplotlib is missing (python3-matplotlib on
Debian): seqforge then says what to install and carries on without plots.
"""
import argparse
import json
import math
import os
import re
import statistics
import sys

import pyplot


def read_metrics(run_dir):
    rows = []
    try:
        with open(os.path.join(run_dir, "metrics.jsonl")) as f:
            for line in f:
                try:
                    rows.append(json.loads(line))
                except ValueError:
                    pass  # a line cut short by a kill
    except OSError:
        pass
    return rows


def series(rows, key):
    pts = [(r["step"], r[key]) for r in rows if r.get(key) is not None and r.get("step") is not None]
    return [p[0] for p in pts], [p[1] for p in pts]


def wants_log(values):
    """Log scale where the curve spans more than a factor 10 (a task whose loss falls to ~0)."""
    pos = [v for v in values if v > 0 and math.isfinite(v)]
    return len(pos) > 1 and max(pos) / min(pos) > 10


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--curves", required=True)
    parser.add_argument("--throughput")
    parser.add_argument("--title", default="")
    parser.add_argument("runs", nargs="+", help="LABEL=RUN_DIR")
    args = parser.parse_args()
    plt = pyplot.load("plot_runs.py")
    if plt is None:
        return 3

    runs = []
    for spec in args.runs:
        label, sep, run_dir = spec.partition("=")
        if not sep:
            label, run_dir = os.path.basename(os.path.normpath(spec)), spec
        runs.append((label, run_dir, read_metrics(run_dir)))
    groups = []
    for label, _, _ in runs:
        g = re.sub(r"-seed-?\d+$", "", label)
        if g not in groups:
            groups.append(g)
    cmap = plt.get_cmap("tab10" if len(groups) <= 10 else "tab20")
    colour = {g: cmap(i % cmap.N) for i, g in enumerate(groups)}
    styles = ["-", "--", ":", "-."]

    fig, axes = plt.subplots(1, 2, figsize=(13, 5))
    all_train, all_val, final_val = [], [], []
    seen_group = {}
    for label, _, rows in runs:
        g = re.sub(r"-seed-?\d+$", "", label)
        k = seen_group.get(g, 0)
        seen_group[g] = k + 1
        style = dict(color=colour[g], linestyle=styles[k % len(styles)], linewidth=1.2)
        x, y = series(rows, "loss")
        all_train += y
        axes[0].plot(x, y, label=label, alpha=0.85, marker="o" if len(y) <= 2 else None, markersize=3, **style)
        x, y = series(rows, "val_loss")
        all_val += y
        final_val += y[-1:]
        axes[1].plot(x, y, marker="o", markersize=3, label=label, **style)
    for ax, name, values in ((axes[0], "training loss", all_train), (axes[1], "validation loss", all_val)):
        ax.set_xlabel("step")
        ax.set_ylabel(name)
        ax.grid(True, alpha=0.3)
        if wants_log(values):
            ax.set_yscale("log")
    if final_val and not wants_log(all_val):
        # Zoom on where the runs end and differ; the first evaluations (near log(vocab)) say little.
        lo, top = min(all_val), max(final_val)
        top = min(max(all_val), top + max(0.15, top - lo))
        axes[1].set_ylim(lo - 0.05 * (top - lo + 1e-3), top + 0.02 * (top - lo + 1e-3))
    axes[1].legend(fontsize=8, loc="upper right", ncol=1 if len(runs) <= 12 else 2)
    if args.title:
        fig.suptitle(args.title)
    fig.tight_layout()
    fig.savefig(args.curves, dpi=110)
    plt.close(fig)

    if args.throughput:
        per_group = {}
        # Tokens/s of sequence models; rows/s of the autoencoder (model.arch: autoencoder), when no run has tokens.
        unit = "tokens_per_s" if any(series(rows, "tokens_per_s")[1] for _, _, rows in runs) else "rows_per_s"
        for label, _, rows in runs:
            _, tps = series(rows, unit)
            if tps:
                per_group.setdefault(re.sub(r"-seed-?\d+$", "", label), []).append(statistics.median(tps))
        names = [g for g in groups if g in per_group]
        means = [statistics.mean(per_group[g]) for g in names]
        spread = [statistics.stdev(per_group[g]) if len(per_group[g]) > 1 else 0 for g in names]
        fig, ax = plt.subplots(figsize=(max(6, 0.8 * len(names) + 2), 4.5))
        ax.bar(range(len(names)), means, yerr=spread, color=[colour[g] for g in names], capsize=3)
        ax.set_xticks(range(len(names)))
        ax.set_xticklabels(names, rotation=30, ha="right", fontsize=8)
        ax.set_ylabel(("tokens/s" if unit == "tokens_per_s" else "rows/s") + " (median of logged windows)")
        ax.grid(True, axis="y", alpha=0.3)
        if args.title:
            ax.set_title(args.title)
        fig.tight_layout()
        fig.savefig(args.throughput, dpi=110)
        plt.close(fig)
    return 0


if __name__ == "__main__":
    sys.exit(main())
