"""What every export shares: the frames to export (accepted diffusion variants included), where their files are, and
how images enter an export folder."""
from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from engine.labels import accepted_variants
from engine.layout import RunLayout

# classes that are surfaces ("stuff"): no per-object boxes in KITTI, no instance ids in Cityscapes
STUFF = ("sky", "ground", "water", "structure/road")


@dataclass(frozen=True)
class ExportOptions:
    """What the exports are asked for (export.* in the config, where the defaults live)."""
    formats: tuple
    shard_size: int                              # webdataset and hf frames per shard
    splits: dict                                 # split name -> share of the samples
    min_box_px: int                              # detection exports leave out thinner boxes

    @classmethod
    def from_config(cls, export_cfg) -> "ExportOptions":
        return cls(tuple(export_cfg.formats), int(export_cfg.shard_size), dict(export_cfg.splits),
                   int(export_cfg.min_box_px))


def split_of(labels: dict, splits: dict) -> str:
    """The split a whole sample belongs to: a uniform draw from a hash of the sample's seed against the cumulative
    shares, so it is the same in every export and does not change when the run grows."""
    key = json.dumps(labels["provenance"]["seed"]) + labels["sample_id"]
    u = int(hashlib.sha256(key.encode()).hexdigest()[:13], 16) / 16 ** 13
    total = 0.0
    for name, share in splits.items():
        total += share
        if u < total:
            return name
    return name                                  # shares add up to 1 within rounding


def video_seconds(labels: dict) -> float:
    """How long a clip's video.mp4 plays: its frames, or a program's edited frames."""
    if "program" in labels:
        return labels["program"]["duration_s"]
    return round(len(labels["frames"]) / labels["fps"], 4)


def detectable(obj: dict, min_box_px: int) -> bool:
    """Visible, with a box at least min_box_px wide and high: slivers are left out of detection exports."""
    return obj["pixel_count"] > 0 and min(obj["bbox_2d"][2], obj["bbox_2d"][3]) >= min_box_px


def voc_palette() -> list:
    """The standard VOC colour map (bit-interleaved), 256 entries."""
    palette = []
    for k in range(256):
        r = g = b = 0
        c = k
        for j in range(8):
            r |= ((c >> 0) & 1) << (7 - j)
            g |= ((c >> 1) & 1) << (7 - j)
            b |= ((c >> 2) & 1) << (7 - j)
            c >>= 3
        palette += [r, g, b]
    return palette


def is_stuff(class_path: str) -> bool:
    return class_path in STUFF or class_path.startswith("terrain/") and class_path != "terrain/rock"


def label_classes(taxonomy) -> list:
    """Taxonomy classes in id order, sky excluded: YOLO's class index is the position in this list (VOC's is one more)."""
    return [c for c in taxonomy.classes if c.path != "sky"]


def export_frames(all_labels):
    """(labels, frame, stem) for every frame, then for every accepted augmented variant of it: the same labels, the
    frame marked with "augment_variant" and the stem with an _aug<k> suffix, so every export marks it as augmented.
    A frame's stem is <sample_id>_<frame:04d>."""
    for labels in all_labels:
        for frame in labels["frames"]:
            stem = f"{labels['sample_id']}_{frame['index']:04d}"
            yield labels, frame, stem
            for k in accepted_variants(labels):
                yield labels, {**frame, "augment_variant": k}, f"{stem}_aug{k}"


def image_path(run: RunLayout, labels: dict, frame: dict) -> Path:
    """The frame's image, or the augmented variant the frame is marked with."""
    return run.sample(labels["sample_id"]).rgb(frame["index"], frame.get("augment_variant"))


def read_instance(run: RunLayout, labels: dict, frame: dict) -> np.ndarray:
    return np.array(Image.open(run.sample(labels["sample_id"]).instance(frame["index"])))


def link(src: Path, dst: Path):
    """Hard-link an image into an export (no copy on the same disk), copying where links are not possible."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    if dst.exists():
        dst.unlink()
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def fresh_folder(path: Path) -> Path:
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    return path
