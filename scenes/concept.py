"""scene=concept: images that express an emotion or an abstract idea through controlled visual causes.

Each concept has a visual grammar in configs/concept/<name>.yaml (palette, light, composition, shape language,
atmosphere); a sample draws every cause from it, builds abstract forms on a ground under a sky, and records the causes
exactly. The label is the *intended* concept, not a perceived emotion. Pure recipe, no bpy here.
"""
from __future__ import annotations

import colorsys
from dataclasses import dataclass, field
from functools import lru_cache
from typing import List, Optional

import numpy as np
import trimesh
from omegaconf import MISSING, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from engine.checks import CONFIG_DIR, ConfigError, load_yaml, require_choices
from engine.geometry import SENSOR_WIDTH_MM, look_at, pose
from engine.labels import ClipLayers
from engine.spec import Camera, Environment, Material, Mesh, SceneObject, SceneSpec
from engine.streams import Streams, child
from generators.materials import srgb_to_linear
from generators.shapes import box, frustum, sphere, square_ring
from scenes.family import SceneFamily, register
from scenes.text import obj

GRAMMAR_DIR = CONFIG_DIR / "concept"
ROUND_FORMS, ANGULAR_FORMS = ("sphere", "cylinder"), ("cube", "pyramid", "shard")


# ---- the grammar schema: a bad grammar file fails with one line naming the key ---------------------------------------
@dataclass
class Palette:
    hue: List[float] = MISSING
    saturation: List[float] = MISSING
    value: List[float] = MISSING


@dataclass
class Light:
    sun_elevation_deg: List[float] = MISSING
    sun_strength: List[float] = MISSING
    color_temperature_k: List[float] = MISSING
    softness_deg: List[float] = MISSING


@dataclass
class Composition:
    subject_scale: List[float] = MISSING
    subject_x: List[float] = MISSING
    camera_height_m: List[float] = MISSING
    tilt_deg: List[float] = MISSING
    roll_deg: List[float] = MISSING


@dataclass
class Shapes:
    roundness: List[float] = MISSING
    chaos: List[float] = MISSING
    elements: List[int] = MISSING
    element_scale: List[float] = MISSING


@dataclass
class Atmosphere:
    haze_density: List[float] = MISSING


@dataclass
class Grammar:
    name: str = MISSING
    kind: str = MISSING
    en: str = MISSING
    ko: str = MISSING
    palette: Palette = field(default_factory=Palette)
    light: Light = field(default_factory=Light)
    composition: Composition = field(default_factory=Composition)
    shapes: Shapes = field(default_factory=Shapes)
    atmosphere: Atmosphere = field(default_factory=Atmosphere)


def concept_names() -> list[str]:
    return sorted(p.stem for p in GRAMMAR_DIR.glob("*.yaml"))


@lru_cache(maxsize=None)
def _grammar_schema():
    """Built once: OmegaConf.structured takes ~7 ms a call, and merge leaves its first argument as it was."""
    return OmegaConf.structured(Grammar)


@lru_cache(maxsize=None)
def grammar(name: str) -> dict:
    path = GRAMMAR_DIR / f"{name}.yaml"
    if not path.is_file():
        raise ConfigError(f"concept: unknown concept '{name}'; choose one of {', '.join(concept_names())}, "
                          f"or add configs/concept/{name}.yaml")
    try:
        g = OmegaConf.merge(_grammar_schema(), load_yaml(path))
        data = OmegaConf.to_container(g, throw_on_missing=True)
    except OmegaConfBaseException as e:
        raise ConfigError(f"configs/concept/{name}.yaml: {getattr(e, 'full_key', '')}: {str(e).splitlines()[0]}") from None
    for section in ("palette", "light", "composition", "shapes", "atmosphere"):
        for key, value in data[section].items():
            if len(value) != 2 or value[0] > value[1]:
                raise ConfigError(f"configs/concept/{name}.yaml: {section}.{key}: give [min, max], got {value}")
    if data["kind"] not in ("emotion", "concept"):
        raise ConfigError(f"configs/concept/{name}.yaml: kind: '{data['kind']}'; choose emotion or concept")
    return data


# ---- the scene config -------------------------------------------------------------------------------------------------
@dataclass
class Config:
    name: str = MISSING
    concepts: Optional[List[str]] = MISSING


def selected(cfg) -> list[str]:
    return list(cfg.concepts) if cfg.concepts is not None else concept_names()


