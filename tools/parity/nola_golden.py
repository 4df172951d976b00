#!/usr/bin/python3
"""Independent reference for NOLA's random bases (spec optim.md §0.2, §2.2), in plain Python.

Writes tests/layers/adapters/golden/nola_seed0.txt: the first 8 entries of U_0, V_0 and A0 for
nola.seed 0 and the module "blocks.0.attn.q" with d_in = 128, as exact hex floats (float32 values).
Nothing here is shared with the C++ code: Philox4x32-10, SplitMix64, FNV-1a, usym and the fp32
rounding are written out again from the spec. Run: /usr/bin/python3 tools/parity/nola_golden.py
"""
import math
import os
import struct

M32, M64 = 0xFFFFFFFF, 0xFFFFFFFFFFFFFFFF
TAG_NOLA = 0x4E4F4C41
OFFSET_INDEX = 0xFFFFFFFF


def philox4x32_10(c, k0, k1):
    c = list(c)
    for rnd in range(10):
        if rnd > 0:
            k0, k1 = (k0 + 0x9E3779B9) & M32, (k1 + 0xBB67AE85) & M32
        p0, p1 = 0xD2511F53 * c[0], 0xCD9E8D57 * c[2]
        c = [(p1 >> 32) ^ c[1] ^ k0, p1 & M32, (p0 >> 32) ^ c[3] ^ k1, p0 & M32]
    return c


def splitmix64(x):
    z = (x + 0x9E3779B97F4A7C15) & M64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    return z ^ (z >> 31)


def mix(a, b):
    return splitmix64(a ^ splitmix64(b))


def fnv1a(text):
    h = 0xCBF29CE484222325
    for byte in text.encode():
        h = ((h ^ byte) * 0x100000001B3) & M64
    return h


def f32(x):
    return struct.unpack("<f", struct.pack("<f", x))[0]


def usym(word):  # exact in float32
    return 2.0 * (((word >> 9) + 0.5) * 2.0**-23) - 1.0


def words(seed, idx, tag, n):
    out = []
    for q in range((n + 3) // 4):
        out += philox4x32_10([q & M32, q >> 32, idx, tag], seed & M32, seed >> 32)
    return out[:n]


def check_known_answers():
    assert philox4x32_10([0] * 4, 0, 0) == [0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8]
    assert philox4x32_10([M32] * 4, M32, M32) == [0x408F276D, 0x41C83B0E, 0xA20BC7C6, 0x6D5451FD]
    assert splitmix64(0) == 0xE220A8397B1DCDAF


def main():
    check_known_answers()
    module, nola_seed, d_in, n = "blocks.0.attn.q", 0, 128, 8
    seed_a, seed_b = mix(nola_seed, fnv1a(module + ".A")), mix(nola_seed, fnv1a(module + ".B"))
    bound = f32(1.0 / f32(math.sqrt(d_in)))  # 1.0f / sqrtf(128.0f), each step correctly rounded
    rows = {
        "U0": [usym(w) for w in words(seed_a, 0, TAG_NOLA, n)],
        "V0": [usym(w) for w in words(seed_b, 0, TAG_NOLA, n)],
        "A0": [f32(usym(w) * bound) for w in words(seed_a, OFFSET_INDEX, TAG_NOLA, n)],
    }
    path = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "layers", "adapters", "golden", "nola_seed0.txt")
    with open(path, "w") as out:
        out.write(f"# tools/parity/nola_golden.py: module {module}, nola.seed {nola_seed}, d_in {d_in}\n")
        for name, values in rows.items():
            out.write(name + " " + " ".join(float(v).hex() for v in values) + "\n")
    print(open(path).read(), end="")


if __name__ == "__main__":
    main()
