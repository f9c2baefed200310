"""YOLO (ultralytics) detect and segment data sets: yolo/detect and yolo/segment, each images/<split>/<stem>.png,
labels/<split>/<stem>.txt and data.yaml; class index = position in names (taxonomy order, sky left out). data.yaml's
`path` is the export's absolute folder, so a trainer finds the images whatever its working directory; `val` is the
val split where there is one, else the train images."""
from __future__ import annotations

import json
from pathlib import Path

from pycocotools import mask as mask_utils

from engine.exports.common import (ExportOptions, detectable, export_frames, fresh_folder, image_path, label_classes, link,
                                   split_of)
from engine.exports.polygons import mask_polygons, merged_polygon
from engine.layout import RunLayout


def _yolo(run: RunLayout, all_labels: list, taxonomy, options: ExportOptions, segment: bool) -> Path:
    root = fresh_folder(run.export("yolo") / ("segment" if segment else "detect"))
    classes = label_classes(taxonomy)
    index = {c.id: k for k, c in enumerate(classes)}
    for labels, frame, stem in export_frames(all_labels):
        split = split_of(labels, options.splits)
        link(image_path(run, labels, frame), root / "images" / split / f"{stem}.png")
        w, h = frame["camera"]["width"], frame["camera"]["height"]
        lines = []
        for obj in frame["objects"]:
            if not detectable(obj, options.min_box_px):
                continue
            if segment:
                loops = mask_polygons(mask_utils.decode(obj["mask_rle"]).astype(bool))
                poly = merged_polygon(loops) / [w, h]
                lines.append(f"{index[obj['class_id']]} " + " ".join(f"{v:.6f}" for v in poly.ravel()))
            else:
                x, y, bw, bh = obj["bbox_2d"]
                lines.append(f"{index[obj['class_id']]} {(x + bw / 2) / w:.6f} {(y + bh / 2) / h:.6f} {bw / w:.6f} {bh / h:.6f}")
        (root / "labels" / split).mkdir(parents=True, exist_ok=True)
        (root / "labels" / split / f"{stem}.txt").write_text("\n".join(lines) + ("\n" if lines else ""))
    present = [s for s in options.splits if (root / "images" / s).is_dir()] or ["train"]
    train = "train" if "train" in present else present[0]
    roles = {"train": train, "val": "val" if "val" in present else train} | ({"test": "test"} if "test" in present else {})
    sets = "".join(f"{role}: images/{name}\n" for role, name in roles.items())
    names = "\n".join(f"  {k}: {json.dumps(taxonomy.export_names[c.id])}" for k, c in enumerate(classes))
    (root / "data.yaml").write_text(f"# {'segment' if segment else 'detect'} dataset; class index = position in names\n"
                                    f"path: {json.dumps(str(root.resolve()))}\n{sets}nc: {len(classes)}\nnames:\n{names}\n")
    return root


def write_yolo(run: RunLayout, all_labels, taxonomy, options: ExportOptions):
    return [_yolo(run, all_labels, taxonomy, options, segment=False), _yolo(run, all_labels, taxonomy, options, segment=True)]