def validate(cfg):
    require_choices(selected(cfg), concept_names(), "scene.concepts")
    for name in selected(cfg):
        grammar(name)


def _draw(rng, section: dict) -> dict:
    return {k: int(rng.integers(lo, hi + 1)) if k == "elements" else round(float(rng.uniform(lo, hi)), 5)
            for k, (lo, hi) in section.items()}


def kelvin_to_rgb(kelvin: float) -> tuple:
    """Approximate black-body colour (sRGB, after Tanner Helland's fit), returned scene-linear and normalised."""
    t = kelvin / 100
    r = 255 if t <= 66 else 329.7 * (t - 60) ** -0.1332
    g = 99.47 * np.log(t) - 161.12 if t <= 66 else 288.12 * (t - 60) ** -0.0755
    b = 255 if t >= 66 else (0 if t <= 19 else 138.52 * np.log(t - 10) - 305.04)
    rgb = srgb_to_linear(np.clip([r, g, b], 0, 255) / 255)
    return tuple((rgb / rgb.max()).round(5).tolist())


def _hsv_linear(h, s, v) -> tuple:
    return tuple(srgb_to_linear(colorsys.hsv_to_rgb((h % 360) / 360, min(max(s, 0), 1), min(max(v, 0), 1))).round(5).tolist())


def _form(kind: str, size: float, rng) -> Mesh:
    """An abstract form standing on z = 0 with height ~ size."""
    if kind == "sphere":
        m = sphere(size / 2, 2)
        m.apply_translation((0, 0, size / 2))
    elif kind == "cylinder":
        m = frustum(size * 0.35, size * 0.35, size, 20)
    elif kind == "cube":
        m = box((size * 0.8, size * 0.8, size), (0, 0, size / 2))
    elif kind == "pyramid":
        m = frustum(size * 0.6, 0.0, size, 4)
    else:   # shard: a jagged tetrahedral spike
        v = np.array([[0, 0, size], [size * 0.3, 0, 0], [-size * 0.15, size * 0.26, 0], [-size * 0.15, -size * 0.26, 0]])
        v[1:, :2] *= 1 + rng.uniform(-0.3, 0.3, (3, 1))
        m = trimesh.Trimesh(v, [[0, 1, 2], [0, 2, 3], [0, 3, 1], [1, 3, 2]], process=False)
    return Mesh(np.asarray(m.vertices, float), np.asarray(m.faces, np.int64), np.zeros(len(m.faces), np.int64))


FORM_KINDS, GROUND_KINDS = ("marble", "stone", "concrete", "plaster", "wood"), ("sand", "concrete", "stone", "ground")


def _surface(rng, name: str, colour: tuple, kinds, roughness: float) -> Material:
    """A form's or the ground's material: the palette's colour (a cause, kept exact: the photo look's recipes keep the
    mean albedo) on a real surface kind drawn from its own stream (not a cause)."""
    kind = kinds[int(rng.integers(len(kinds)))]
    return Material(name, colour, roughness=roughness, kind=kind, seed=int(rng.integers(2**31)),
                    wear=round(float(rng.uniform()), 3))


def _pick_form(rng, roundness: float) -> str:
    forms = ROUND_FORMS if rng.random() < roundness else ANGULAR_FORMS
    return forms[int(rng.integers(len(forms)))]


