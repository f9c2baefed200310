"""A program's soundtrack: each scene's effects and ambience (the motion family's, heard from that scene's shots)
placed at the scene's program time and faded with its picture (the EDL's weights, so a dissolve crossfades the
sound too); one music bed and the narration of the whole program's script across the cuts."""
from __future__ import annotations

import numpy as np

from engine.mixing import Mix
from engine.streams import Streams
from scenes.program.layers import program_starts, scene_layers, scene_weights
from scenes.motion.sound import add_music, add_narration, scene_sound


def soundtrack(spec, labels: dict, streams: Streams, cfg) -> tuple:
    tl, fps, sr = spec.timeline, spec.fps, int(cfg.sample_rate)
    mix = Mix(int(round(len(tl.edl) / fps * sr)), sr)
    starts = program_starts(spec)
    spaces = []
    for k, (scene, sub, (acts, evs, _)) in enumerate(zip(tl.scenes, tl.scene_specs, scene_layers(spec, labels["tracks"]))):
        local, space = scene_sound(sub, {"actions": acts, "events": evs}, Streams((*streams.key, 1 + k)), sr)
        at = int(round(starts[k] / fps * sr))
        weight = scene_weights(spec, k)
        frames = starts[k] + np.arange(local.n) / sr * fps              # the program frame each sample falls in
        gain = np.interp(frames, np.arange(len(weight)), weight).astype(np.float32)
        mix.insert(local, at, gain, {int(a): b for a, b in scene["ids"].items()})
        spaces.append({"scene": k, **space})
    if cfg.music:
        lead = tl.scene_specs[0].timeline.actors[0]
        add_music(streams["music"], mix, lead.style, f"the style of character {tl.characters[0]} in the first scene "
                                                     f"({lead.style})")
    return mix, {"space": {"kind": "scenes", "scenes": spaces}, "speech": add_narration(mix, labels["script"], cfg)}
