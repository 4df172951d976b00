#!/usr/bin/env python3
"""Writes an llm.c token file: 256 little-endian int32 (magic 20240520, version 1 = uint16 ids, count), then the ids.
usage: write_llmc_bin.py OUT.bin --text FILE     ids = the file's bytes (data.tokenizer: byte)
       write_llmc_bin.py OUT.bin --tokens FILE   ids = whitespace-separated integers < 65536 (FILE - = stdin)"""
import array, struct, sys

def write_llmc_bin(path, ids):
    tokens = array.array("H", ids)
    if sys.byteorder != "little":
        tokens.byteswap()
    with open(path, "wb") as f:
        f.write(struct.pack("<256i", 20240520, 1, len(tokens), *[0] * 253))
        tokens.tofile(f)

if __name__ == "__main__":
    out, mode, source = sys.argv[1:4]
    stream = sys.stdin.buffer if source == "-" else open(source, "rb")
    data = stream.read()
    write_llmc_bin(out, list(data) if mode == "--text" else [int(t) for t in data.split()])
