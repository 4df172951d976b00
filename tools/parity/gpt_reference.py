#!/usr/bin/python3
"""PyTorch reference state of a tiny GPT for tests/parity (seqforge), after llm.c's test_gpt2.

Builds in PyTorch the model that sf::SequenceModel assembles from the same ModelConfig, with the
same module tree, so every parameter has our dotted name and layout:

  wte.weight (V, D), wpe.weight (L, D)            token and learned position embeddings
  blocks.<i>.norm1.weight (D)                     pre-norm LayerNorm, no bias
  blocks.<i>.mixer.wqkv.weight (3D, D)            fused projection: rows [q; k; v], each split
                                                  into H heads of d_h = D/H consecutive rows
  blocks.<i>.mixer.wo.weight (D, D)               output projection of the merged heads
  blocks.<i>.norm2.weight (D)
  blocks.<i>.mlp.fc.weight (4D, D), blocks.<i>.mlp.proj.weight (D, 4D)   exact (erf) GELU between
  norm_f.weight (D)                               final LayerNorm; the LM head is wte (tied)

It initialises the weights with torch's RNG (wider than GPT-2's 0.02, and norm gains away from 1,
so that attention is far from uniform and every path shows in the output), draws one batch
x, y (B, T), and writes one HDF5 fixture:

  attributes of /          the ModelConfig (keys as in the YAML) and the batch size
  /params/<name>           float32 initial parameters
  /x, /y                   int64 (B, T) inputs and next-token targets
  /logits (B, T, V), /loss the forward pass (mean cross-entropy), float32
  /grads/<name>            d loss / d param (the tied wte gets both uses)
  /adamw_losses (STEPS)    loss before each of STEPS torch.optim.AdamW steps on that batch, from the
                           initial parameters: constant lr, nanoGPT grouping (weight decay on >= 2-D
                           tensors only), no clipping; the hyper-parameters are its attributes

Everything is float32. Run from the repository root with Debian's python3 (it has python3-torch):
  /usr/bin/python3 tools/parity/gpt_reference.py --out tests/parity/golden/gpt_tiny.h5
"""
import argparse
import math

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

CONFIG = dict(mixer="attention", n_layer=2, n_head=2, n_embd=32, block_size=16, vocab_size=65, dropout=0.0,
              bias=0, norm="layernorm", norm_eps=1e-5, mlp="gelu", mlp_ratio=4, gelu="erf", pos="learned",
              rope_base=10000.0, tie_embeddings=1, init_std=0.1)
BATCH = 4
SEQ_LEN = 16
STEPS = 10
ADAMW = dict(lr=1e-3, beta1=0.9, beta2=0.99, eps=1e-8, weight_decay=0.1)
SEED = 1337


class LayerNorm(nn.Module):
    """LayerNorm with a gain and no bias (torch 1.13's nn.LayerNorm cannot drop only the bias)."""

    def __init__(self, dim, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(dim))
        self.eps = eps

    def forward(self, x):
        return F.layer_norm(x, self.weight.shape, self.weight, None, self.eps)


