"""MOT Challenge sequences of clips: <sample_id>/seqinfo.ini, img1/, gt/gt.txt (actors: person = 1, car = 3)."""
from __future__ import annotations

from pathlib import Path

from engine.exports.common import ExportOptions, fresh_folder, image_path, link
from engine.labels import accepted_variants
from engine.layout import RunLayout

MOT_CLASSES = {"actor/person": 1, "actor/vehicle/car": 3}       # MOT17's pedestrian and car


def write_mot(run: RunLayout, all_labels, taxonomy, options: ExportOptions) -> Path:
    """One MOT Challenge sequence per sample: <sample_id>/seqinfo.ini, img1/NNNNNN.png (1-based) and gt/gt.txt with
    frame, id, left, top (1-based pixels, as the MOT Challenge devkit), width, height, conf (1), class, visibility for
    every actor in view; the box is the amodal one (MOT draws the whole target, occluded parts included) and
    visibility its visible_fraction. Accepted diffusion variants get sequences of their own, <sample_id>_aug<k>, with
    the same gt.txt. Boxes narrower or lower than export.min_box_px are left out."""
    root = fresh_folder(run.export("mot"))
    for labels in all_labels:
        lines = []
        for frame in labels["frames"]:
            for obj in frame["objects"]:
                x, y, w, h = obj["bbox_2d_amodal"]          # MOT's pixel coordinates are 1-based (its devkit)
                if obj["class_path"] in MOT_CLASSES and min(w, h) >= options.min_box_px:
                    lines.append(f"{frame['index'] + 1},{obj['instance_id']},{x + 1},{y + 1},{w},{h},1,"
                                 f"{MOT_CLASSES[obj['class_path']]},{obj['visible_fraction']:.6f}")
        camera = labels["frames"][0]["camera"]
        fps = max(1, round(labels["fps"]))
        # the clean sequence, then one per accepted diffusion variant (<sample_id>_aug<k>)
        for variant in [None] + accepted_variants(labels):
            name = labels["sample_id"] + ("" if variant is None else f"_aug{variant}")
            seq = root / name
            for frame in labels["frames"]:
                shown = frame if variant is None else {**frame, "augment_variant": variant}
                link(image_path(run, labels, shown), seq / "img1" / f"{frame['index'] + 1:06d}.png")
            (seq / "gt").mkdir(parents=True, exist_ok=True)
            (seq / "gt" / "gt.txt").write_text("\n".join(lines) + ("\n" if lines else ""))
            (seq / "seqinfo.ini").write_text(
                f"[Sequence]\nname={name}\nimDir=img1\nframeRate={fps}\nseqLength={len(labels['frames'])}\n"
                f"imWidth={camera['width']}\nimHeight={camera['height']}\nimExt=.png\n")     # MOT's seven keys, no more
    return root
