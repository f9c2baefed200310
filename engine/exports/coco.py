"""COCO: instances with RLE masks (category id = taxonomy id, supercategory from the hierarchy), keypoints of actors,
COCO-video style videos and tracks, and captions in English and Korean, in COCO's standard layout
(annotations/instances_<split>.json, annotations/captions_<split>.json, images/<split>/<stem>.png)."""
from __future__ import annotations

from pathlib import Path

from engine.exports.common import ExportOptions, detectable, export_frames, fresh_folder, image_path, link, split_of
from engine.layout import RunLayout
from engine.storage import write_json


def _coco_keypoints(obj: dict) -> dict:
    """COCO keypoints: x, y, v flattened; COCO writes 0, 0 for unlabelled (v = 0) points."""
    if "keypoints_2d" not in obj:
        return {}
    flat = [c for x, y, v in obj["keypoints_2d"] for c in ((x, y, v) if v else (0, 0, 0))]
    return {"keypoints": flat, "num_keypoints": sum(1 for _, _, v in obj["keypoints_2d"] if v)}


def write_coco(run: RunLayout, all_labels: list[dict], taxonomy, options: ExportOptions) -> Path:
    """COCO's standard layout, one subset per split: annotations/instances_<split>.json (RLE masks, one image per
    frame, category ids = taxonomy class ids), annotations/captions_<split>.json, images/<split>/<stem>.png."""
    root = fresh_folder(run.export("coco"))
    groups = taxonomy.groups
    categories = [{"id": c.id, "name": taxonomy.export_names[c.id],
                   "supercategory": groups.get(c.parent, {}).get("en", c.parent or c.path),
                   "path": c.path, "name_ko": c.ko,
                   **({"keypoints": taxonomy.skeletons[c.skeleton]["joints"],            # COCO keypoint categories
                       "skeleton": [[a + 1, b + 1] for a, b in taxonomy.skeletons[c.skeleton]["bones"]]} if c.skeleton else {})}
                  for c in taxonomy.classes if c.path != "sky"]
    subsets = {name: {"images": [], "annotations": [], "captions": [], "videos": []} for name in options.splits}
    image_count = annotation_count = caption_count = 0       # ids unique over all subsets, so they concatenate
    for video_id, labels in enumerate(all_labels, start=1):   # COCO-video style (TAO / YouTube-VIS): a sample is a video
        split = split_of(labels, options.splits)
        subset = subsets[split]
        subset["videos"].append({"id": video_id, "name": labels["sample_id"], "frames": len(labels["frames"])})
        first_of_frame = {}
        for _, frame, stem in export_frames([labels]):
            link(image_path(run, labels, frame), root / "images" / split / f"{stem}.png")
            image_count += 1
            variant = frame.get("augment_variant")
            image = {"id": image_count, "file_name": f"{stem}.png", "width": frame["camera"]["width"],
                     "height": frame["camera"]["height"], "sample_id": labels["sample_id"], "frame_index": frame["index"],
                     "video_id": video_id, "frame_id": frame["index"], "augmented": variant is not None}
            if variant is not None:     # an accepted diffusion variant: an image of its own with the same annotations
                image |= {"augment_variant": variant, "source_image_id": first_of_frame[frame["index"]]}
            else:
                first_of_frame[frame["index"]] = image_count
            subset["images"].append(image)
            for obj in frame["objects"]:
                if detectable(obj, options.min_box_px):
                    annotation_count += 1
                    subset["annotations"].append({
                        "id": annotation_count, "image_id": image_count, "category_id": obj["class_id"],
                        "segmentation": obj["mask_rle"], "area": obj["pixel_count"], "bbox": obj["bbox_2d"], "iscrowd": 0,
                        "instance_id": obj["instance_id"], "video_id": video_id,
                        "track_id": video_id * 65536 + obj["instance_id"],              # unique over the data set
                        "visible_fraction": obj["visible_fraction"], "bbox_amodal": obj["bbox_2d_amodal"],
                        **_coco_keypoints(obj)})
            if variant is None:
                for lang, texts in labels["scene"]["captions"].items():
                    for text in texts:
                        caption_count += 1
                        subset["captions"].append({"id": caption_count, "image_id": image_count, "caption": text,
                                                   "lang": lang})
    info = {"description": "procedurally generated; no real person or copyrighted work depicted",
            "taxonomy_version": taxonomy.version}
    (root / "annotations").mkdir()
    for split, subset in subsets.items():
        if subset["images"]:
            write_json(root / "annotations" / f"instances_{split}.json",
                       {"info": info, "videos": subset["videos"], "images": subset["images"],
                        "annotations": subset["annotations"], "categories": categories})
            write_json(root / "annotations" / f"captions_{split}.json",
                       {"info": info, "images": subset["images"], "annotations": subset["captions"]})
    return root
