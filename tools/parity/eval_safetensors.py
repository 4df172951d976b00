#!/usr/bin/python3
"""Cross-entropy of a `seqforge export` file in PyTorch: the other side of the export's parity test.

Loads MODEL.safetensors with tools/safetensors/read_safetensors.py (the standard-library reader), builds the
GPT of gpt_reference.py from the model section of the config the export carries in its metadata, loads
the tensors into it by their dotted names (strict: every parameter, no extra one; BF16 tensors are widened
to float32), and evaluates the mean over batches of each batch's mean next-token cross-entropy, as
`seqforge eval` does, on the token batches of BATCHES.safetensors: int64 tensors x and y of shape
(batches, B, T). Prints one JSON object: {"loss": ..., "batches": N}.

Only the architecture gpt_reference.py builds is supported (attention mixer, transformer blocks, LayerNorm
without bias, erf GELU MLP, learned positions, tied head, no residual scale, full causal attention: no
model.attn_window); another is refused naming the key. Needs PyTorch (Debian: apt-get install python3-torch,
which brings PyYAML):

  /usr/bin/python3 tools/parity/eval_safetensors.py MODEL.safetensors BATCHES.safetensors
"""
import argparse
import json
import os
import sys

import torch
import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "safetensors"))
from gpt_reference import Gpt  # noqa: E402
from read_safetensors import read_safetensors  # noqa: E402

TORCH_DTYPES = {"F32": torch.float32, "F64": torch.float64, "BF16": torch.bfloat16, "I32": torch.int32,
                "I64": torch.int64}
# What gpt_reference.Gpt is: any other value of these keys is another model.
REQUIRED = dict(mixer="attention", layers=[], block="transformer", bias=False, norm="layernorm", mlp="gelu",
                gelu="erf", pos="learned", tie_embeddings=True, residual_scale=False, attn_window=0)


def to_torch(t):
    if t.dtype not in TORCH_DTYPES:
        raise SystemExit(f"error: dtype {t.dtype} is not one seqforge exports")
    return torch.frombuffer(bytearray(t.data), dtype=TORCH_DTYPES[t.dtype]).reshape(t.shape)


def model_config(metadata, path):
    if metadata.get("format") != "seqforge":
        raise SystemExit(f"error: {path}: not a seqforge export (its __metadata__ has no format: seqforge)")
    model = yaml.safe_load(metadata["config"])["model"]
    for key, want in REQUIRED.items():
        if model.get(key, want) != want:
            raise SystemExit(f"error: {path}: model.{key} = {model[key]!r}; gpt_reference.py builds {want!r} only")
    return model


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", help="a file written by seqforge export --format safetensors")
    parser.add_argument("batches", help="a safetensors file with int64 x and y of shape (batches, B, T)")
    args = parser.parse_args()
    torch.set_num_threads(1)

    tensors, metadata = read_safetensors(args.model)
    model = Gpt(model_config(metadata, args.model))
    model.load_state_dict({name: to_torch(t).float() for name, t in tensors.items()}, strict=True)
    model.eval()

    batches, _ = read_safetensors(args.batches)
    x, y = to_torch(batches["x"]), to_torch(batches["y"])
    with torch.no_grad():
        losses = [model(x[i], y[i])[1].item() for i in range(x.shape[0])]
    print(json.dumps({"loss": sum(losses) / len(losses), "batches": len(losses)}))


if __name__ == "__main__":
    main()