def build(cfg, streams: Streams, index: int, width: int, height: int) -> SceneSpec:
    names = selected(cfg)
    name = names[index % len(names)]                 # balanced over the chosen concepts
    g = grammar(name)
    causes = {section: _draw(streams["causes"], g[section]) for section in ("palette", "light", "composition", "shapes", "atmosphere")}
    pal, light, comp, shp = causes["palette"], causes["light"], causes["composition"], causes["shapes"]

    def colour(hue_jitter=0.0, s_scale=1.0, v_scale=1.0):
        return _hsv_linear(pal["hue"] + hue_jitter, pal["saturation"] * s_scale, pal["value"] * v_scale)

    multicolour = g["palette"]["hue"][1] - g["palette"]["hue"][0] >= 180   # wide hue range: each form its own hue
    objects = []
    subject_size = 4.0
    rng = streams["layout"]
    kind = _pick_form(rng, shp["roundness"])
    surfaces = streams["materials"]
    objects.append(SceneObject(1, f"form/{kind}", f"subject_{kind}", _form(kind, subject_size, child(rng)),
                               [_surface(surfaces, "subject", colour(), FORM_KINDS, 0.5)], [pose()],
                               {"role": "subject", "form": kind}, {"generator": "scenes.concept._form"}))
    v, ring, inner = square_ring(subject_size * 3, 2000.0, 0.0)
    ground = Mesh(v, np.vstack([inner, ring]), np.zeros(len(inner) + len(ring), np.int64))
    objects.append(SceneObject(2, "ground", "ground", ground, [_surface(surfaces, "ground", colour(0, 0.6, 0.6), GROUND_KINDS, 0.9)],
                               [pose()], {"role": "ground"}, {"generator": "generators.shapes.square_ring"}))
    n, chaos = shp["elements"], shp["chaos"]
    ring_radius = subject_size * 1.6
    for k in range(n):                               # a regular ring, blended towards random scatter by chaos
        angle = 2 * np.pi * k / max(n, 1)
        regular = ring_radius * np.array([np.cos(angle), np.sin(angle)])
        scattered = rng.uniform(-1, 1, 2) * ring_radius * 2.5
        xy = (1 - chaos) * regular + chaos * scattered
        if np.hypot(*xy) < subject_size * 0.7:
            xy = xy / max(np.hypot(*xy), 1e-9) * subject_size * 0.7
        size = subject_size * shp["element_scale"] * (1 + chaos * rng.uniform(-0.5, 0.5))
        ekind = _pick_form(rng, shp["roundness"])
        tumble = trimesh.transformations.euler_matrix(*(rng.uniform(-0.8, 0.8, 3) * chaos))
        m = pose((*xy, 0.0), yaw=rng.uniform(0, 2 * np.pi) * chaos) @ tumble
        m[2, 3] = size * 0.25 * chaos                # tumbled forms rest partly in the ground
        hue = rng.uniform(0, 360) if multicolour else rng.uniform(-20, 20)
        objects.append(SceneObject(k + 3, f"form/{ekind}", f"element_{k:02d}_{ekind}", _form(ekind, size, child(rng)),
                                   [_surface(surfaces, f"element {k}", colour(hue, 0.9), FORM_KINDS, 0.6)], [m],
                                   {"role": "element", "form": ekind}, {"generator": "scenes.concept._form"}))

    # camera: the subject spans subject_scale of the frame height, sits at subject_x across it, then tilt and roll
    focal = 35.0
    half_vfov = np.arctan(SENSOR_WIDTH_MM * height / width / 2 / focal)
    half_hfov = np.arctan(SENSOR_WIDTH_MM / 2 / focal)
    distance = subject_size / 2 / np.tan(half_vfov) / comp["subject_scale"]
    azimuth = streams["camera"].uniform(0, 2 * np.pi)
    eye = np.array([np.sin(azimuth) * distance, -np.cos(azimuth) * distance, comp["camera_height_m"]])
    target = np.array([0.0, 0.0, subject_size / 2])
    forward = target - eye
    yaw = np.arctan((comp["subject_x"] - 0.5) * 2 * np.tan(half_hfov))      # turn so the subject lands at subject_x
    c, s = np.cos(yaw), np.sin(yaw)
    forward[:2] = [c * forward[0] - s * forward[1], s * forward[0] + c * forward[1]]
    # keep the subject in frame: tilting more than the frame's free half-height would lose it (the applied value is
    # what the labels record)
    limit = float(np.rad2deg(half_vfov) * (1 - comp["subject_scale"]) * 0.9)
    comp["tilt_deg_applied"] = round(float(np.clip(comp["tilt_deg"], -limit, limit)), 5)
    pitch = np.deg2rad(comp["tilt_deg_applied"])
    horizontal = np.hypot(*forward[:2])
    forward[2] = forward[2] + horizontal * np.tan(pitch)
    cam = look_at(eye, eye + forward)
    roll = trimesh.transformations.rotation_matrix(np.deg2rad(comp["roll_deg"]), [0, 0, 1])   # about the view axis
    camera = Camera(width=width, height=height, lens_mm=focal, poses=[cam @ roll], sensor_width_mm=SENSOR_WIDTH_MM)

    el = np.deg2rad(light["sun_elevation_deg"])
    sky_rng = streams["environment"]
    sun_az = sky_rng.uniform(0, 2 * np.pi)
    sky = light["sun_strength"] / 4.0
    env = Environment(sun_direction=tuple(np.round([np.cos(el) * np.sin(sun_az), np.cos(el) * np.cos(sun_az), np.sin(el)], 6)),
                      sun_color=kelvin_to_rgb(light["color_temperature_k"]), sun_strength=light["sun_strength"],
                      sun_angle_deg=light["softness_deg"], sky_zenith=colour(0, 0.8, 0.9),
                      sky_horizon=colour(0, 0.4, 1.1), sky_ground=(0.1, 0.1, 0.1), sky_strength=round(sky, 4),
                      haze_density=causes["atmosphere"]["haze_density"], haze_color=colour(0, 0.3, 1.0),
                      cloud_cover=round(float(sky_rng.uniform(0.1, 0.6)), 4), cloud_seed=int(sky_rng.integers(2**31)))
    tags = {"intended_concept": name, "concept_kind": g["kind"], "concept_names": {"en": g["en"], "ko": g["ko"]},
            "causes": causes, "subject_form": kind, "prompt": prompt(g, causes, kind)}
    return SceneSpec(family="concept", category=f"concept/{name}", objects=objects, camera=camera, environment=env,
                     tags=tags, subject_instance_id=1)


