"""Provenance of a run: the statement every sample carries, the software versions, the bundled assets and their
licenses, and dataset.json (the run manifest)."""
from __future__ import annotations

import platform
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from omegaconf import OmegaConf

import engine
from engine.checks import load_yaml
from engine.layout import RunLayout
from engine.storage import write_json
from job.augment import model_provenance

ASSET_REGISTRY = Path(__file__).resolve().parent.parent / "assets" / "registry.yaml"
STATEMENT = ("Every sample is procedurally generated from code and seeded parameters; no real person, real landmark "
             "or copyrighted work is depicted, and no external asset is used.")


def versions() -> dict:
    found = {"engine": engine.__version__, "python": platform.python_version()}
    for package in ("bpy", "numpy", "trimesh", "omegaconf", "pycocotools"):
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            found[package] = None
    return found


def bundled_assets() -> list:
    """Assets shipped with the project, each with its license and origin (assets/registry.yaml)."""
    return load_yaml(ASSET_REGISTRY).get("assets") or []


def write_manifest(run: RunLayout, cfg, config_hash: str, taxonomy, counts: dict, failed: list, status: str,
                   device: str | None, throughput: dict | None = None):
    augment = model_provenance(cfg.augment) if cfg.augment.name == "controlnet" else None
    write_json(run.manifest, {
        "name": f"{cfg.scene.name} dataset", "status": status,
        "config": OmegaConf.to_container(cfg, resolve=True), "config_hash": config_hash,
        "seed": int(cfg.seed), "versions": versions(), "render_device": device,
        "taxonomy": taxonomy.to_dict(), "counts": counts, "failed": failed, "throughput": throughput,
        "provenance": {"statement": STATEMENT, "assets": bundled_assets(), "augment": augment},
    })
