#!/usr/bin/python3
"""Copies one block's mixer parameters out of a seqforge checkpoint into a small HDF5 fixture.

The trained-weights tests of tests/layers/rnn load ParaGRU / ParaLSTM weights from these fixtures
(a few KB) instead of whole checkpoints (embeddings and optimizer state). Datasets keep the
parameter names under the mixer (a, b, cp, w_in); attributes record the source.

  /usr/bin/python3 tools/parity/extract_mixer.py CHECKPOINT OUT.h5 [--block 0] [--note TEXT]
"""
import argparse

import h5py


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("checkpoint")
    p.add_argument("out")
    p.add_argument("--block", type=int, default=0)
    p.add_argument("--note", default="")
    args = p.parse_args()
    prefix = f"blocks.{args.block}.mixer."
    with h5py.File(args.checkpoint, "r") as src, h5py.File(args.out, "w") as dst:
        names = [n for n in src["/model"] if n.startswith(prefix)]
        if not names:
            raise SystemExit(f"{args.checkpoint}: no parameters under {prefix}")
        for n in names:
            dst.create_dataset(n[len(prefix):], data=src["/model"][n][()])
        dst.attrs["source_step"] = int(src["/state/step"][()])
        dst.attrs["note"] = args.note
        print(f"{args.out}: {', '.join(n[len(prefix):] for n in names)} (step {dst.attrs['source_step']})")


if __name__ == "__main__":
    main()
