#!/usr/bin/env python3
"""Reads a safetensors file with the standard library alone (struct + json), from the format's published
description (https://github.com/huggingface/safetensors):

  8 bytes    N, the header's length, unsigned 64-bit little-endian
  N bytes    UTF-8 JSON: {"<name>": {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}, ...,
             "__metadata__": {"<key>": "<string>", ...}} (trailing spaces allowed)
  the rest   the tensors' bytes, row-major, little-endian; offsets count from the first byte after the header

As a program it prints, per tensor, its name, dtype, shape and the FNV-1a 64 checksum of its raw bytes (the
hash of seqforge's core/hash.h), then the metadata keys; --json prints the same as one JSON object:

  python3 tools/safetensors/read_safetensors.py runs/tiny/checkpoints/step_000020.safetensors [--json]

As a module: read_safetensors(path) returns (tensors, metadata), tensors a dict name -> Tensor(dtype, shape,
data), in file order. A file that breaks the format raises SafetensorsError naming the file and the problem.
"""
import argparse
import json
import struct
import sys
from collections import namedtuple

Tensor = namedtuple("Tensor", ["dtype", "shape", "data"])

# Bytes per element of every dtype the format names.
DTYPE_SIZES = {"BOOL": 1, "U8": 1, "I8": 1, "F8_E5M2": 1, "F8_E4M3": 1, "I16": 2, "U16": 2, "F16": 2, "BF16": 2,
               "I32": 4, "U32": 4, "F32": 4, "I64": 8, "U64": 8, "F64": 8}
MAX_HEADER_BYTES = 100_000_000  # the reference implementation's limit


class SafetensorsError(ValueError):
    pass


def fnv1a64(data):
    """FNV-1a 64 of a bytes object, as core/hash.h's fnv1a."""
    h = 0xCBF29CE484222325
    for byte in data:
        h = ((h ^ byte) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def _elements(shape):
    n = 1
    for d in shape:
        n *= d
    return n


def read_safetensors(path):
    with open(path, "rb") as f:
        blob = f.read()

    def fail(problem):
        raise SafetensorsError(f"{path}: {problem}")

    if len(blob) < 8:
        fail(f"{len(blob)} bytes: too short for the 8-byte header length")
    (n,) = struct.unpack("<Q", blob[:8])
    if n > MAX_HEADER_BYTES or 8 + n > len(blob):
        fail(f"header length {n} does not fit the file of {len(blob)} bytes")
    try:
        header = json.loads(blob[8:8 + n].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        fail(f"header is not UTF-8 JSON: {e}")
    if not isinstance(header, dict):
        fail("header is not a JSON object")
    buffer = memoryview(blob)[8 + n:]
    metadata = header.pop("__metadata__", {})
    if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
        fail("__metadata__ is not an object of strings")

    tensors = {}
    spans = []
    for name, info in header.items():
        try:
            dtype, shape, (begin, end) = info["dtype"], info["shape"], info["data_offsets"]
        except (KeyError, TypeError, ValueError):
            fail(f"tensor '{name}' lacks dtype, shape or a [begin, end] data_offsets")
        if dtype not in DTYPE_SIZES:
            fail(f"tensor '{name}' has unknown dtype {dtype!r}")
        if not all(isinstance(d, int) and d >= 0 for d in shape):
            fail(f"tensor '{name}' has shape {shape}")
        if not (isinstance(begin, int) and isinstance(end, int) and 0 <= begin <= end <= len(buffer)):
            fail(f"tensor '{name}' has data_offsets [{begin}, {end}] outside the buffer of {len(buffer)} bytes")
        if end - begin != _elements(shape) * DTYPE_SIZES[dtype]:
            fail(f"tensor '{name}': {end - begin} bytes for {dtype} of shape {shape}")
        tensors[name] = Tensor(dtype, list(shape), bytes(buffer[begin:end]))
        spans.append((begin, end, name))

    # The format leaves no gaps: sorted by offset, each tensor starts where the previous one ends.
    at = 0
    for begin, end, name in sorted(spans):
        if begin != at:
            fail(f"tensor '{name}' starts at byte {begin} of the buffer, expected {at} (a gap or an overlap)")
        at = end
    if at != len(buffer):
        fail(f"the tensors cover {at} bytes of a buffer of {len(buffer)}")
    ordered = dict(sorted(tensors.items(), key=lambda item: header[item[0]]["data_offsets"][0]))
    return ordered, metadata


def summary(tensors, metadata):
    return {"tensors": {name: {"dtype": t.dtype, "shape": t.shape, "fnv1a64": f"{fnv1a64(t.data):016x}"}
                        for name, t in tensors.items()},
            "metadata_keys": sorted(metadata)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", help="a .safetensors file")
    parser.add_argument("--json", action="store_true", help="one JSON object instead of the table")
    args = parser.parse_args()
    try:
        tensors, metadata = read_safetensors(args.file)
    except (OSError, SafetensorsError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    s = summary(tensors, metadata)
    if args.json:
        print(json.dumps(s, indent=1))
        return 0
    for name, t in s["tensors"].items():
        print(f"{name:40s} {t['dtype']:5s} {str(t['shape']):16s} fnv1a64 {t['fnv1a64']}")
    print(f"{len(tensors)} tensors; metadata: {', '.join(s['metadata_keys']) or '(none)'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
