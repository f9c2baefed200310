"""What every export shares: the frames to export (accepted diffusion variants included), where their files are, and
how images enter an export folder."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
from PIL import Image

from engine.labels import accepted_variants
from engine.layout import RunLayout

# classes that are surfaces ("stuff"): no per-object boxes in KITTI, no instance ids in Cityscapes
STUFF = ("sky", "ground", "water", "structure/road")


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
