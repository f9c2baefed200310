"""COCO: instances with RLE masks (category id = taxonomy id, supercategory from the hierarchy), keypoints of actors,
COCO-video style videos and tracks, and captions in English and Korean (coco/annotations.json, coco/captions.json)."""
from __future__ import annotations

from pathlib import Path

from engine.labels import accepted_variants
from engine.layout import RunLayout
from engine.storage import write_json


def _coco_keypoints(obj: dict) -> dict:
    """COCO keypoints: x, y, v flattened; COCO writes 0, 0 for unlabelled (v = 0) points."""
    if "keypoints_2d" not in obj:
        return {}
    flat = [c for x, y, v in obj["keypoints_2d"] for c in ((x, y, v) if v else (0, 0, 0))]
    return {"keypoints": flat, "num_keypoints": sum(1 for _, _, v in obj["keypoints_2d"] if v)}


def _file_name(run: RunLayout, labels: dict, frame: dict, variant: int | None = None) -> str:
    """The image's path relative to the run folder, as COCO tools join it with the images root."""
    return run.sample(labels["sample_id"]).rgb(frame["index"], variant).relative_to(run.out).as_posix()


def write_coco(run: RunLayout, all_labels: list[dict], taxonomy) -> Path:
    """COCO instances (RLE masks, one image per frame) and COCO captions, with category ids = taxonomy class ids."""
    coco_dir = run.export("coco")
    coco_dir.mkdir(parents=True, exist_ok=True)
    groups = taxonomy.groups
    categories = [{"id": c.id, "name": taxonomy.export_names[c.id],
                   "supercategory": groups.get(c.parent, {}).get("en", c.parent or c.path),
                   "path": c.path, "name_ko": c.ko,
                   **({"keypoints": taxonomy.skeletons[c.skeleton]["joints"],            # COCO keypoint categories
                       "skeleton": [[a + 1, b + 1] for a, b in taxonomy.skeletons[c.skeleton]["bones"]]} if c.skeleton else {})}
                  for c in taxonomy.classes if c.path != "sky"]
    images, annotations, captions, videos = [], [], [], []
    for labels in all_labels:
        video_id = len(videos) + 1                  # COCO-video style (TAO / YouTube-VIS): a sample is a video
        videos.append({"id": video_id, "name": labels["sample_id"], "frames": len(labels["frames"])})
        variants = accepted_variants(labels)
        for frame in labels["frames"]:
            image_id = len(images) + 1
            images.append({"id": image_id, "file_name": _file_name(run, labels, frame),
                           "width": frame["camera"]["width"], "height": frame["camera"]["height"],
                           "sample_id": labels["sample_id"], "frame_index": frame["index"], "video_id": video_id,
                           "frame_id": frame["index"], "augmented": False})
            # each accepted diffusion variant is an image of its own with the same annotations, marked as augmented
            base = images[-1]
            for k in variants:
                images.append({**base, "id": len(images) + 1, "file_name": _file_name(run, labels, frame, k), "augmented": True,
                               "augment_variant": k, "source_image_id": image_id})
            copies = [image_id + j for j in range(len(variants) + 1)]
            for obj in frame["objects"]:
                if obj["pixel_count"] == 0:
                    continue
                for target in copies:
                    annotations.append({"id": len(annotations) + 1, "image_id": target, "category_id": obj["class_id"],
                                        "segmentation": obj["mask_rle"], "area": obj["pixel_count"], "bbox": obj["bbox_2d"],
                                        "iscrowd": 0, "instance_id": obj["instance_id"], "video_id": video_id,
                                        "track_id": video_id * 65536 + obj["instance_id"],   # unique over the data set
                                        "visible_fraction": obj["visible_fraction"], "bbox_amodal": obj["bbox_2d_amodal"],
                                        **_coco_keypoints(obj)})
            for lang, texts in labels["scene"]["captions"].items():
                for text in texts:
                    captions.append({"id": len(captions) + 1, "image_id": image_id, "caption": text, "lang": lang})
    info = {"description": "procedurally generated; no real person or copyrighted work depicted",
            "taxonomy_version": taxonomy.version}
    write_json(coco_dir / "annotations.json", {"info": info, "videos": videos, "images": images,
                                               "annotations": annotations, "categories": categories})
    write_json(coco_dir / "captions.json", {"info": info, "images": images, "annotations": captions})
    return coco_dir
