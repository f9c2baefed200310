"""The job's configuration: Hydra-style composition of the YAML tree in configs/, typed by dataclass schemas, validated up front.

`compose(["scene=landmark", "render=preview", "n=20", "render.resolution=[320,240]"])` returns a validated DictConfig or
raises ConfigError with one line that names the key and what is allowed. Defaults live only in the YAML files (the
schemas below mark every field MISSING), so each knob is documented once, next to its value.
"""
from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

import numpy as np
import yaml
from omegaconf import MISSING, DictConfig, OmegaConf
from omegaconf.errors import (
    ConfigKeyError,
    MissingMandatoryValue,
    OmegaConfBaseException,
)

from engine.checks import (
    CONFIG_DIR,
    ConfigError,
    load_yaml,
    require,
    require_between,
    require_choices,
)
from engine.exports import EXPORTERS
from engine.speech import VOICES, check_voice
from job.augment import validate as validate_augment
from scenes import FAMILIES

GROUPS = ("scene", "render", "augment")   # config groups: `scene=landmark` picks configs/scene/landmark.yaml
DEVICES = ("auto", "cpu", "cuda", "optix")
LOOKS = ("photo", "flat")
INDIRECT = ("simple", "full")
# What decides a sample besides the config: bumped when the same config and seed start to give other samples (the
# named random sub-streams did), so a run folder made before refuses to be resumed into a mix of both.
GENERATION_SCHEME = "streams-v1"


@dataclass
class RenderConfig:
    profile: str = MISSING
    device: str = MISSING
    resolution: List[int] = MISSING
    samples: int = MISSING
    denoise: bool = MISSING
    threads: int = MISSING
    look: str = MISSING
    exposure_ev: float = MISSING
    sensor_noise: float = MISSING
    vignetting: float = MISSING
    lens_distortion: List[float] = MISSING
    indirect: str = MISSING
    bevel_samples: int = MISSING


@dataclass
class OutputConfig:
    overview: bool = MISSING
    report: bool = MISSING
    scene3d: bool = MISSING
    points_voxel_m: float = MISSING
    exr: bool = MISSING
    exr_half: bool = MISSING
    blend: bool = MISSING


@dataclass
class ExportConfig:
    formats: List[str] = MISSING
    only: bool = MISSING
    shard_size: int = MISSING
    splits: Dict[str, float] = MISSING
    min_box_px: int = MISSING


@dataclass
class TopupConfig:
    coco: Optional[str] = MISSING
    target: str = MISSING
    mapping: str = MISSING
    max_rounds: int = MISSING


@dataclass
class LauncherConfig:
    name: str = MISSING
    workers: int = MISSING
    workers_per_gpu: int = MISSING
    rss_limit_mb: int = MISSING
    ray_address: Optional[str] = MISSING
    gpus_per_worker: float = MISSING
    retries: int = MISSING
    failure_budget: int = MISSING
    recycle_after: int = MISSING


@dataclass
class AugmentConfig:
    name: str = MISSING
    model_dir: Optional[str] = MISSING
    controlnets: Dict[str, Optional[str]] = MISSING
    controls: List[str] = MISSING
    control_scales: List[float] = MISSING
    strength: float = MISSING
    per_sample: int = MISSING
    steps: int = MISSING
    guidance_scale: float = MISSING
    negative_prompt: str = MISSING
    prompt_suffix: str = MISSING
    min_consistency: float = MISSING
    size: int = MISSING
    device: str = MISSING
    license: Optional[str] = MISSING


@dataclass
class AudioConfig:
    enabled: bool = MISSING
    sample_rate: int = MISSING
    narration: List[str] = MISSING
    voice: str = MISSING
    words_per_minute: int = MISSING
    max_speedup: float = MISSING
    music: bool = MISSING


@dataclass
class QAConfig:
    min_subject_visible_fraction: float = MISSING
    min_subject_pixels: int = MISSING
    max_attempts: int = MISSING


