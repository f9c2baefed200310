"""COCO: instances with RLE masks (category id = taxonomy id, supercategory from the hierarchy), keypoints of actors,
COCO-video style videos and tracks, and captions in English and Korean, in COCO's standard layout
(annotations/instances_<split>.json, annotations/captions_<split>.json, images/<split>/<stem>.png), and where the run
has people, annotations/person_keypoints_<split>.json as COCO's keypoint files are."""
from __future__ import annotations

from pathlib import Path

from engine.exports.common import ExportOptions, detectable, export_frames, fresh_folder, image_path, link, split_of
from engine.layout import RunLayout
from engine.storage import write_json


def coco_layout(skeleton: dict) -> tuple[list, list, list]:
    """(keypoint names, 1-based skeleton, index of each into the native joints) that COCO files carry for a skeleton:
    its `coco_keypoints` and `coco_skeleton` where the taxonomy gives them (a person: COCO's 17 in COCO's order), else
    all its joints and bones."""
    names = skeleton.get("coco_keypoints", skeleton["joints"])
    bones = skeleton.get("coco_skeleton", [[a + 1, b + 1] for a, b in skeleton["bones"]])
    return names, bones, [skeleton["joints"].index(n) for n in names]


def _coco_keypoints(obj: dict, taxonomy) -> dict:
    """COCO keypoints in the class's COCO layout: x, y, v flattened; COCO writes 0, 0 for unlabelled (v = 0) points."""
    if "keypoints_2d" not in obj:
        return {}
    _, _, order = coco_layout(taxonomy.skeletons[taxonomy[obj["class_path"]].skeleton])
    points = [obj["keypoints_2d"][j] for j in order]
    flat = [c for x, y, v in points for c in ((x, y, v) if v else (0, 0, 0))]
    return {"keypoints": flat, "num_keypoints": sum(1 for _, _, v in points if v)}


def _keypoint_fields(skeleton: dict) -> dict:
    names, bones, _ = coco_layout(skeleton)
    return {"keypoints": names, "skeleton": bones}


def write_coco(run: RunLayout, all_labels: list[dict], taxonomy, options: ExportOptions) -> Path:
    """COCO's standard layout, one subset per split: annotations/instances_<split>.json (RLE masks, one image per
    frame, category ids = taxonomy class ids), annotations/captions_<split>.json, images/<split>/<stem>.png."""
    root = fresh_folder(run.export("coco"))
    groups = taxonomy.groups
    categories = [{"id": c.id, "name": taxonomy.export_names[c.id],
                   "supercategory": groups.get(c.parent, {}).get("en", c.parent or c.path),
                   "path": c.path, "name_ko": c.ko,
                   **(_keypoint_fields(taxonomy.skeletons[c.skeleton]) if c.skeleton else {})}
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
                        **_coco_keypoints(obj, taxonomy)})
            if variant is None:
                for lang, texts in labels["scene"]["captions"].items():
                    for text in texts:
                        caption_count += 1
                        subset["captions"].append({"id": caption_count, "image_id": image_count, "caption": text,
                                                   "lang": lang})
    info = {"description": "procedurally generated; no real person or copyrighted work depicted",
            "taxonomy_version": taxonomy.version}
    (root / "annotations").mkdir()
    person = taxonomy["actor/person"].id
    people = any(a["category_id"] == person for subset in subsets.values() for a in subset["annotations"])
    for split, subset in subsets.items():
        if subset["images"]:
            write_json(root / "annotations" / f"instances_{split}.json",
                       {"info": info, "videos": subset["videos"], "images": subset["images"],
                        "annotations": subset["annotations"], "categories": categories})
            write_json(root / "annotations" / f"captions_{split}.json",
                       {"info": info, "images": subset["images"], "annotations": subset["captions"]})
            if people:
                _write_person_keypoints(root / "annotations" / f"person_keypoints_{split}.json", info, subset,
                                        categories, person)
    return root


def _write_person_keypoints(path: Path, info: dict, subset: dict, categories: list, person: int):
    """COCO's keypoint file, as pose tools (mmpose, COCO-to-YOLO-pose converters) read it: the person category only,
    its annotations (COCO's 17 points) and every image of the subset (images without people are negatives)."""
    write_json(path, {"info": info, "images": subset["images"],
                      "annotations": [a for a in subset["annotations"] if a["category_id"] == person],
                      "categories": [c for c in categories if c["id"] == person]})
