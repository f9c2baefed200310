"""Named random sub-streams of one sample.

Every random choice of a sample comes from its key (run seed, sample index, QA attempt), split by concern:
`streams["camera"]` is a numpy Generator of its own, derived from the key and the concern's name, the same object each
time it is asked for within the sample. A new random choice added to one concern (materials, say) therefore changes
nothing that an existing seed gives in the others (layout, camera, actors, captions).
"""
from __future__ import annotations

import hashlib

import numpy as np


def concern_key(concern: str) -> int:
    """A stable 32-bit number for a concern's name (Python's hash() changes between processes)."""
    return int.from_bytes(hashlib.sha256(concern.encode("utf-8")).digest()[:4], "little")


class Streams:
    def __init__(self, key):
        self.key = tuple(int(k) for k in key)          # (run seed, sample index, attempt)
        self._streams: dict[str, np.random.Generator] = {}

    def __getitem__(self, concern: str) -> np.random.Generator:
        if concern not in self._streams:
            self._streams[concern] = np.random.default_rng([*self.key, concern_key(concern)])
        return self._streams[concern]

    @property
    def legacy(self) -> np.random.Generator:
        """The single generator every choice drew from before sub-streams (removed once the families use concerns)."""
        if "_legacy" not in self._streams:
            self._streams["_legacy"] = np.random.default_rng(list(self.key))
        return self._streams["_legacy"]