@dataclass
class RunConfig:
    scene: Any = MISSING
    render: RenderConfig = field(default_factory=RenderConfig)
    output: OutputConfig = field(default_factory=OutputConfig)
    export: ExportConfig = field(default_factory=ExportConfig)
    topup: TopupConfig = field(default_factory=TopupConfig)
    launcher: LauncherConfig = field(default_factory=LauncherConfig)
    qa: QAConfig = field(default_factory=QAConfig)
    audio: AudioConfig = field(default_factory=AudioConfig)
    augment: AugmentConfig = field(default_factory=AugmentConfig)
    n: int = MISSING
    seed: int = MISSING
    out: str = MISSING


def group_options(group: str) -> list[str]:
    return sorted(p.stem for p in (CONFIG_DIR / group).glob("*.yaml"))


def _split_overrides(overrides: list[str]):
    """Hydra-style arguments -> (group choices, dotted value overrides)."""
    choices, dotlist = {}, []
    for arg in overrides:
        key, sep, value = arg.partition("=")
        if not sep or not key:
            raise ConfigError(f"bad argument '{arg}': overrides look like key=value (e.g. n=20, render.samples=16)")
        if "${" in value:          # overrides are literal: no resolver may read the environment or files into a run
            raise ConfigError(f"{key}: '{value}' is an interpolation; overrides take literal values only")
        family = _shortcut_family(key)
        if family is not None:     # a family's shortcut, e.g. concept=awe for scene.concepts=[awe]
            dotlist += family.overrides_for(value)
        elif key in GROUPS:
            if value not in group_options(key):
                raise ConfigError(f"{key}: unknown option '{value}'; choose one of {', '.join(group_options(key))}")
            choices[key] = value
        else:
            dotlist.append(arg)
    return choices, dotlist


def _shortcut_family(key: str):
    return next((f for f in FAMILIES.values() if f.shortcut == key), None)


def _one_line(error: OmegaConfBaseException, cfg: DictConfig | None) -> str:
    key = getattr(error, "full_key", None) or "config"
    if isinstance(error, ConfigKeyError) and cfg is not None:
        parent, _, leaf = key.rpartition(".")
        node = OmegaConf.select(cfg, parent) if parent else cfg
        allowed = ", ".join(node.keys()) if isinstance(node, DictConfig) else ""
        return f"{key}: unknown key '{leaf}'; allowed keys{' under ' + parent if parent else ''}: {allowed}"
    if isinstance(error, MissingMandatoryValue):
        return f"{key}: no value given and no default"
    message = str(getattr(error, "msg", error)).splitlines()[0]
    return f"{key}: {message}"


def compose(overrides: list[str] | None = None) -> DictConfig:
    choices, dotlist = _split_overrides(list(overrides or []))
    root = load_yaml(CONFIG_DIR / "config.yaml") or {}
    for entry in root.pop("defaults", []):
        for group, option in entry.items():
            choices.setdefault(group, option)
    for arg in overrides or []:
        owner = _shortcut_family(arg.partition("=")[0])
        if owner is not None and owner.name != choices["scene"]:
            raise ConfigError(f"{owner.shortcut}: only applies to scene={owner.name}; add scene={owner.name}")
    family = FAMILIES[choices["scene"]]
    schema = OmegaConf.structured(RunConfig(scene=family.Config()))
    cfg = None
    try:
        cfg = OmegaConf.merge(schema, root)
        cfg = OmegaConf.merge(cfg, {"scene": load_yaml(CONFIG_DIR / "scene" / f"{choices['scene']}.yaml") or {}},
                              {"render": load_yaml(CONFIG_DIR / "render" / f"{choices['render']}.yaml") or {}},
                              {"augment": load_yaml(CONFIG_DIR / "augment" / f"{choices['augment']}.yaml") or {}})
        for item in dotlist:   # one at a time, so an error names the override that caused it
            try:
                if item.startswith("export.splits="):      # a table given replaces the default one (as a list does)
                    cfg.export.splits = {}
                key, _, value = item.partition("=")
                if value.startswith("{"):                  # Hydra's {a:1,b:2}; YAML wants a space after each colon
                    item = key + "=" + re.sub(r"([{,]\s*)([A-Za-z_]\w*):(?! )", r"\1\2: ", value)
                cfg = OmegaConf.merge(cfg, OmegaConf.from_dotlist([item]))
            except yaml.YAMLError as e:        # e.g. a !!python/... tag: safe loading refuses it, no code runs
                raise ConfigError(f"{item.partition('=')[0]}: not a plain value ({str(e).splitlines()[0]})") from None
        OmegaConf.resolve(cfg)
        OmegaConf.to_container(cfg, throw_on_missing=True)
    except OmegaConfBaseException as e:
        raise ConfigError(_one_line(e, cfg if cfg is not None else schema)) from None
    if cfg.scene.name != choices["scene"]:
        raise ConfigError(f"scene.name: is '{cfg.scene.name}' but scene={choices['scene']} was chosen; pick a family with scene=NAME")
    validate(cfg)
    family.validate(cfg.scene)
    return cfg


