"""The one interface through which a scene family plugs into the job.

A family is a subclass of SceneFamily registered with @register: its config schema (the `scene:` block of
configs/scene/<name>.yaml), a validator, the recipe that turns (config, random streams, sample index, image size) into a
SceneSpec, captions, and optionally clip layers and files of its own. The job finds families in FAMILIES, by name;
nothing here imports bpy or the job.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar

import numpy as np

from engine.labels import Captions, ClipLayers, FrameLabels, SampleLabels, Track
from engine.layout import SampleLayout
from engine.passes import FramePasses
from engine.spec import SceneSpec
from engine.streams import Streams

FAMILIES: dict[str, SceneFamily] = {}


def register(family: type[SceneFamily]) -> type[SceneFamily]:
    """Class decorator: make a family available as `scene=<family.name>`."""
    FAMILIES[family.name] = family()
    return family


class SceneFamily(ABC):
    name: ClassVar[str]                 # scene=<name>; configs/scene/<name>.yaml holds its defaults
    Config: ClassVar[type]              # dataclass schema of the `scene:` block (every field MISSING: YAML has the values)
    shortcut: ClassVar[str | None] = None   # a top-level override this family answers (concept=awe), see overrides_for
    # clips with sound: soundtrack(spec, labels, streams, audio_cfg) -> (engine.mixing.Mix, audio label layer)
    soundtrack: ClassVar = None
    narrates: ClassVar[bool] = False        # its soundtrack speaks the script (needs espeak-ng)

    def validate(self, cfg) -> None:
        """Raise engine.checks.ConfigError with one line for a bad `scene:` block."""

    def overrides_for(self, value: str) -> list[str]:
        """The dotted overrides a `<shortcut>=value` argument stands for."""
        raise NotImplementedError(f"scene={self.name} has no shortcut")

    @abstractmethod
    def build(self, cfg, streams: Streams, index: int, width: int, height: int) -> SceneSpec:
        """The recipe: the sample's scene as pure data; every random choice from `streams`, by concern."""

    def clip_layers(self, spec: SceneSpec, frame_labels: list[FrameLabels], tracks: list[Track], taxonomy) -> ClipLayers:
        """Actions, events, script and trajectories of a clip (none for a still)."""
        return ClipLayers()

    @abstractmethod
    def describe(self, spec: SceneSpec, frame_labels: list[FrameLabels], clip: ClipLayers, taxonomy,
                 rng: np.random.Generator) -> Captions:
        """English and Korean captions from the spec and what the labels say is seen."""

    def video_frames(self, rgb_frames: list, labels: SampleLabels) -> list:
        """The pictures of video.mp4: the rendered frames (a program edits them)."""
        return rgb_frames

    def extra_outputs(self, sample: SampleLayout, spec: SceneSpec, frames: list[FramePasses], labels: SampleLabels,
                      taxonomy) -> None:
        """Write family-specific files into the (temporary) sample folder before it is renamed into place."""

