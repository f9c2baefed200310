"""scene=face: close-up faces for interaction data, with exact gaze, pupil, blinks, head pose, pulse and breathing.

A procedural person (no real likeness) faces a webcam, a phone or a TV-top camera in a room; as stills (scene.frames=1,
the UnityEyes use) or clips at scene.fps (the SCAMPS use). One module per concern:
    recipe.py   (config, streams, index) -> SceneSpec: the subject, eyes, camera and screen, room and light, and what
                happens over the clip (generators.eyes, generators.physiology)
    labels.py   the face layer of labels.json, read back from the posed objects and the timeline
    outputs.py  signals.csv and signals_hi.csv, and eyes/ (normalised eye crops and their gaze)
No bpy here.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import List

import numpy as np
from omegaconf import MISSING

from engine.checks import ConfigError, require_between, require_choices, require_range
from engine.labels import ClipLayers
from generators import eyes
from scenes.face.labels import face_layer
from scenes.face.outputs import write_eye_patches, write_signals
from scenes.face.recipe import CAMERAS, LIGHTS, build
from scenes.family import SceneFamily, register
from scenes.text import a_an

WHO = {"child": ("child", "아이"), "elderly": ("elderly person", "노인"), "adult": ("person", "사람")}
HAIR = {"short": ("short hair", "짧은 머리"), "long": ("long hair", "긴 머리"), "bun": ("hair in a bun", "올림머리"),
        "bald": ("a shaved head", "민머리"), "hat": ("a hat", "모자")}
EYES = {"brown": ("brown", "갈색"), "dark_grey": ("dark grey", "짙은 회색"), "blue": ("blue", "파란"),
        "green": ("green", "초록"), "ochre": ("hazel", "담갈색")}
CAMERA_TEXT = {"webcam": ("a webcam", "웹캠"), "phone": ("a phone's front camera", "휴대폰 전면 카메라"),
               "tv": ("a camera on a TV", "TV 위 카메라")}
LIGHT_TEXT = {"window": ("by window light", "창문 빛 아래"), "ceiling": ("under ceiling lamps", "천장 조명 아래"),
              "screen": ("lit by the screen", "화면 불빛 아래")}
LOOK_TEXT = {"screen": ("at the screen", "화면을"), "camera": ("into the camera", "카메라를"),
             "room": ("around the room", "방 안을")}


@dataclass
class Config:
    name: str = MISSING
    frames: int = MISSING
    fps: float = MISSING
    cameras: List[str] = MISSING
    distance_m: List[float] = MISSING
    lights: List[str] = MISSING
    backgrounds: List[str] = MISSING
    heart_bpm: List[float] = MISSING
    heart_variability: float = MISSING
    breaths_per_min: List[float] = MISSING
    ppg_amplitude: float = MISSING
    blinks_per_min: List[float] = MISSING
    pupil_mm: List[float] = MISSING
    head_motion_deg: float = MISSING
    target_shares: List[float] = MISSING
    signal_hz: float = MISSING
    eye_patches: bool = MISSING


def validate(cfg):
    require_choices(list(cfg.cameras), list(CAMERAS), "scene.cameras")
    require_choices(list(cfg.lights), list(LIGHTS), "scene.lights")
    require_choices(list(cfg.backgrounds), ["room", "screens"], "scene.backgrounds")
    require_between(cfg.frames, 1, 3600, "scene.frames")
    require_between(cfg.fps, 1, 120, "scene.fps")
    require_range(cfg.distance_m, 0.3, 1.5, "scene.distance_m")
    require_range(cfg.heart_bpm, 30.0, 200.0, "scene.heart_bpm")
    require_range(cfg.breaths_per_min, 4.0, 40.0, "scene.breaths_per_min")
    require_range(cfg.blinks_per_min, 0.5, 60.0, "scene.blinks_per_min")
    iris = 2000.0 * eyes.iris_radius()
    require_range(cfg.pupil_mm, 1.0, round(0.8 * iris, 1), "scene.pupil_mm (the pupil must stay inside the "
                  f"{iris:.1f} mm iris)")
    require_between(cfg.heart_variability, 0.0, 0.1, "scene.heart_variability")
    require_between(cfg.ppg_amplitude, 0.0, 0.2, "scene.ppg_amplitude")
    require_between(cfg.head_motion_deg, 0.0, 15.0, "scene.head_motion_deg")
    shares = list(cfg.target_shares)
    if len(shares) != 3 or min(shares) < 0 or sum(shares) <= 0:
        raise ConfigError(f"scene.target_shares: {shares} is not allowed; give three shares >= 0 (screen, camera, room)")
    require_between(cfg.signal_hz, cfg.fps, 2000, "scene.signal_hz (at least scene.fps)")


def describe(spec, frames, clip, taxonomy, rng: np.random.Generator) -> dict:
    t, tl = spec.tags, spec.timeline
    who, hair, eye = WHO.get(t["age_group"], WHO["adult"]), HAIR[t["hair"]], EYES[t["eye_color"]]
    kinds = [fx["kind"] for fx in tl.fixations]
    look = LOOK_TEXT[max(set(kinds), key=kinds.count)]
    glasses = (", wearing glasses", " 안경을 쓴") if t["glasses"] else ("", "")
    cam, light = CAMERA_TEXT[t["camera_kind"]], LIGHT_TEXT[t["key_light"]]
    back = (" in front of glowing screens", "빛나는 화면들 앞, ") if t.get("background") == "screens" else ("", "")
    en = (f"A close-up of {a_an(who[0]).lower()} {who[0]} with {hair[0]} and {eye[0]} eyes{glasses[0]}, looking {look[0]} "
          f"{light[0]}{back[0]}, seen by {cam[0]}.")
    ko = f"{cam[1]}에 비친{glasses[1]} {eye[1]} 눈과 {hair[1]}의 {who[1]}, {back[1]}{light[1]} {look[1]} 보고 있다."
    if spec.n_frames > 1:
        en += f" Heart rate {t['heart_rate_bpm']:.0f} bpm; {len(tl.blinks_s)} blinks in {t['duration_s']:g} s."
        ko += f" 심박수 {t['heart_rate_bpm']:.0f} bpm, {t['duration_s']:g}초 동안 {len(tl.blinks_s)}번 눈을 깜박인다."
    return {"en": [en], "ko": [ko]}


def extra_outputs(sample, spec, frames, labels, taxonomy):
    write_signals(sample.signals, labels)
    if spec.tags.get("eye_patches", True):
        write_eye_patches(sample.eyes, labels, frames, spec.camera.K())


@register
class Face(SceneFamily):
    name = "face"
    Config = Config
    validate = staticmethod(validate)
    build = staticmethod(build)
    describe = staticmethod(describe)
    extra_outputs = staticmethod(extra_outputs)

    @staticmethod
    def clip_layers(spec, frame_labels, tracks, taxonomy) -> ClipLayers:
        return ClipLayers(layers={"face": face_layer(spec)})