def _non_finite(node, prefix: str = ""):
    """The first key (dotted) whose value, or an item of it, is an infinite or NaN float; None if none is."""
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, value in items:
        path = f"{prefix}.{key}" if prefix and isinstance(key, str) else prefix or str(key)
        if isinstance(value, float) and not math.isfinite(value):
            return path, value
        found = _non_finite(value, path)
        if found:
            return found
    return None


def validate(cfg: DictConfig):
    found = _non_finite(OmegaConf.to_container(cfg, resolve=True))
    require(found is None, f"{found[0] if found else ''}: {found[1] if found else ''} is not allowed; give a finite number")
    r = cfg.render
    require(r.device in DEVICES, f"render.device: '{r.device}' is not allowed; choose one of {', '.join(DEVICES)}")
    require(len(r.resolution) == 2 and all(16 <= v <= 8192 for v in r.resolution),
             f"render.resolution: {list(r.resolution)} is not allowed; give [width, height], each 16..8192")
    require(1 <= r.samples <= 65536, f"render.samples: {r.samples} is not allowed; give 1..65536")
    require(r.threads >= 0, f"render.threads: {r.threads} is not allowed; give 0 (all cores) or a positive count")
    require(r.look in LOOKS, f"render.look: '{r.look}' is not allowed; choose one of {', '.join(LOOKS)}")
    require(r.indirect in INDIRECT, f"render.indirect: '{r.indirect}' is not allowed; choose one of {', '.join(INDIRECT)}")
    require(1 <= r.bevel_samples <= 16, f"render.bevel_samples: {r.bevel_samples} is not allowed; give 1..16")
    require(-10 <= r.exposure_ev <= 10, f"render.exposure_ev: {r.exposure_ev} is not allowed; give -10..10 stops")
    require(0 <= r.sensor_noise <= 4, f"render.sensor_noise: {r.sensor_noise} is not allowed; give 0 (off)..4")
    require(0 <= r.vignetting <= 1, f"render.vignetting: {r.vignetting} is not allowed; give 0 (off)..1")
    k = list(r.lens_distortion)
    rho = np.linspace(0, 1.73, 174)                # up to a 60 degree half-angle: the distortion must stay monotonic
    require(len(k) == 2 and all(-0.5 <= v <= 0.5 for v in k) and (1 + 3 * k[0] * rho ** 2 + 5 * k[1] * rho ** 4).min() > 0.1,
            f"render.lens_distortion: {k} is not allowed; give [k1, k2] (OpenCV radial), e.g. [-0.08, 0.0] barrel or "
            f"[0.05, 0.0] pincushion, that keeps the image monotonic (k1 >= -0.1 with k2 = 0)")
    require(cfg.n >= 1, f"n: {cfg.n} is not allowed; give the number of samples, >= 1")
    require(cfg.seed >= 0, f"seed: {cfg.seed} is not allowed; give an integer >= 0")
    require(bool(str(cfg.out).strip()), "out: empty; give an output folder")
    require(0 <= cfg.output.points_voxel_m <= 10,
            f"output.points_voxel_m: {cfg.output.points_voxel_m} is not allowed; give 0..10 metres (0 keeps every point)")
    bad = [f for f in cfg.export.formats if f not in EXPORTERS]
    require(not bad, f"export.formats: '{bad[0] if bad else ''}' is not allowed; choose from {', '.join(EXPORTERS)}")
    require(cfg.export.shard_size >= 1, f"export.shard_size: {cfg.export.shard_size} is not allowed; give >= 1")
    splits = dict(cfg.export.splits)
    require(splits and all(re.fullmatch(r"[a-z][a-z0-9_]*", k) and v > 0 for k, v in splits.items())
            and abs(sum(splits.values()) - 1) < 1e-6,
            f"export.splits: {splits} is not allowed; give split names with shares that add up to 1, e.g. {{train:0.8,val:0.2}}")
    require(0 <= cfg.export.min_box_px <= 64, f"export.min_box_px: {cfg.export.min_box_px} is not allowed; give 0..64 pixels")
    require(cfg.topup.max_rounds >= 1, f"topup.max_rounds: {cfg.topup.max_rounds} is not allowed; give >= 1")
    la = cfg.launcher
    require(la.name in ("local", "ray"), f"launcher.name: '{la.name}' is not allowed; choose local or ray")
    require(la.gpus_per_worker >= 0, f"launcher.gpus_per_worker: {la.gpus_per_worker} is not allowed; give >= 0")
    require(la.workers >= 0, f"launcher.workers: {la.workers} is not allowed; give 0 (auto) or a count")
    require(la.workers_per_gpu >= 1 and la.rss_limit_mb >= 0,
             "launcher.workers_per_gpu/rss_limit_mb: give workers_per_gpu >= 1 and rss_limit_mb >= 0 (0 = no limit)")
    require(la.retries >= 0 and la.failure_budget >= 0 and la.recycle_after >= 1,
             "launcher.retries/failure_budget/recycle_after: give retries >= 0, failure_budget >= 0, recycle_after >= 1")
    q = cfg.qa
    require(0.0 <= q.min_subject_visible_fraction <= 1.0,
             f"qa.min_subject_visible_fraction: {q.min_subject_visible_fraction} is not allowed; give 0..1")
    require(q.min_subject_pixels >= 0, f"qa.min_subject_pixels: {q.min_subject_pixels} is not allowed; give >= 0")
    require(q.max_attempts >= 1, f"qa.max_attempts: {q.max_attempts} is not allowed; give >= 1")
    _validate_audio(cfg)
    require(cfg.augment.name in ("none", "controlnet"), f"augment.name: '{cfg.augment.name}' is not allowed; choose none or controlnet")
    if cfg.augment.name == "controlnet":
        validate_augment(cfg.augment)


