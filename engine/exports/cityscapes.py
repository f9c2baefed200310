"""Cityscapes gtFine layout: leftImg8bit/train/synthetic, gtFine/train/synthetic (labelIds, instanceIds, polygons)."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from PIL import Image
from pycocotools import mask as mask_utils

from engine.exports.common import export_frames, fresh_folder, image_path, is_stuff, link, read_instance
from engine.exports.polygons import mask_polygons, merged_polygon
from engine.layout import RunLayout


def write_cityscapes(run: RunLayout, all_labels, taxonomy) -> Path:
    """Cityscapes gtFine layout, one 'city' per run: labelIds = our taxonomy class ids (sky included, 0 = unlabelled),
    instanceIds = class_id * 1000 + k for object classes (k < 1000 per class and frame) and class_id for surfaces and for
    classes whose id is over 65 (class_id * 1000 would not fit the format's 16 bits: they stay one group)."""
    root = fresh_folder(run.export("cityscapes"))
    city = "synthetic"
    for labels, frame, stem in export_frames(all_labels):
        img_dir = root / "leftImg8bit" / "train" / city
        gt_dir = root / "gtFine" / "train" / city
        link(image_path(run, labels, frame), img_dir / f"{stem}_leftImg8bit.png")
        gt_dir.mkdir(parents=True, exist_ok=True)
        semantic = np.array(Image.open(run.sample(labels["sample_id"]).semantic(frame["index"])))
        instance = read_instance(run, labels, frame)
        Image.fromarray(semantic.astype(np.uint8)).save(gt_dir / f"{stem}_gtFine_labelIds.png")
        ids = semantic.astype(np.int32)
        counters = {}
        for obj in frame["objects"]:
            if obj["pixel_count"] and not is_stuff(obj["class_path"]):
                k = counters[obj["class_id"]] = counters.get(obj["class_id"], -1) + 1
                if k < 1000 and obj["class_id"] * 1000 + k <= 65535:   # the format's limits; else a group, as Cityscapes does
                    ids[instance == obj["instance_id"]] = obj["class_id"] * 1000 + k
        Image.fromarray(ids.astype(np.uint16)).save(gt_dir / f"{stem}_gtFine_instanceIds.png")   # 16-bit, as Cityscapes
        polygons = [{"label": obj["class_path"], "instance_id": obj["instance_id"],
                     "polygon": merged_polygon(mask_polygons(mask_utils.decode(obj["mask_rle"]).astype(bool))).tolist()}
                    for obj in frame["objects"] if obj["pixel_count"]]
        (gt_dir / f"{stem}_gtFine_polygons.json").write_text(json.dumps(
            {"imgWidth": frame["camera"]["width"], "imgHeight": frame["camera"]["height"], "objects": polygons}))
    (root / "labels.json").write_text(json.dumps([{"id": c.id, "name": c.path, "en": c.en, "ko": c.ko,
                                                   "hasInstances": not is_stuff(c.path)} for c in taxonomy.classes],
                                                 ensure_ascii=False, indent=1))
    return root
