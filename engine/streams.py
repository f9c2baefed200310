"""Named random sub-streams of one sample.

Every random choice of a sample comes from its key (run seed, sample index, QA attempt), split by concern:
`streams["camera"]` is a numpy Generator of its own, derived from the key and the concern's name, the same object each
time it is asked for within the sample. A new random choice added to one concern (the sky, say) therefore changes
nothing that an existing seed gives in the others (layout, camera, actors, captions).

Inside a concern, each generated object (a building, a person, a material) draws from `child(rng)`: a generator of
its own that costs the concern's stream exactly one draw, however many choices the object makes, so richer objects
(more material parameters, a face for a person) leave everything drawn after them unchanged.
"""
from __future__ import annotations

import hashlib

import numpy as np


def concern_key(concern: str) -> int:
    """A stable 32-bit number for a concern's name (Python's hash() changes between processes)."""
    return int.from_bytes(hashlib.sha256(concern.encode("utf-8")).digest()[:4], "little")


SHARED_SCENE = concern_key("shared scene")


class Streams:
    def __init__(self, key):
        self.key = tuple(int(k) for k in key)          # (run seed, sample index, attempt), or for_scene's
        self._streams: dict[str, np.random.Generator] = {}

    def for_scene(self, group: int) -> "Streams":
        """The streams of a scene that several samples share (views of one landmark): (run seed, group, attempt)
        and a marker, so they never equal a sample's own."""
        return Streams((self.key[0], group, self.key[2], SHARED_SCENE))

    def __getitem__(self, concern: str) -> np.random.Generator:
        if concern not in self._streams:
            self._streams[concern] = np.random.default_rng([*self.key, concern_key(concern)])
        return self._streams[concern]


def child(rng: np.random.Generator) -> np.random.Generator:
    """A generator for one object, seeded by a single draw from `rng`."""
    return np.random.default_rng(int(rng.integers(2**63)))
