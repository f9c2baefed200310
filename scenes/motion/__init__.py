"""scene=motion: people (and a passing car) performing actions in context, scripted into a situation, as a clip.

One module per concern, in the order a sample is made:
    situations.py   who does what: the main actors of a situation and their behaviours
    simulation.py   behaviours stepped frame by frame into positions, headings, actions and poses; the timeline kept
    gaze.py         heads turned to whom the situation is about; gaze rays and head poses read back as labels
    camera.py       static, pan, dolly or tracking, keeping the actors in frame and away from the lens
    context.py      street, park, plaza or room around the actors, props kept off their paths and sight lines
    recipe.py       (config, streams, index) -> SceneSpec, putting the above together
    events.py       clip layers: action segments and events (exact timing, cut to the frames in view), the script
    text.py         actor names, the en/ko script lines and captions
    sound.py        the soundtrack: footsteps, the car, impacts, rustle, ambience, music, narration (engine.mixing)
No bpy here.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import List

from omegaconf import MISSING

from engine.checks import ConfigError, require_choices, require_range
from generators import actors
from generators.sky import TIMES_OF_DAY, WEATHERS
from scenes.family import SceneFamily, register
from scenes.motion.camera import CAMERA_MODES
from scenes.motion.context import CONTEXTS
from scenes.motion.events import clip_layers
from scenes.motion.recipe import build
from scenes.motion.situations import SITUATIONS
from scenes.motion.sound import soundtrack
from scenes.motion.text import describe


@dataclass
class Config:
    name: str = MISSING
    contexts: List[str] = MISSING
    situations: List[str] = MISSING
    actions: List[str] = MISSING
    styles: List[str] = MISSING
    camera_modes: List[str] = MISSING
    frames: int = MISSING
    fps: float = MISSING
    bystanders: List[int] = MISSING
    vehicle_probability: float = MISSING
    times_of_day: List[str] = MISSING
    weathers: List[str] = MISSING
    focal_mm: List[float] = MISSING
    elevation_deg: List[float] = MISSING
    fill: List[float] = MISSING


def validate(cfg):
    require_choices(list(cfg.contexts), CONTEXTS, "scene.contexts")
    require_choices(list(cfg.situations), SITUATIONS, "scene.situations")
    require_choices(list(cfg.actions), actors.HUMAN_ACTIONS, "scene.actions")
    require_choices(list(cfg.styles), list(actors.STYLES), "scene.styles")
    require_choices(list(cfg.camera_modes), CAMERA_MODES, "scene.camera_modes")
    require_choices(list(cfg.times_of_day), list(TIMES_OF_DAY), "scene.times_of_day")
    require_choices(list(cfg.weathers), list(WEATHERS), "scene.weathers")
    if not 1 <= cfg.frames <= 2400:
        raise ConfigError(f"scene.frames: {cfg.frames} is not allowed; give 1..2400")
    if not 1 <= cfg.fps <= 120:
        raise ConfigError(f"scene.fps: {cfg.fps} is not allowed; give 1..120")
    if not 0.0 <= cfg.vehicle_probability <= 1.0:
        raise ConfigError(f"scene.vehicle_probability: {cfg.vehicle_probability} is not allowed; give 0..1")
    require_range(cfg.bystanders, 0, 6, "scene.bystanders")
    require_range(cfg.focal_mm, 8.0, 300.0, "scene.focal_mm")
    require_range(cfg.elevation_deg, -5.0, 60.0, "scene.elevation_deg")
    require_range(cfg.fill, 0.05, 0.9, "scene.fill")


@register
class Motion(SceneFamily):
    name = "motion"
    Config = Config
    validate = staticmethod(validate)
    build = staticmethod(build)
    clip_layers = staticmethod(clip_layers)
    describe = staticmethod(describe)
    soundtrack = staticmethod(soundtrack)
    narrates = True