class CausalSelfAttention(nn.Module):
    def __init__(self, c):
        super().__init__()
        d = c["n_embd"]
        self.n_head = c["n_head"]
        self.wqkv = nn.Linear(d, 3 * d, bias=False)
        self.wo = nn.Linear(d, d, bias=False)

    def forward(self, x):
        b, t, d = x.shape
        h = self.n_head
        q, k, v = self.wqkv(x).split(d, dim=2)  # (B, T, D) each
        q, k, v = (z.view(b, t, h, d // h).transpose(1, 2) for z in (q, k, v))  # (B, H, T, d_h)
        scores = q @ k.transpose(-2, -1) / math.sqrt(d // h)
        future = torch.triu(torch.ones(t, t, dtype=torch.bool), diagonal=1)
        scores = scores.masked_fill(future, float("-inf"))
        o = F.softmax(scores, dim=-1) @ v  # (B, H, T, d_h)
        return self.wo(o.transpose(1, 2).reshape(b, t, d))


class Mlp(nn.Module):
    def __init__(self, c):
        super().__init__()
        d = c["n_embd"]
        self.fc = nn.Linear(d, c["mlp_ratio"] * d, bias=False)
        self.proj = nn.Linear(c["mlp_ratio"] * d, d, bias=False)

    def forward(self, x):
        return self.proj(F.gelu(self.fc(x)))  # approximate="none": the erf form


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.norm1 = LayerNorm(c["n_embd"], c["norm_eps"])
        self.mixer = CausalSelfAttention(c)
        self.norm2 = LayerNorm(c["n_embd"], c["norm_eps"])
        self.mlp = Mlp(c)

    def forward(self, x):
        x = x + self.mixer(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class Gpt(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.wte = nn.Embedding(c["vocab_size"], c["n_embd"])
        self.wpe = nn.Embedding(c["block_size"], c["n_embd"])
        self.blocks = nn.ModuleList([Block(c) for _ in range(c["n_layer"])])
        self.norm_f = LayerNorm(c["n_embd"], c["norm_eps"])

    def forward(self, x, y):
        t = x.shape[1]
        h = self.wte(x) + self.wpe(torch.arange(t))
        for block in self.blocks:
            h = block(h)
        logits = F.linear(self.norm_f(h), self.wte.weight)  # tied head
        return logits, F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))


def init_weights(model, c):
    residual_std = c["init_std"] / math.sqrt(2 * c["n_layer"])
    for name, p in model.named_parameters():
        with torch.no_grad():
            if name.endswith("norm1.weight") or name.endswith("norm2.weight") or name == "norm_f.weight":
                p.copy_(1 + 0.2 * torch.randn_like(p))
            elif name.endswith("mixer.wo.weight") or name.endswith("mlp.proj.weight"):
                p.normal_(0.0, residual_std)
            else:
                p.normal_(0.0, c["init_std"])


def adamw_losses(model, initial, x, y):
    model.load_state_dict(initial)
    params = dict(model.named_parameters())
    decay = [p for p in params.values() if p.dim() >= 2]
    no_decay = [p for p in params.values() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": ADAMW["weight_decay"]},
                             {"params": no_decay, "weight_decay": 0.0}],
                            lr=ADAMW["lr"], betas=(ADAMW["beta1"], ADAMW["beta2"]), eps=ADAMW["eps"])
    losses = []
    for _ in range(STEPS):
        opt.zero_grad(set_to_none=True)
        _, loss = model(x, y)
        losses.append(loss.item())
        loss.backward()
        opt.step()
    return np.array(losses, dtype=np.float32)


def fixed(value):
    """Strings as fixed-length bytes: seqforge refuses HDF5 variable-length strings."""
    return np.bytes_(value) if isinstance(value, str) else value


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="HDF5 fixture to write")
    args = parser.parse_args()

    import h5py  # here, not at the top: eval_safetensors.py and shakespeare_torch.py use the model without it

    torch.manual_seed(SEED)
    torch.set_num_threads(1)
    model = Gpt(CONFIG)
    init_weights(model, CONFIG)
    initial = {k: v.clone() for k, v in model.state_dict().items()}
    tokens = torch.randint(0, CONFIG["vocab_size"], (BATCH, SEQ_LEN + 1), dtype=torch.int64)
    x, y = tokens[:, :-1].contiguous(), tokens[:, 1:].contiguous()

    logits, loss = model(x, y)
    loss.backward()

    with h5py.File(args.out, "w") as f:
        for key, value in CONFIG.items():
            f.attrs[key] = fixed(value)
        f.attrs["batch_size"] = BATCH
        f.attrs["generator"] = fixed(f"tools/parity/gpt_reference.py, PyTorch {torch.__version__}")
        for name, p in model.named_parameters():
            f[f"params/{name}"] = initial[name].numpy()
            f[f"grads/{name}"] = p.grad.numpy()
        f["x"] = x.numpy()
        f["y"] = y.numpy()
        f["logits"] = logits.detach().numpy()
        f["loss"] = np.float32(loss.item())
        losses = f.create_dataset("adamw_losses", data=adamw_losses(model, initial, x, y))
        for key, value in ADAMW.items():
            losses.attrs[key] = fixed(value)
    print(f"wrote {args.out}: loss {loss.item():.6f}")


if __name__ == "__main__":
    main()
