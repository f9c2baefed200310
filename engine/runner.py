"""The batch runner: plan -> for each sample (recipe, build, render, annotate, QA, write) -> manifest, COCO, overview.

Re-running the same command with the same `out` resumes: finished samples are skipped, half-written ones are redone.
"""
from __future__ import annotations

import json
import platform
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import yaml
from omegaconf import OmegaConf

import engine
from engine.annotate import annotate, forward_flow
from engine.config import ConfigError, content_hash
from engine.imagestats import image_stats
from engine.qa import check
from engine.taxonomy import load_taxonomy
from engine.exports import export
from engine.writers import is_complete, load_labels, remove_partial, write_json
from scenes import FAMILIES

ASSET_REGISTRY = Path(__file__).resolve().parent.parent / "assets" / "registry.yaml"
STATEMENT = ("Every sample is procedurally generated from code and seeded parameters; no real person, real landmark "
             "or copyrighted work is depicted, and no external asset is used.")


def sample_id(index: int) -> str:
    return f"{index:06d}"


def sample_rng(run_seed: int, index: int, attempt: int) -> np.random.Generator:
    """The one generator a sample's recipe and captions draw from."""
    return np.random.default_rng([run_seed, index, attempt])


@dataclass
class Sample:
    labels: dict
    scene: dict
    frames: list
    spec: object = None
    timings: dict = field(default_factory=dict)


def _tracks(frame_labels: list[dict]) -> list[dict]:
    """Instance ids are stable over a sample's frames, so each object is one track: where it is seen."""
    tracks = {}
    for frame in frame_labels:
        for obj in frame["objects"]:
            obj["track_id"] = obj["instance_id"]
            t = tracks.setdefault(obj["instance_id"], {"track_id": obj["instance_id"], "class_path": obj["class_path"],
                                                       "frames_in_view": [], "frames_visible": []})
            t["frames_in_view"].append(frame["index"])
            if obj["pixel_count"]:
                t["frames_visible"].append(frame["index"])
    return list(tracks.values())


