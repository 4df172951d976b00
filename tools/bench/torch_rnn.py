#!/usr/bin/python3
"""The peer of bench_rnn: torch.nn.LSTM / nn.GRU (1 layer, batch_first, B=8, L=256, H=384) forward +
backward of sum(out * g), zero grads included, median of --reps; one JSON line per layer."""
import argparse, json, statistics, time
import torch

ap = argparse.ArgumentParser()
ap.add_argument("--threads", type=int, default=2)
ap.add_argument("--reps", type=int, default=5)
a = ap.parse_args()
torch.set_num_threads(a.threads)
torch.manual_seed(0)
B, L, H = 8, 256, 384
x = torch.randn(B, L, H, requires_grad=True)
g = torch.randn(B, L, H)
for name, cls in (("lstm", torch.nn.LSTM), ("gru", torch.nn.GRU)):
    m = cls(H, H, batch_first=True)
    ts = []
    for i in range(a.reps + 1):
        m.zero_grad(); x.grad = None
        t0 = time.perf_counter()
        (m(x)[0] * g).sum().backward()
        if i: ts.append(time.perf_counter() - t0)
    s = statistics.median(ts)
    print(json.dumps({"layer": name, "B": B, "L": L, "H": H, "threads": a.threads, "median_s": s, "tok_per_s": B * L / s}))
