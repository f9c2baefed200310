"""Configuration: Hydra-style composition of the YAML tree in configs/, typed by dataclass schemas, validated up front.

`compose(["scene=landmark", "render=preview", "n=20", "render.resolution=[320,240]"])` returns a validated DictConfig or
raises ConfigError with one line that names the key and what is allowed. Defaults live only in the YAML files (the
schemas below mark every field MISSING), so each knob is documented once, next to its value.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional

import yaml
from omegaconf import MISSING, DictConfig, OmegaConf
from omegaconf.errors import ConfigKeyError, MissingMandatoryValue, OmegaConfBaseException

CONFIG_DIR = Path(__file__).resolve().parent.parent / "configs"
GROUPS = ("scene", "render", "augment")   # config groups: `scene=landmark` picks configs/scene/landmark.yaml
DEVICES = ("auto", "cpu", "cuda", "optix")


class ConfigError(ValueError):
    """A bad configuration or override; str() is the one line shown to the user."""


@dataclass
class RenderConfig:
    profile: str = MISSING
    device: str = MISSING
    resolution: List[int] = MISSING
    samples: int = MISSING
    denoise: bool = MISSING
    threads: int = MISSING


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
    augment: AugmentConfig = field(default_factory=AugmentConfig)
    n: int = MISSING
    seed: int = MISSING
    out: str = MISSING


def group_options(group: str) -> list[str]:
    return sorted(p.stem for p in (CONFIG_DIR / group).glob("*.yaml"))


def _load_yaml(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def _split_overrides(overrides: list[str]):
    """Hydra-style arguments -> (group choices, dotted value overrides)."""
    choices, dotlist = {}, []
    for arg in overrides:
        key, sep, value = arg.partition("=")
        if not sep or not key:
            raise ConfigError(f"bad argument '{arg}': overrides look like key=value (e.g. n=20, render.samples=16)")
        if key == "concept":   # shortcut for scene=concept: concept=awe renders only awe, concept=all every grammar
            from scenes.concept import concept_names
            if value != "all" and value not in concept_names():
                raise ConfigError(f"concept: unknown concept '{value}'; choose all or one of {', '.join(concept_names())}")
            dotlist.append("scene.concepts=null" if value == "all" else f"scene.concepts=[{value}]")
        elif key in GROUPS:
            if value not in group_options(key):
                raise ConfigError(f"{key}: unknown option '{value}'; choose one of {', '.join(group_options(key))}")
            choices[key] = value
        else:
            dotlist.append(arg)
    return choices, dotlist


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
    from scenes import FAMILIES   # scene families register their own schemas

    choices, dotlist = _split_overrides(list(overrides or []))
    root = _load_yaml(CONFIG_DIR / "config.yaml")
    for entry in root.pop("defaults", []):
        for group, option in entry.items():
            choices.setdefault(group, option)
    if any(a.startswith("concept=") for a in overrides or []) and choices["scene"] != "concept":
        raise ConfigError("concept: only applies to scene=concept; add scene=concept")
    family = FAMILIES[choices["scene"]]
    schema = OmegaConf.structured(RunConfig(scene=family.Config()))
    cfg = None
    try:
        cfg = OmegaConf.merge(schema, root)
        cfg = OmegaConf.merge(cfg, {"scene": _load_yaml(CONFIG_DIR / "scene" / f"{choices['scene']}.yaml")},
                              {"render": _load_yaml(CONFIG_DIR / "render" / f"{choices['render']}.yaml")},
                              {"augment": _load_yaml(CONFIG_DIR / "augment" / f"{choices['augment']}.yaml")})
        for item in dotlist:   # one at a time, so an error names the override that caused it
            cfg = OmegaConf.merge(cfg, OmegaConf.from_dotlist([item]))
        OmegaConf.resolve(cfg)
        OmegaConf.to_container(cfg, throw_on_missing=True)
    except OmegaConfBaseException as e:
        raise ConfigError(_one_line(e, cfg if cfg is not None else schema)) from None
    if cfg.scene.name != choices["scene"]:
        raise ConfigError(f"scene.name: is '{cfg.scene.name}' but scene={choices['scene']} was chosen; pick a family with scene=NAME")
    validate(cfg)
    family.validate(cfg.scene)
    return cfg


def _require(ok: bool, message: str):
    if not ok:
        raise ConfigError(message)


def validate(cfg: DictConfig):
    r = cfg.render
    _require(r.device in DEVICES, f"render.device: '{r.device}' is not allowed; choose one of {', '.join(DEVICES)}")
    _require(len(r.resolution) == 2 and all(16 <= v <= 8192 for v in r.resolution),
             f"render.resolution: {list(r.resolution)} is not allowed; give [width, height], each 16..8192")
    _require(1 <= r.samples <= 65536, f"render.samples: {r.samples} is not allowed; give 1..65536")
    _require(r.threads >= 0, f"render.threads: {r.threads} is not allowed; give 0 (all cores) or a positive count")
    _require(cfg.n >= 1, f"n: {cfg.n} is not allowed; give the number of samples, >= 1")
    _require(cfg.seed >= 0, f"seed: {cfg.seed} is not allowed; give an integer >= 0")
    _require(bool(str(cfg.out).strip()), "out: empty; give an output folder")
    _require(cfg.output.points_voxel_m >= 0, f"output.points_voxel_m: {cfg.output.points_voxel_m} is not allowed; give >= 0 (0 keeps every point)")
    from engine.exports import EXPORTERS
    bad = [f for f in cfg.export.formats if f not in EXPORTERS]
    _require(not bad, f"export.formats: '{bad[0] if bad else ''}' is not allowed; choose from {', '.join(EXPORTERS)}")
    _require(cfg.export.shard_size >= 1, f"export.shard_size: {cfg.export.shard_size} is not allowed; give >= 1")
    _require(cfg.topup.max_rounds >= 1, f"topup.max_rounds: {cfg.topup.max_rounds} is not allowed; give >= 1")
    la = cfg.launcher
    _require(la.name in ("local", "ray"), f"launcher.name: '{la.name}' is not allowed; choose local or ray")
    _require(la.gpus_per_worker >= 0, f"launcher.gpus_per_worker: {la.gpus_per_worker} is not allowed; give >= 0")
    _require(la.workers >= 0, f"launcher.workers: {la.workers} is not allowed; give 0 (auto) or a count")
    _require(la.workers_per_gpu >= 1 and la.rss_limit_mb >= 0,
             "launcher.workers_per_gpu/rss_limit_mb: give workers_per_gpu >= 1 and rss_limit_mb >= 0 (0 = no limit)")
    _require(la.retries >= 0 and la.failure_budget >= 0 and la.recycle_after >= 1,
             "launcher.retries/failure_budget/recycle_after: give retries >= 0, failure_budget >= 0, recycle_after >= 1")
    q = cfg.qa
    _require(0.0 <= q.min_subject_visible_fraction <= 1.0,
             f"qa.min_subject_visible_fraction: {q.min_subject_visible_fraction} is not allowed; give 0..1")
    _require(q.min_subject_pixels >= 0, f"qa.min_subject_pixels: {q.min_subject_pixels} is not allowed; give >= 0")
    _require(q.max_attempts >= 1, f"qa.max_attempts: {q.max_attempts} is not allowed; give >= 1")
    _require(cfg.augment.name in ("none", "controlnet"), f"augment.name: '{cfg.augment.name}' is not allowed; choose none or controlnet")
    if cfg.augment.name == "controlnet":
        from engine.augment import validate as validate_augment
        validate_augment(cfg.augment)


def require_range(value, lo, hi, key: str):
    """For family validators: a [min, max] pair inside [lo, hi]."""
    _require(len(value) == 2 and lo <= value[0] <= value[1] <= hi,
             f"{key}: {list(value)} is not allowed; give [min, max] with {lo} <= min <= max <= {hi}")


def require_choices(values, allowed, key: str):
    bad = [v for v in values if v not in allowed]
    _require(len(values) > 0 and not bad,
             f"{key}: {bad[0] if bad else 'empty list'} is not allowed; choose from {', '.join(allowed)}")


def content_hash(cfg: DictConfig) -> str:
    """Hash of everything that decides what a sample looks like (n and out excluded: a run may be extended or moved)."""
    data = OmegaConf.to_container(cfg, resolve=True)
    data.pop("n"), data.pop("out"), data.pop("export"), data.pop("topup"), data.pop("launcher")
    data["render"].pop("threads")
    if data["augment"]["name"] == "none":
        data.pop("augment")      # unused settings change nothing (and runs made before augment existed still resume)
    return hashlib.sha1(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]