class SampleProducer:
    """Turns (config, index) into an accepted sample, or a list of rejection reasons. Holds one Blender session."""

    def __init__(self, cfg, backend=None):
        from engine.backend import BlenderBackend   # the only bpy importer, loaded when rendering starts
        self.cfg = cfg
        self.family = FAMILIES[cfg.scene.name]
        self.taxonomy = load_taxonomy()
        deliverable = ("half" if cfg.output.exr_half else "float") if cfg.output.exr else None
        self.backend = backend or BlenderBackend(cfg.render, self.taxonomy, exr_deliverable=deliverable)
        self.config_hash = content_hash(cfg)
        self.augmenter = None
        if cfg.augment.name == "controlnet":     # loaded once per worker; the model check already passed in compose
            from engine.augment import Augmenter
            self.augmenter = Augmenter(cfg.augment, self.taxonomy)

    def produce(self, index: int):
        cfg, reasons = self.cfg, []
        width, height = (int(v) for v in cfg.render.resolution)
        for attempt in range(cfg.qa.max_attempts):
            t = {}
            t0 = time.perf_counter()
            rng = sample_rng(cfg.seed, index, attempt)
            spec = self.family.build(cfg.scene, rng, index, width, height)
            t1 = time.perf_counter()
            self.backend.build(spec)
            t2 = time.perf_counter()
            frames = self.backend.render(spec)
            t3 = time.perf_counter()
            frame_labels = annotate(spec, frames, self.taxonomy)
            reason = check(spec, frames, frame_labels, cfg.qa, self.taxonomy)
            t4 = time.perf_counter()
            t.update(recipe=t1 - t0, build=t2 - t1, render=t3 - t2, annotate=t4 - t3)
            if reason:
                reasons.append(f"attempt {attempt}: {reason}")
                continue
            if spec.n_frames > 1 and spec.camera.model == "perspective":
                for i in range(spec.n_frames - 1):      # forward flow to the next frame (none after the last)
                    frames[i]["flow"] = forward_flow(spec, frames[i], i)
                t["annotate"] += time.perf_counter() - t4
            if not any(o.articulation is not None for o in spec.objects):
                for passes in frames:
                    passes.pop("part")                  # part.png only where there are body parts
            captions = self.family.describe(spec, frame_labels, self.taxonomy, rng)
            clip = self.family.clip_layers(spec, frame_labels, self.taxonomy) if hasattr(self.family, "clip_layers") else {}
            tracks = _tracks(frame_labels)
            for track in tracks:
                track.update(clip.get("trajectories", {}).get(track["track_id"], {}))
            first = frames[0]
            measured = image_stats(first["rgb"], first["instance"], first["depth"], spec.tags.get("subject_instance_id"))
            labels = {
                "sample_id": sample_id(index),
                "scene": {"family": spec.family, "category": spec.category, "tags": spec.tags, "captions": captions,
                          "image_stats": measured},
                "taxonomy_version": self.taxonomy.version,
                "frames": frame_labels, "tracks": tracks, "actions": clip.get("actions", []),
                "events": clip.get("events", []), **({"script": clip["script"]} if "script" in clip else {}),
                "provenance": {"generator": "engine", "version": engine.__version__, "config_hash": self.config_hash,
                               "seed": [int(cfg.seed), index, attempt], "assets": [], "augment": None,
                               "statement": STATEMENT},
            }
            if self.augmenter is not None:        # restyled variants share these labels; scores and provenance recorded
                t5 = time.perf_counter()
                labels["augment"] = self.augmenter.augment(frames, labels, (int(cfg.seed), index, attempt))
                labels["provenance"]["augment"] = self.augmenter.provenance
                t["augment"] = time.perf_counter() - t5
            return Sample(labels, spec.to_dict(), frames, spec, t), reasons
        return None, reasons

    def close(self):
        self.backend.close()


def _versions() -> dict:
    from importlib.metadata import PackageNotFoundError, version
    found = {"engine": engine.__version__, "python": platform.python_version()}
    for package in ("bpy", "numpy", "trimesh", "omegaconf", "pycocotools"):
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            found[package] = None
    return found


def bundled_assets() -> list:
    """Assets shipped with the project, each with its license and origin (assets/registry.yaml)."""
    return yaml.safe_load(ASSET_REGISTRY.read_text(encoding="utf-8")).get("assets") or []


def write_manifest(out: Path, cfg, taxonomy, counts: dict, failed: list, status: str, device: str | None):
    augment = None
    if cfg.augment.name == "controlnet":
        from engine.augment import model_provenance
        augment = model_provenance(cfg.augment)
    write_json(out / "dataset.json", {
        "name": f"{cfg.scene.name} dataset", "status": status,
        "config": OmegaConf.to_container(cfg, resolve=True), "config_hash": content_hash(cfg),
        "seed": int(cfg.seed), "versions": _versions(), "render_device": device,
        "taxonomy": taxonomy.to_dict(), "counts": counts, "failed": failed,
        "provenance": {"statement": STATEMENT, "assets": bundled_assets(), "augment": augment},
    })


def probe_device(cfg) -> str:
    """The render device Cycles will use (raises BackendError for an absent GPU)."""
    from engine.backend import BlenderBackend
    backend = BlenderBackend(cfg.render, load_taxonomy())
    backend.close()
    return backend.device


