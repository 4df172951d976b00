#!/usr/bin/python3
"""PyTorch peer of `seqforge bench`: the same GPT (pre-LayerNorm blocks, learned positions, exact GELU MLP,
weight-tied LM head, no dropout), the same batch, AdamW and grad-norm clip, timed the same way.

One timed step = zero_grad + forward + cross-entropy + backward + clip + AdamW step, after warm-up steps;
tokens are uniform random (data loading is outside the timed region in both programs).
Prints one JSON object on its last line: tokens_per_s, model_flops_per_s (nanoGPT's estimate:
6·params + 12·n_layer·d·ctx per token, params without position embeddings), gemm_limit_flops_per_s (a
1024³ matmul, fp32 or bf16 as the forward), peak_rss_bytes, and the BLAS environment. --autocast bf16 runs
the forward under torch.autocast (bf16 GEMMs through oneDNN, fp32 weights and optimizer), the peer of
seqforge's train.matmul_precision: bf16.

Set OPENBLAS_NUM_THREADS (and OMP_NUM_THREADS) to --threads: torch.set_num_threads does not reach
OpenBLAS's own pool. `seqforge bench --peer torch` sets them, with the fastest OpenBLAS set-up here
(see tools/bench/README.md).
"""
import argparse
import json
import math
import os
import resource
import statistics
import sys
import time

ap = argparse.ArgumentParser()
ap.add_argument("--n-layer", type=int, required=True)
ap.add_argument("--n-head", type=int, required=True)
ap.add_argument("--n-embd", type=int, required=True)
ap.add_argument("--ctx", type=int, required=True)
ap.add_argument("--batch", type=int, required=True)
ap.add_argument("--vocab", type=int, required=True)
ap.add_argument("--bias", type=int, default=0)
ap.add_argument("--threads", type=int, default=2)
ap.add_argument("--warmup", type=int, default=3)
ap.add_argument("--steps", type=int, default=10)
ap.add_argument("--lr", type=float, default=1e-3)
ap.add_argument("--beta1", type=float, default=0.9)
ap.add_argument("--beta2", type=float, default=0.99)
ap.add_argument("--weight-decay", type=float, default=0.1)
ap.add_argument("--clip", type=float, default=1.0)
ap.add_argument("--autocast", choices=["none", "bf16"], default="none",
                help="bf16: forward under torch.autocast('cpu', bfloat16), the GEMM limit in bf16")
args = ap.parse_args()

try:
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
except ImportError:
    print("torch_peer: PyTorch is not installed (apt-get install python3-torch)", file=sys.stderr)
    sys.exit(3)

torch.set_num_threads(args.threads)
torch.manual_seed(1337)


class Attention(nn.Module):
    def __init__(self, d, h, ctx, bias):
        super().__init__()
        self.h = h
        self.wqkv = nn.Linear(d, 3 * d, bias=bias)
        self.wo = nn.Linear(d, d, bias=bias)
        self.register_buffer("mask", torch.tril(torch.ones(ctx, ctx, dtype=torch.bool)).view(1, 1, ctx, ctx))

    def forward(self, x):
        B, T, C = x.shape
        q, k, v = [t.view(B, T, self.h, C // self.h).transpose(1, 2) for t in self.wqkv(x).split(C, dim=2)]
        # torch 1.13 has no F.scaled_dot_product_attention: nanoGPT's explicit path
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
        att = F.softmax(att.masked_fill(~self.mask[:, :, :T, :T], float("-inf")), dim=-1)
        return self.wo((att @ v).transpose(1, 2).contiguous().view(B, T, C))


class Block(nn.Module):
    def __init__(self, d, h, ctx, bias):
        super().__init__()
        self.ln1 = nn.LayerNorm(d, elementwise_affine=True)
        self.attn = Attention(d, h, ctx, bias)
        self.ln2 = nn.LayerNorm(d)
        self.fc = nn.Linear(d, 4 * d, bias=bias)
        self.proj = nn.Linear(4 * d, d, bias=bias)
        if not bias:
            self.ln1.bias = None
            self.ln2.bias = None

    def forward(self, x):
        x = x + self.attn(self.ln1(x))
        return x + self.proj(F.gelu(self.fc(self.ln2(x))))


class GPT(nn.Module):
    def __init__(self):
        super().__init__()
        d = args.n_embd
        self.wte = nn.Embedding(args.vocab, d)
        self.wpe = nn.Embedding(args.ctx, d)
        self.blocks = nn.ModuleList([Block(d, args.n_head, args.ctx, bool(args.bias)) for _ in range(args.n_layer)])
        self.ln_f = nn.LayerNorm(d)
        if not args.bias:
            self.ln_f.bias = None
        for p in self.parameters():
            if p.dim() >= 2:
                nn.init.normal_(p, 0.0, 0.02)

    def forward(self, idx, targets):
        x = self.wte(idx) + self.wpe(torch.arange(idx.size(1)))
        for b in self.blocks:
            x = b(x)
        logits = F.linear(self.ln_f(x), self.wte.weight)  # tied LM head
        return F.cross_entropy(logits.view(-1, logits.size(-1)), targets.reshape(-1))


model = GPT()
params = [p for p in model.parameters()]
n_params = sum(p.numel() for p in params) - model.wpe.weight.numel()
opt = torch.optim.AdamW([{"params": [p for p in params if p.dim() >= 2], "weight_decay": args.weight_decay},
                         {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0}],
                        lr=args.lr, betas=(args.beta1, args.beta2))
B, T = args.batch, args.ctx
flops_per_token = 6 * n_params + 12 * args.n_layer * args.n_embd * T
g = torch.Generator().manual_seed(0)


bf16 = args.autocast == "bf16"


def gemm_limit():
    a, b = torch.randn(1024, 1024), torch.randn(1024, 1024)
    if bf16:
        a, b = a.bfloat16(), b.bfloat16()
    times = []
    for i in range(6):
        t0 = time.perf_counter()
        torch.mm(a, b)
        if i:
            times.append(time.perf_counter() - t0)
    return 2 * 1024**3 / statistics.median(times)


limit = gemm_limit()
times = []
for it in range(args.warmup + args.steps):
    x = torch.randint(args.vocab, (B, T + 1), generator=g)
    t0 = time.perf_counter()
    opt.zero_grad(set_to_none=True)
    with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
        loss = model(x[:, :T], x[:, 1:])
    loss.backward()
    torch.nn.utils.clip_grad_norm_(params, args.clip)
    opt.step()
    dt = time.perf_counter() - t0
    if it >= args.warmup:
        times.append(dt)

med = statistics.median(times)
res = dict(peer="torch " + torch.__version__, threads=args.threads, autocast=args.autocast,
           openblas_coretype=os.environ.get("OPENBLAS_CORETYPE"),
           openblas_num_threads=os.environ.get("OPENBLAS_NUM_THREADS"),
           blas_dir=os.environ.get("LD_LIBRARY_PATH", ""), params=n_params, tokens_per_step=B * T,
           median_step_s=med, tokens_per_s=B * T / med, model_flops_per_s=flops_per_token * B * T / med,
           gemm_limit_flops_per_s=limit,
           peak_rss_bytes=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024, loss_last=loss.item())
print(json.dumps(res), flush=True)
