"""Ambience as a soundtrack of its own: a bed for a place (generators.sound.ambience) at its level, with its events
(a bird's phrase). Motion clips lay it under their effects; landscape flythroughs and asset turntables have only it."""
from __future__ import annotations

import numpy as np

from engine.mixing import Mix
from generators import sound

BED_DBFS = {"street": -30.0, "plaza": -32.0, "park": -34.0, "interior": -44.0, "wind": -34.0, "surf": -28.0}


def at_dbfs(stereo: np.ndarray, dbfs: float, speech_only: bool = False) -> np.ndarray:
    """Scaled to an RMS level (of the voiced part only, for speech)."""
    x = stereo[:, np.abs(stereo[0]) > 1e-3] if speech_only else stereo
    rms = float(np.sqrt(np.mean(x ** 2))) if x.size else 0.0
    return stereo * (10 ** (dbfs / 20) / rms) if rms > 0 else stereo


def add_ambience(rng, mix: Mix, place: str):
    bed, events = sound.ambience(rng, place, mix.n / mix.sr, mix.sr)
    mix.add("ambience", 0, at_dbfs(bed, BED_DBFS[place]))
    for kind, t0, t1 in events:              # the bed's own events (a bird's phrase), measured in the bed
        mix.note({"class": kind, "track_id": None, "emitted_s": round(t0, 5)}, "ambience", int(t0 * mix.sr),
                 int(t1 * mix.sr))


def ambient_soundtrack(place_of):
    """A family's soundtrack of ambience only; `place_of(spec)` names the bed."""
    def soundtrack(spec, labels, streams, cfg):
        mix = Mix(int(round(spec.n_frames / spec.fps * cfg.sample_rate)), int(cfg.sample_rate))
        add_ambience(streams["ambience"], mix, place_of(spec))
        return mix, {"space": {"kind": "ambience", "bed": place_of(spec)}, "speech": []}
    return soundtrack
