"""Writers: the native sample layout (atomic per sample) and COCO, both derived from labels.json (no bpy here)."""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
from PIL import Image

SAMPLES = "samples"
TMP_PREFIX = ".tmp-"


def write_json(path: Path, data) -> None:
    """Write JSON atomically: a temporary file in the same folder, then rename."""
    path = Path(path)
    tmp = path.with_name(f"{TMP_PREFIX}{path.name}")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, path)


def sample_dir(out: Path, sample_id: str) -> Path:
    return Path(out) / SAMPLES / sample_id


def is_complete(out: Path, sample_id: str) -> bool:
    """A sample folder exists only once fully written (it is renamed into place last)."""
    return (sample_dir(out, sample_id) / "labels.json").is_file()


def remove_partial(out: Path) -> int:
    """Delete what an interrupted run left half-written; returns how many were removed."""
    root = Path(out) / SAMPLES
    leftovers = list(root.glob(f"{TMP_PREFIX}*")) if root.is_dir() else []
    for path in leftovers:
        shutil.rmtree(path) if path.is_dir() else path.unlink()
    return len(leftovers)


def write_sample(out: Path, sample_id: str, labels: dict, scene: dict, frames: list[dict], extras=()) -> Path:
    """Write the native layout into a temporary folder, run each extra writer on it (`extra(folder)`), then rename."""
    final = sample_dir(out, sample_id)
    tmp = final.with_name(f"{TMP_PREFIX}{sample_id}")
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    for i, passes in enumerate(frames):
        d = tmp / f"{i:04d}"
        d.mkdir()
        Image.fromarray(passes["rgb"]).save(d / "rgb.png", compress_level=1)
        np.savez(d / "depth.npz", depth=passes["depth"])
        np.savez(d / "normal.npz", normal=passes["normal"])
        Image.fromarray(passes["instance"]).save(d / "instance.png", compress_level=1)   # 16-bit PNG
        Image.fromarray(passes["semantic"]).save(d / "semantic.png", compress_level=1)
        if "part" in passes:        # actors' body parts: 1 + index into the taxonomy skeleton's parts, 0 elsewhere
            Image.fromarray(passes["part"]).save(d / "part.png", compress_level=1)
        for k, image in passes.get("augmented", {}).items():    # accepted diffusion variants (same labels)
            Image.fromarray(image).save(d / f"rgb_aug{k}.png", compress_level=1)
        if "flow" in passes:        # forward optical flow to the next frame, pixels (dx, dy)
            np.savez(d / "flow.npz", flow=passes["flow"])
    (tmp / "scene.json").write_text(json.dumps(scene, ensure_ascii=False), encoding="utf-8")
    for extra in extras:
        extra(tmp)
    (tmp / "labels.json").write_text(json.dumps(labels, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, final)
    return final


def write_video(path: Path, rgb_frames: list, fps: float) -> Path:
    """The clip's RGB frames as an MP4 (H.264, yuv420p, quality crf 18); odd sizes are padded by one edge pixel,
    as yuv420p needs even ones."""
    import av
    height, width = rgb_frames[0].shape[:2]
    pad = ((0, height % 2), (0, width % 2), (0, 0))
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=max(1, int(round(fps))), options={"crf": "18"})
        stream.width, stream.height, stream.pix_fmt = width + width % 2, height + height % 2, "yuv420p"
        for rgb in rgb_frames:
            frame = av.VideoFrame.from_ndarray(np.pad(rgb, pad, mode="edge"), format="rgb24")
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
    return path


def load_labels(out: Path, sample_ids: list[str]) -> list[dict]:
    return [json.loads((sample_dir(out, s) / "labels.json").read_text(encoding="utf-8")) for s in sample_ids]


def accepted_variants(labels: dict) -> list:
    """Indices of the sample's accepted diffusion variants (augment=controlnet), each a full copy of its frames."""
    return [v["variant"] for v in (labels.get("augment") or {}).get("variants", []) if v["accepted"]]


def _coco_keypoints(obj: dict) -> dict:
    """COCO keypoints: x, y, v flattened; COCO writes 0, 0 for unlabelled (v = 0) points."""
    if "keypoints_2d" not in obj:
        return {}
    flat = [c for x, y, v in obj["keypoints_2d"] for c in ((x, y, v) if v else (0, 0, 0))]
    return {"keypoints": flat, "num_keypoints": sum(1 for _, _, v in obj["keypoints_2d"] if v)}


def write_coco(out: Path, all_labels: list[dict], taxonomy) -> Path:
    """COCO instances (RLE masks, one image per frame) and COCO captions, with category ids = taxonomy class ids."""
    coco_dir = Path(out) / "coco"
    coco_dir.mkdir(parents=True, exist_ok=True)
    groups = taxonomy.groups
    categories = [{"id": c.id, "name": c.en, "supercategory": groups.get(c.parent, {}).get("en", c.parent or c.path),
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
            folder = f"{SAMPLES}/{labels['sample_id']}/{frame['index']:04d}"
            images.append({"id": image_id, "file_name": f"{folder}/rgb.png",
                           "width": frame["camera"]["width"], "height": frame["camera"]["height"],
                           "sample_id": labels["sample_id"], "frame_index": frame["index"], "video_id": video_id,
                           "frame_id": frame["index"], "augmented": False})
            # each accepted diffusion variant is an image of its own with the same annotations, marked as augmented
            base = images[-1]
            for k in variants:
                images.append({**base, "id": len(images) + 1, "file_name": f"{folder}/rgb_aug{k}.png", "augmented": True,
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