def _validate_audio(cfg):
    au = cfg.audio
    require_choices(list(au.narration) or ["en"], list(VOICES), "audio.narration")
    require(len(set(au.narration)) == len(au.narration), f"audio.narration: {list(au.narration)} names a language twice")
    require(au.sample_rate in (16000, 22050, 24000, 32000, 44100, 48000),
            f"audio.sample_rate: {au.sample_rate} is not allowed; give 16000, 22050, 24000, 32000, 44100 or 48000")
    require_between(au.words_per_minute, 80, 400, "audio.words_per_minute")
    require_between(au.max_speedup, 1.0, 2.5, "audio.max_speedup")
    if au.enabled and FAMILIES[cfg.scene.name].narrates:
        check_voice(au.voice, list(au.narration))      # espeak-ng installed and speaking each language


def content_hash(cfg: DictConfig) -> str:
    """Hash of everything that decides what a sample looks like (n and out excluded: a run may be extended or moved)."""
    data = OmegaConf.to_container(cfg, resolve=True)
    data.pop("n"), data.pop("out"), data.pop("export"), data.pop("topup"), data.pop("launcher")
    data["render"].pop("threads")
    if data["augment"]["name"] == "none":
        data.pop("augment")      # unused settings change nothing (and runs made before augment existed still resume)
    if FAMILIES[data["scene"]["name"]].soundtrack is None:
        data.pop("audio")        # likewise for families without sound
    data["generation_scheme"] = GENERATION_SCHEME
    return hashlib.sha1(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]