def _extra_writers(cfg, sample: Sample, taxonomy, producer) -> list:
    """Writers that add to a sample's folder before it is renamed into place."""
    writers = []
    family = FAMILIES[cfg.scene.name]
    if len(sample.frames) > 1:
        from engine.writers import write_video
        writers.append(lambda folder: write_video(folder / "video.mp4", [f["rgb"] for f in sample.frames], sample.spec.fps))
    if hasattr(family, "extra_outputs"):
        writers.append(lambda folder: family.extra_outputs(folder, sample.spec, sample.frames, sample.labels, taxonomy))
    if cfg.output.exr:
        from engine.vfx import write_exr
        writers.append(lambda folder: [write_exr(folder / f"{i:04d}" / "render.exr", passes["exr_parts"], sample.labels, i)
                                       for i, passes in enumerate(sample.frames)])
    if cfg.output.blend:
        writers.append(lambda folder: producer.backend.save_blend(folder / "scene.blend"))
    if cfg.output.scene3d:
        from engine.export3d import export_scene3d
        writers.append(lambda folder: export_scene3d(folder / "scene3d", sample.spec, sample.frames,
                                                     sample.labels["frames"], taxonomy, cfg.output.points_voxel_m))
    return writers


def check_resumable(out: Path, cfg):
    """Refuse to mix two different configurations in one output folder (n and out may differ)."""
    manifest = out / "dataset.json"
    if manifest.is_file():
        previous = json.loads(manifest.read_text(encoding="utf-8")).get("config_hash")
        if previous != content_hash(cfg):
            raise ConfigError(f"out: {out} already holds a run with another configuration (hash {previous}); "
                              f"use a new out folder or the same settings to resume")


def export_only(cfg) -> dict:
    """Export a finished run again, in the formats asked for, without rendering anything."""
    out = Path(cfg.out)
    ids = sorted(p.name for p in (out / "samples").glob("[0-9]*") if is_complete(out, p.name)) if out.is_dir() else []
    if not ids:
        raise ConfigError(f"out: {out} holds no finished samples to export; render first or point out= at a run")
    started = time.perf_counter()
    paths = export(out, load_labels(out, ids), load_taxonomy(), list(cfg.export.formats), cfg.export.shard_size)
    return {"out": str(out), "samples": len(ids), "exports": {k: str(v) for k, v in paths.items()},
            "seconds": time.perf_counter() - started}


def run(cfg, show_progress: bool = True) -> dict:
    out = Path(cfg.out)
    check_resumable(out, cfg)
    taxonomy = load_taxonomy()
    started = time.perf_counter()
    ids = [sample_id(i) for i in range(cfg.n)]
    todo = [i for i in range(cfg.n) if not is_complete(out, ids[i])]
    device = probe_device(cfg) if todo else None       # a device that is not there fails here, before any write
    out.mkdir(parents=True, exist_ok=True)
    redone = remove_partial(out)
    failed, timings = [], {}
    write_manifest(out, cfg, taxonomy, {"planned": cfg.n}, failed, "running", device)
    if todo:
        from engine.launcher import render_samples
        failed, timings = render_samples(cfg, todo, show_progress)
    done = [s for s in ids if is_complete(out, s)]
    all_labels = load_labels(out, done)
    export(out, all_labels, taxonomy, list(cfg.export.formats), cfg.export.shard_size)
    if cfg.output.overview and all_labels:
        from engine.report import contact_sheet
        contact_sheet(out, all_labels)
    counts = {"planned": cfg.n, "samples": len(done), "frames": sum(len(l["frames"]) for l in all_labels),
              "objects": sum(len(f["objects"]) for l in all_labels for f in l["frames"]),
              "failed": len(failed), "rendered_this_run": len(todo) - len(failed), "skipped_done": cfg.n - len(todo),
              "partial_removed": redone}
    write_manifest(out, cfg, taxonomy, counts, failed, "complete" if len(done) == cfg.n else "incomplete", device)
    if cfg.output.report and all_labels:
        from engine.report import write_report
        write_report(out, all_labels, json.loads((out / "dataset.json").read_text(encoding="utf-8")))
    elapsed = time.perf_counter() - started
    return {"out": str(out), "counts": counts, "seconds": elapsed, "stage_seconds": dict(timings), "device": device}