def _level(value, lo, hi, words):
    """A word for where value sits in [lo, hi] (thirds)."""
    t = (value - lo) / (hi - lo) if hi > lo else 0.5
    return words[min(2, int(t * 3))]


def prompt(g: dict, causes: dict, subject_form: str) -> str:
    """An English text prompt built from the drawn causes (for diffusion restyling)."""
    p, li, c, s, a = (causes[k] for k in ("palette", "light", "composition", "shapes", "atmosphere"))
    hue_name = ["red", "orange", "yellow", "green", "green", "teal", "cyan", "blue", "blue", "violet", "magenta", "pink"][
        int((p["hue"] % 360) // 30)]
    parts = [f"{_level(p['value'], 0, 1, ['dark', 'mid-toned', 'bright'])} {_level(p['saturation'], 0, 1, ['muted', 'moderately saturated', 'vivid'])} {hue_name} palette",
             f"{_level(li['softness_deg'], 0, 40, ['hard', 'directional', 'soft'])} {'warm' if li['color_temperature_k'] < 5000 else 'cool' if li['color_temperature_k'] > 6500 else 'neutral'} light",
             f"a {'large' if c['subject_scale'] > 0.5 else 'small' if c['subject_scale'] < 0.25 else 'medium'} {subject_form}",
             f"{int(s['elements'])} {'scattered, tumbling' if s['chaos'] > 0.5 else 'orderly'} forms",
             "low angle" if c["tilt_deg_applied"] > 5 else "high angle" if c["tilt_deg_applied"] < -5 else "eye level"]
    if abs(c["roll_deg"]) > 8:
        parts.append("dutch angle")
    if a["haze_density"] > 0.006:
        parts.append("fog")
    return f"abstract scene evoking {g['en']}: " + ", ".join(parts)


def describe(spec: SceneSpec, frames: list, clip: ClipLayers, taxonomy, rng: np.random.Generator) -> dict:
    t = spec.tags
    form = taxonomy[f"form/{t['subject_form']}"]
    n = int(t["causes"]["shapes"]["elements"])
    en = [f"An abstract composition meant to evoke {t['concept_names']['en']}: a {form.en} among {n} other forms.",
          t["prompt"][0].upper() + t["prompt"][1:] + "."]
    ko = [f"{obj(t['concept_names']['ko'])} 표현하려는 추상 구성: {n}개의 다른 형태 사이의 {form.ko}.",
          f"의도한 개념: {t['concept_names']['ko']} ({t['concept_kind'] == 'emotion' and '감정' or '추상 개념'})."]
    return {"en": en, "ko": ko}


def overrides_for(value: str) -> list[str]:
    """`concept=awe` renders only awe, `concept=all` every grammar."""
    if value != "all" and value not in concept_names():
        raise ConfigError(f"concept: unknown concept '{value}'; choose all or one of {', '.join(concept_names())}")
    return ["scene.concepts=null" if value == "all" else f"scene.concepts=[{value}]"]


@register
class Concept(SceneFamily):
    name = "concept"
    Config = Config
    shortcut = "concept"
    validate = staticmethod(validate)
    overrides_for = staticmethod(overrides_for)
    build = staticmethod(build)
    describe = staticmethod(describe)
