"""scene=program: edited multi-shot programs. Several scenes (a situation in a context each, motion's simulation) with
the same two characters, each cut into shots of several types and joined by cuts, dissolves and fades; narrated,
with sound across the cuts. One module per concern:
    edit.py     the edit grammar: scenes, shots, transitions; the edit decision list (program frame -> rendered frames)
    shots.py    each shot's camera, framed by shot type on the characters
    recipe.py   (config, streams, index) -> SceneSpec: the scenes built by the motion recipe, joined into one spec
    layers.py   actions, events and script moved into the program; shots, scenes, characters, importance, summary
    sound.py    the scenes' sound at their program times, music and narration across the cuts
Rendered frames (labels.json "frames") run scene after scene; video.mp4 is the edited program (dissolves overlap
scenes, fades pass through black), its times are program seconds. No bpy here.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import List

import numpy as np
from omegaconf import MISSING

from engine.checks import require, require_between, require_choices, require_range
from generators import actors
from generators.sky import TIME_PHRASES, TIMES_OF_DAY, WEATHERS
from scenes.family import SceneFamily, register
from scenes.motion.context import CONTEXTS
from scenes.program.edit import SHOT_TYPES, SITUATIONS, TRANSITIONS
from scenes.program.layers import clip_layers
from scenes.program.recipe import build
from scenes.program.sound import soundtrack


@dataclass
class Config:
    name: str = MISSING
    duration_s: float = MISSING
    fps: float = MISSING
    scenes: List[int] = MISSING
    contexts: List[str] = MISSING
    situations: List[str] = MISSING
    shot_types: List[str] = MISSING
    shot_s: List[float] = MISSING
    establishing_s: float = MISSING
    transitions: List[str] = MISSING
    transition_s: float = MISSING
    focal_mm: float = MISSING
    styles: List[str] = MISSING
    actions: List[str] = MISSING
    bystanders: List[int] = MISSING
    vehicle_probability: float = MISSING
    times_of_day: List[str] = MISSING
    weathers: List[str] = MISSING


def validate(cfg):
    require_between(cfg.duration_s, 4.0, 1200.0, "scene.duration_s")
    require_between(cfg.fps, 1, 60, "scene.fps")
    require_range(cfg.scenes, 1, 20, "scene.scenes")
    require_choices(list(cfg.contexts), CONTEXTS, "scene.contexts")
    require_choices(list(cfg.situations), SITUATIONS, "scene.situations")
    require_choices(list(cfg.shot_types), SHOT_TYPES, "scene.shot_types")
    require_range(cfg.shot_s, 0.5, 60.0, "scene.shot_s")
    require_between(cfg.establishing_s, 0.5, 30.0, "scene.establishing_s")
    require_choices(list(cfg.transitions), TRANSITIONS, "scene.transitions")
    require_between(cfg.transition_s, 0.1, 3.0, "scene.transition_s")
    require_between(cfg.focal_mm, 12.0, 200.0, "scene.focal_mm")
    require_choices(list(cfg.styles), list(actors.STYLES), "scene.styles")
    require_choices(list(cfg.actions), actors.HUMAN_ACTIONS, "scene.actions")
    require_range(cfg.bystanders, 0, 6, "scene.bystanders")
    require_between(cfg.vehicle_probability, 0.0, 1.0, "scene.vehicle_probability")
    require_choices(list(cfg.times_of_day), list(TIMES_OF_DAY), "scene.times_of_day")
    require_choices(list(cfg.weathers), list(WEATHERS), "scene.weathers")
    require(cfg.duration_s * cfg.fps >= 24, f"scene.duration_s: {cfg.duration_s} s at {cfg.fps} fps is under 24 frames")


def describe(spec, frames: list, clip, taxonomy, rng: np.random.Generator) -> dict:
    layer = clip.layers["program"]
    when_en, when_ko = TIME_PHRASES[spec.tags["time_of_day"]]
    n, shots = len(layer["scenes"]), len(layer["shots"])
    return {"en": [f"A {layer['duration_s']:g}-second program in {n} scene{'s' * (n > 1)} and {shots} shots, "
                   f"{when_en}. {layer['summary']['en']}"],
            "ko": [f"{when_ko}, {n}개 장면과 {shots}개 샷으로 된 {layer['duration_s']:g}초 프로그램. {layer['summary']['ko']}"]}


def edited(rgb_frames: list, labels: dict) -> list:
    """The program's pictures: each program frame the EDL's weighted sum of rendered frames (black where < 1)."""
    out = []
    for row in labels["program"]["edl"]:
        acc = sum(w * rgb_frames[r].astype(np.float32) for r, w in row)
        out.append(np.clip(np.round(acc), 0, 255).astype(np.uint8))
    return out


@register
class Program(SceneFamily):
    name = "program"
    Config = Config
    validate = staticmethod(validate)
    build = staticmethod(build)
    clip_layers = staticmethod(clip_layers)
    describe = staticmethod(describe)
    soundtrack = staticmethod(soundtrack)
    narrates = True
    video_frames = staticmethod(edited)
