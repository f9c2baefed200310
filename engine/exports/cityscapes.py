"""Cityscapes gtFine layout: leftImg8bit/<split>/synthetic, gtFine/<split>/synthetic (labelIds, labelTrainIds,
instanceIds, polygons), with our own label table (label_colors.txt, labels.json) in place of Cityscapes' 34 classes."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from PIL import Image
from pycocotools import mask as mask_utils

from engine.exports.common import (ExportOptions, export_frames, fresh_folder, image_path, is_stuff, link, read_instance,
                                   split_of, voc_palette)
from engine.exports.polygons import mask_polygons, merged_polygon
from engine.layout import RunLayout


def write_cityscapes(run: RunLayout, all_labels, taxonomy, options: ExportOptions) -> Path:
    """Cityscapes gtFine layout, one 'city' per run: labelIds = our taxonomy class ids (sky included, 0 = unlabelled);
    labelTrainIds the same ids (every class of ours is trained on); instanceIds = class_id * 1000 + k for object
    classes (k < 1000 per class and frame) and class_id for surfaces and for classes whose id is over 65 (class_id *
    1000 would not fit the format's 16 bits: they stay one group). label_colors.txt lists every id in order ("r g b
    name", the class path; ids no class uses are `unused_<id>`), as datumaro reads a data set's own label table."""
    root = fresh_folder(run.export("cityscapes"))
    city = "synthetic"
    for labels, frame, stem in export_frames(all_labels):
        split = split_of(labels, options.splits)
        img_dir = root / "leftImg8bit" / split / city
        gt_dir = root / "gtFine" / split / city
        link(image_path(run, labels, frame), img_dir / f"{stem}_leftImg8bit.png")
        gt_dir.mkdir(parents=True, exist_ok=True)
        semantic = np.array(Image.open(run.sample(labels["sample_id"]).semantic(frame["index"])))
        instance = read_instance(run, labels, frame)
        for kind in ("labelIds", "labelTrainIds"):
            Image.fromarray(semantic.astype(np.uint8)).save(gt_dir / f"{stem}_gtFine_{kind}.png")
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
    by_id, palette = {c.id: c.path for c in taxonomy.classes}, voc_palette()
    (root / "label_colors.txt").write_text("".join(
        f"{' '.join(map(str, palette[3 * k:3 * k + 3]))} {'unlabelled' if k == 0 else by_id.get(k, f'unused_{k}')}\n"
        for k in range(max(by_id) + 1)))
    (root / "labels.json").write_text(json.dumps([{"id": c.id, "name": c.path, "en": c.en, "ko": c.ko,
                                                   "hasInstances": not is_stuff(c.path)} for c in taxonomy.classes],
                                                 ensure_ascii=False, indent=1))
    return root
