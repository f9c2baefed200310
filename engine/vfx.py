"""VFX deliverables: the per-frame multilayer EXR with our metadata, and Cryptomatte decoding (numpy + openexr)."""
from __future__ import annotations

import json
import struct

import numpy as np

COLOR_SPACE = "scene-linear Rec.709 (Blender 'Linear Rec.709'), not display-referred; rgb.png is the sRGB view"


def write_exr(path, parts: list, labels: dict, frame: int):
    """The render's EXR parts with the sample's metadata added to the first part's header."""
    import OpenEXR
    camera = labels["frames"][frame]["camera"]
    meta = {"engine/sample_id": labels["sample_id"], "engine/frame": str(frame), "engine/colorspace": COLOR_SPACE,
            "engine/camera": json.dumps(camera), "engine/taxonomy_version": labels["taxonomy_version"]}
    out = []
    for k, (header, channels, name) in enumerate(parts):
        header = dict(header) | (meta if k == 0 else {})
        out.append(OpenEXR.Part(header, channels, name))
    OpenEXR.File(out).write(str(path))


def _murmur3_32(data: bytes, seed: int = 0) -> int:
    c1, c2, h, n = 0xCC9E2D51, 0x1B873593, seed, len(data)
    for i in range(0, n - n % 4, 4):
        k = int.from_bytes(data[i:i + 4], "little")
        k = (k * c1) & 0xFFFFFFFF
        k = ((k << 15) | (k >> 17)) & 0xFFFFFFFF
        h ^= (k * c2) & 0xFFFFFFFF
        h = ((h << 13) | (h >> 19)) & 0xFFFFFFFF
        h = (h * 5 + 0xE6546B64) & 0xFFFFFFFF
    tail, k = data[n - n % 4:], 0
    for i, b in enumerate(tail):
        k |= b << (8 * i)
    if tail:
        k = (k * c1) & 0xFFFFFFFF
        k = ((k << 15) | (k >> 17)) & 0xFFFFFFFF
        h ^= (k * c2) & 0xFFFFFFFF
    h ^= n
    for shift, mul in ((16, 0x85EBCA6B), (13, 0xC2B2AE35)):
        h ^= h >> shift
        h = (h * mul) & 0xFFFFFFFF
    return h ^ (h >> 16)


def cryptomatte_hash(name: str) -> int:
    """The Cryptomatte id of a name: MurmurHash3_32 of its UTF-8 bytes, exponent kept away from 0 and 255 (so the
    float is neither denormal, inf nor nan) -- the 'uint32_to_float32' rule of the Cryptomatte spec."""
    h = _murmur3_32(name.encode("utf-8"))
    exponent = (h >> 23) & 0xFF
    if exponent in (0, 255):
        h ^= 1 << 23
    return h


def cryptomatte_float(name: str) -> np.float32:
    return np.float32(struct.unpack("<f", struct.pack("<I", cryptomatte_hash(name)))[0])


def cryptomatte_coverage(channels: dict, layer: str, name: str) -> np.ndarray:
    """Coverage in [0, 1] of `name` in a Cryptomatte layer (e.g. 'ViewLayer.CryptoObject'): the sum over ranks of the
    coverage stored next to each matching id."""
    target = cryptomatte_float(name)
    coverage = None
    for k in range(10):
        if f"{layer}{k:02d}.r" not in channels:
            break
        for id_ch, cov_ch in (("r", "g"), ("b", "a")):
            ids = channels[f"{layer}{k:02d}.{id_ch}"]
            cov = np.where(ids == target, channels[f"{layer}{k:02d}.{cov_ch}"], 0.0)
            coverage = cov if coverage is None else coverage + cov
    return coverage
