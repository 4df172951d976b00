#!/usr/bin/python3
"""PyTorch peer of recipes/shakespeare_char.yaml: nanoGPT's CPU shakespeare_char run, for issue 3.

Trains the GPT of gpt_reference.py (the model seqforge builds: pre-LN, no biases, learned
positions, tied head, erf GELU) exactly as nanoGPT's train.py does with its CPU command
(batch 12, context 64, 2000 iterations, AdamW lr 1e-3 betas (0.9, 0.99) wd 0.1 on >= 2-D tensors,
warm-up 100 then cosine to 1e-4, clip 1.0, GPT-2 init with residual projections scaled by
1/sqrt(2 n_layer)), on the same corpus and split (first 90% train), and prints the validation loss
at the end over --eval-batches random batches. Seeds differ from ours (torch's RNG), so compare
the spread over seeds, not single runs. Not part of the test suite.

  /usr/bin/python3 tools/parity/shakespeare_torch.py --seeds 1337 1 2
"""
import argparse
import math
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gpt_reference import Gpt  # noqa: E402

CONFIG = dict(vocab_size=0, n_embd=128, n_head=4, n_layer=4, block_size=64, mlp_ratio=4, norm_eps=1e-5)
BATCH, STEPS, LR, MIN_LR, WARMUP = 12, 2000, 1e-3, 1e-4, 100


def lr_at(it):  # nanoGPT's get_lr
    if it < WARMUP:
        return LR * (it + 1) / (WARMUP + 1)
    ratio = (it - WARMUP) / (STEPS - WARMUP)
    return MIN_LR + 0.5 * (1.0 + math.cos(math.pi * ratio)) * (LR - MIN_LR)


def batch(data, gen):
    ix = torch.randint(len(data) - CONFIG["block_size"], (BATCH,), generator=gen)
    x = torch.stack([data[i:i + CONFIG["block_size"]] for i in ix])
    y = torch.stack([data[i + 1:i + 1 + CONFIG["block_size"]] for i in ix])
    return x, y


def run(seed, train, val, eval_batches):
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    model = Gpt(CONFIG)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("norm1.weight") or name.endswith("norm2.weight") or name == "norm_f.weight":
                p.fill_(1.0)
            elif name.endswith("mixer.wo.weight") or name.endswith("mlp.proj.weight"):
                p.normal_(0.0, 0.02 / math.sqrt(2 * CONFIG["n_layer"]))
            else:
                p.normal_(0.0, 0.02)
    params = list(model.parameters())
    opt = torch.optim.AdamW([{"params": [p for p in params if p.dim() >= 2], "weight_decay": 0.1},
                             {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0}],
                            lr=LR, betas=(0.9, 0.99), eps=1e-8)
    start = time.time()
    for it in range(STEPS):
        for group in opt.param_groups:
            group["lr"] = lr_at(it)
        x, y = batch(train, gen)
        _, loss = model(x, y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
    model.eval()
    with torch.no_grad():
        losses = [model(*batch(val, gen))[1].item() for _ in range(eval_batches)]
    return float(np.mean(losses)), time.time() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default="data/corpora/tinyshakespeare.txt")
    parser.add_argument("--seeds", type=int, nargs="+", default=[1337])
    parser.add_argument("--eval-batches", type=int, default=200)
    args = parser.parse_args()
    text = open(args.corpus, encoding="utf-8").read()
    chars = sorted(set(text))
    CONFIG["vocab_size"] = len(chars)
    index = {c: i for i, c in enumerate(chars)}
    data = torch.tensor([index[c] for c in text], dtype=torch.long)
    n = int(0.9 * len(data))
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, vocab {len(chars)}")
    for seed in args.seeds:
        val, secs = run(seed, data[:n], data[n:], args.eval_batches)
        print(f"seed {seed}: val loss {val:.4f} at step {STEPS} ({args.eval_batches} batches), {secs:.0f} s")


if __name__ == "__main__":
    main()
