"""Exports of a finished run into the formats training code reads, all derived from the native labels and images
(numpy + PIL; no re-rendering). `export.formats=[coco,yolo,voc,kitti,cityscapes]`; `export.only=true` re-exports an
existing run.

    yolo/detect, yolo/segment   images/<stem>.png, labels/<stem>.txt, data.yaml  (class index = position in names)
    voc/                        JPEGImages, Annotations (XML), SegmentationClass, SegmentationObject, ImageSets
    kitti/                      image_2, label_2, calib (P2 maps KITTI's level camera frame to pixels; see write_kitti)
    cityscapes/                 leftImg8bit/, gtFine/ (labelIds = taxonomy ids, instanceIds = id * 1000 + k)
    webdataset/                 shard-NNNNNN.tar of 1,000 frames each: <stem>.rgb.png, .instance.png, .semantic.png,
                                .depth.npz, .normal.npz, .json
A frame's <stem> is <sample_id>_<frame:04d>.
"""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from xml.etree import ElementTree as ET

import numpy as np
from PIL import Image
from pycocotools import mask as mask_utils

from engine.writers import SAMPLES, accepted_variants, write_coco

# classes that are surfaces ("stuff"): no per-object boxes in KITTI, no instance ids in Cityscapes
STUFF = ("sky", "ground", "water", "structure/road")


def is_stuff(class_path: str) -> bool:
    return class_path in STUFF or class_path.startswith("terrain/") and class_path != "terrain/rock"


def _frames(all_labels):
    """(labels, frame, stem) for every frame, then for every accepted augmented variant of it: the same labels, the
    frame marked with "augment_variant" and the stem with an _aug<k> suffix, so every export marks it as augmented."""
    for labels in all_labels:
        for frame in labels["frames"]:
            stem = f"{labels['sample_id']}_{frame['index']:04d}"
            yield labels, frame, stem
            for k in accepted_variants(labels):
                yield labels, {**frame, "augment_variant": k}, f"{stem}_aug{k}"


def _image(out: Path, labels: dict, frame: dict) -> Path:
    name = f"rgb_aug{frame['augment_variant']}.png" if "augment_variant" in frame else "rgb.png"
    return Path(out) / SAMPLES / labels["sample_id"] / f"{frame['index']:04d}" / name


def _link(src: Path, dst: Path):
    """Hard-link an image into an export (no copy on the same disk), copying where links are not possible."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    if dst.exists():
        dst.unlink()
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def _fresh(path: Path) -> Path:
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    return path


def _instance(out: Path, labels: dict, frame: dict) -> np.ndarray:
    return np.array(Image.open(Path(out) / SAMPLES / labels["sample_id"] / f"{frame['index']:04d}" / "instance.png"))


# ---- YOLO ----------------------------------------------------------------------------------------------------------
def yolo_classes(taxonomy) -> list:
    """Taxonomy classes in id order, sky excluded: YOLO's class index is the position in this list."""
    return [c for c in taxonomy.classes if c.path != "sky"]


def mask_polygons(mask: np.ndarray) -> list:
    """The boundaries of a mask as closed loops along pixel edges: (N, 2) arrays of (x, y) pixel-corner coordinates,
    collinear points dropped. Outer boundaries wind one way (positive area, y down), holes the other, so filling all
    loops even-odd (or non-zero) gives back exactly the mask's pixels."""
    m = np.pad(mask.astype(bool), 1)
    edges = {}

    def add(x0, y0, x1, y1):
        for a, b in zip(zip(x0.tolist(), y0.tolist()), zip(x1.tolist(), y1.tolist())):
            edges.setdefault(a, []).append(b)

    # directed boundary edges with the region on the right of travel
    i, c = np.nonzero(m[1:, :] & ~m[:-1, :])
    add(c, i + 1, c + 1, i + 1)                  # region below a horizontal edge: left to right
    i, c = np.nonzero(m[:-1, :] & ~m[1:, :])
    add(c + 1, i + 1, c, i + 1)                  # region above: right to left
    r, j = np.nonzero(m[:, 1:] & ~m[:, :-1])
    add(j + 1, r + 1, j + 1, r)                  # region right of a vertical edge: upwards
    r, j = np.nonzero(m[:, :-1] & ~m[:, 1:])
    add(j + 1, r, j + 1, r + 1)                  # region left: downwards
    loops = []
    while edges:
        start = next(iter(edges))
        loop, point, heading = [start], start, None
        while True:
            options = edges[point]
            # at a pinch (regions touching only at a corner) turn right first: the region, on our right, stays whole
            if heading is not None and len(options) > 1:
                options.sort(key=lambda q: np.cross(heading, (q[0] - point[0], q[1] - point[1])))
            nxt = options.pop()
            if not options:
                del edges[point]
            heading = (nxt[0] - point[0], nxt[1] - point[1])
            if nxt == start:
                break
            loop.append(nxt)
            point = nxt
        pts = np.array(loop, dtype=np.float64) - 1.0                  # undo the padding
        turn = np.cross(pts - np.roll(pts, 1, axis=0), np.roll(pts, -1, axis=0) - pts)
        loops.append(pts[turn != 0])
    return loops


def merged_polygon(loops: list) -> np.ndarray:
    """Several loops (regions and holes) as one polygon, as YOLO keeps one per object: visit each loop and come back
    along the same zero-width bridges, which add nothing to an even-odd or non-zero fill."""
    seq = []
    for loop in loops:
        seq += list(loop) + [loop[0]]
    seq += [loop[0] for loop in loops[-2::-1]]
    return np.array(seq)


def _yolo(out: Path, all_labels: list, taxonomy, segment: bool) -> Path:
    root = _fresh(Path(out) / "yolo" / ("segment" if segment else "detect"))
    classes = yolo_classes(taxonomy)
    index = {c.id: k for k, c in enumerate(classes)}
    for labels, frame, stem in _frames(all_labels):
        _link(_image(out, labels, frame), root / "images" / f"{stem}.png")
        w, h = frame["camera"]["width"], frame["camera"]["height"]
        lines = []
        for obj in frame["objects"]:
            if not obj["pixel_count"]:
                continue
            if segment:
                loops = mask_polygons(mask_utils.decode(obj["mask_rle"]).astype(bool))
                poly = merged_polygon(loops) / [w, h]
                lines.append(f"{index[obj['class_id']]} " + " ".join(f"{v:.6f}" for v in poly.ravel()))
            else:
                x, y, bw, bh = obj["bbox_2d"]
                lines.append(f"{index[obj['class_id']]} {(x + bw / 2) / w:.6f} {(y + bh / 2) / h:.6f} {bw / w:.6f} {bh / h:.6f}")
        (root / "labels").mkdir(exist_ok=True)
        (root / "labels" / f"{stem}.txt").write_text("\n".join(lines) + ("\n" if lines else ""))
    names = "\n".join(f"  {k}: {json.dumps(c.en)}" for k, c in enumerate(classes))
    (root / "data.yaml").write_text(f"# {'segment' if segment else 'detect'} dataset; class index = position in names\n"
                                    f"path: .\ntrain: images\nval: images\nnc: {len(classes)}\nnames:\n{names}\n")
    return root


def write_yolo(out, all_labels, taxonomy):
    return [_yolo(out, all_labels, taxonomy, segment=False), _yolo(out, all_labels, taxonomy, segment=True)]


# ---- Pascal VOC ----------------------------------------------------------------------------------------------------
VOC_VOID = 255


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


def write_voc(out, all_labels, taxonomy) -> Path:
    """VOC2012 layout. Class index in SegmentationClass = position in labelmap.txt (0 = background/sky)."""
    root = _fresh(Path(out) / "voc")
    classes = yolo_classes(taxonomy)
    index = {c.id: k + 1 for k, c in enumerate(classes)}
    for sub in ("JPEGImages", "Annotations", "SegmentationClass", "SegmentationObject", "ImageSets/Main",
                "ImageSets/Segmentation"):
        (root / sub).mkdir(parents=True)
    stems, palette = [], voc_palette()
    for labels, frame, stem in _frames(all_labels):
        stems.append(stem)
        Image.open(_image(out, labels, frame)).convert("RGB").save(root / "JPEGImages" / f"{stem}.jpg", quality=95)
        w, h = frame["camera"]["width"], frame["camera"]["height"]
        ann = ET.Element("annotation")
        ET.SubElement(ann, "folder").text = "JPEGImages"
        ET.SubElement(ann, "filename").text = f"{stem}.jpg"
        if "augment_variant" in frame:
            ET.SubElement(ann, "augmented").text = str(frame["augment_variant"])
        size = ET.SubElement(ann, "size")
        for tag, v in (("width", w), ("height", h), ("depth", 3)):
            ET.SubElement(size, tag).text = str(v)
        ET.SubElement(ann, "segmented").text = "1"
        instance = _instance(out, labels, frame)
        cls_png = np.zeros((h, w), np.uint8)
        obj_png = np.zeros((h, w), np.uint8)
        k = 0
        for obj in frame["objects"]:
            if not obj["pixel_count"]:
                continue
            mask = instance == obj["instance_id"]
            cls_png[mask] = index[obj["class_id"]]
            if k < 254:                     # VOC object PNGs are 8-bit: at most 254 objects per image
                k += 1
                obj_png[mask] = k
            x, y, bw, bh = obj["bbox_2d"]
            node = ET.SubElement(ann, "object")
            for tag, v in (("name", taxonomy.by_id(obj["class_id"]).en), ("pose", "Unspecified"),
                           ("truncated", int(obj["truncated"])), ("occluded", int(obj["visible_fraction"] < 1.0)),
                           ("difficult", 0), ("instance_id", obj["instance_id"])):
                ET.SubElement(node, tag).text = str(v)
            box = ET.SubElement(node, "bndbox")
            for tag, v in (("xmin", x + 1), ("ymin", y + 1), ("xmax", x + bw), ("ymax", y + bh)):   # 1-based, inclusive
                ET.SubElement(box, tag).text = str(v)
        ET.ElementTree(ann).write(root / "Annotations" / f"{stem}.xml", encoding="utf-8")
        for array, sub in ((cls_png, "SegmentationClass"), (obj_png, "SegmentationObject")):
            image = Image.fromarray(array, mode="P")
            image.putpalette(palette)
            image.save(root / sub / f"{stem}.png")
    for sub in ("Main", "Segmentation"):
        (root / "ImageSets" / sub / "default.txt").write_text("\n".join(stems) + "\n")
    (root / "labelmap.txt").write_text("background\n" + "\n".join(c.en for c in classes) + "\n")
    return root


# ---- KITTI ---------------------------------------------------------------------------------------------------------
def level_frame(world_to_camera: np.ndarray) -> np.ndarray:
    """KITTI's labels assume a level camera. Our cameras pitch and roll, so labels use a level frame at the camera:
    y down along gravity, z the camera's forward direction made horizontal, x = y cross z. Returns world -> level."""
    cam_to_world = np.linalg.inv(world_to_camera)
    forward = cam_to_world[:3, 2].copy()
    forward[2] = 0.0
    if np.linalg.norm(forward) < 1e-9:                        # looking straight down/up: use the camera's up instead
        forward = -cam_to_world[:3, 1].copy()
        forward[2] = 0.0
    z = forward / np.linalg.norm(forward)
    y = np.array([0.0, 0.0, -1.0])
    x = np.cross(y, z)
    R = np.stack([x, y, z])                                   # rows: level axes in world coordinates
    m = np.eye(4)
    m[:3, :3], m[:3, 3] = R, -R @ cam_to_world[:3, 3]
    return m


def write_kitti(out, all_labels, taxonomy) -> Path:
    """KITTI object format (pinhole frames only). Labels are in the level frame of `level_frame`; calib's P2 =
    K [R_level_to_camera | 0] projects them to pixels exactly, so tools that project with P2 draw our boxes."""
    root = _fresh(Path(out) / "kitti")
    for sub in ("image_2", "label_2", "calib"):
        (root / sub).mkdir()
    for labels, frame, stem in _frames(all_labels):
        cam = frame["camera"]
        if cam.get("model", "perspective") != "perspective":
            continue
        _link(_image(out, labels, frame), root / "image_2" / f"{stem}.png")
        w2c = np.array(cam["world_to_camera"])
        w2l = level_frame(w2c)
        level_to_cam = w2c[:3, :3] @ w2l[:3, :3].T
        P2 = np.array(cam["K"]) @ np.column_stack([level_to_cam, np.zeros(3)])
        plain = np.array(cam["K"]) @ np.eye(3, 4)
        rows = [("P0", plain), ("P1", plain), ("P2", P2), ("P3", plain), ("R0_rect", np.eye(3)),
                ("Tr_velo_to_cam", np.eye(3, 4)), ("Tr_imu_to_velo", np.eye(3, 4))]
        (root / "calib" / f"{stem}.txt").write_text("".join(f"{k}: {' '.join(repr(float(v)) for v in m.ravel())}\n"
                                                           for k, m in rows))
        lines = []
        for obj in frame["objects"]:
            if not obj["pixel_count"] or is_stuff(obj["class_path"]):
                continue
            box = obj["bbox_3d"]
            R = w2l[:3, :3] @ np.array(box["rotation_world"])   # object axes in the level frame
            centre = w2l[:3, :3] @ np.array(box["center_world"]) + w2l[:3, 3]
            length, width, height = box["size"]                # object x, y, z extents; z is up
            bottom = centre + R[:, 2] * (-height / 2)          # KITTI's location: centre of the bottom face
            ry = float(np.arctan2(-R[2, 0], R[0, 0]))          # yaw of the object's x axis about the level y axis
            alpha = float((ry - np.arctan2(bottom[0], bottom[2]) + np.pi) % (2 * np.pi) - np.pi)
            occluded = 0 if obj["visible_fraction"] >= 0.9 else 1 if obj["visible_fraction"] >= 0.5 else 2
            x, y, bw, bh = obj["bbox_2d"]
            name = taxonomy.by_id(obj["class_id"]).en.replace(" ", "_")
            lines.append(f"{name} {float(obj['truncated']):.2f} {occluded} {alpha:.4f} {x:.2f} {y:.2f} {x + bw:.2f} "
                         f"{y + bh:.2f} {height:.4f} {width:.4f} {length:.4f} {bottom[0]:.4f} {bottom[1]:.4f} "
                         f"{bottom[2]:.4f} {ry:.4f}")
        (root / "label_2" / f"{stem}.txt").write_text("\n".join(lines) + ("\n" if lines else ""))
    return root


# ---- Cityscapes ----------------------------------------------------------------------------------------------------
def write_cityscapes(out, all_labels, taxonomy) -> Path:
    """Cityscapes gtFine layout, one 'city' per run: labelIds = our taxonomy class ids (sky included, 0 = unlabelled),
    instanceIds = class_id * 1000 + k for object classes (k < 1000 per class and frame) and class_id for surfaces."""
    root = _fresh(Path(out) / "cityscapes")
    city = "synthetic"
    for labels, frame, stem in _frames(all_labels):
        img_dir = root / "leftImg8bit" / "train" / city
        gt_dir = root / "gtFine" / "train" / city
        _link(_image(out, labels, frame), img_dir / f"{stem}_leftImg8bit.png")
        gt_dir.mkdir(parents=True, exist_ok=True)
        semantic = np.array(Image.open(_image(out, labels, frame).with_name("semantic.png")))
        instance = _instance(out, labels, frame)
        Image.fromarray(semantic.astype(np.uint8)).save(gt_dir / f"{stem}_gtFine_labelIds.png")
        ids = semantic.astype(np.int32)
        counters = {}
        for obj in frame["objects"]:
            if obj["pixel_count"] and not is_stuff(obj["class_path"]):
                k = counters[obj["class_id"]] = counters.get(obj["class_id"], -1) + 1
                if k < 1000:                    # the format's limit; further ones stay a group, as Cityscapes does
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


# ---- WebDataset ----------------------------------------------------------------------------------------------------
def write_webdataset(out, all_labels, taxonomy, shard_size: int = 1000) -> Path:
    """Tar shards for streaming training: one entry group per frame, key <sample_id>_<frame>, members rgb.png,
    instance.png, semantic.png, depth.npz, normal.npz and json (the frame's labels plus the sample's scene block)."""
    import io
    import tarfile
    root = _fresh(Path(out) / "webdataset")
    frames = list(_frames(all_labels))
    for shard in range(0, max(len(frames), 1), shard_size):
        with tarfile.open(root / f"shard-{shard // shard_size:06d}.tar", "w") as tar:
            for labels, frame, stem in frames[shard:shard + shard_size]:
                folder = _image(out, labels, frame).parent
                tar.add(_image(out, labels, frame), arcname=f"{stem}.rgb.png")
                for name in ("instance.png", "semantic.png", "depth.npz", "normal.npz"):
                    tar.add(folder / name, arcname=f"{stem}.{name}")
                data = json.dumps({"sample_id": labels["sample_id"], "scene": labels["scene"], "frame": frame,
                                   "augmented": "augment_variant" in frame,
                                   "taxonomy_version": labels["taxonomy_version"]}, ensure_ascii=False).encode()
                info = tarfile.TarInfo(f"{stem}.json")
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
    return root


# ---- MOT Challenge ---------------------------------------------------------------------------------------------------
MOT_CLASSES = {"actor/person": 1, "actor/vehicle/car": 3}       # MOT17's pedestrian and car


def write_mot(out, all_labels, taxonomy) -> Path:
    """One MOT Challenge sequence per sample: <sample_id>/seqinfo.ini, img1/NNNNNN.png (1-based) and gt/gt.txt with
    frame, id, left, top, width, height, conf (1), class, visibility for every actor in view; the box is the amodal
    one (MOT draws the whole target, occluded parts included) and visibility its visible_fraction. Accepted diffusion
    variants get sequences of their own, <sample_id>_aug<k>, with the same gt.txt."""
    root = _fresh(Path(out) / "mot")
    for labels in all_labels:
        lines = []
        for frame in labels["frames"]:
            for obj in frame["objects"]:
                if obj["class_path"] in MOT_CLASSES:
                    x, y, w, h = obj["bbox_2d_amodal"]
                    lines.append(f"{frame['index'] + 1},{obj['instance_id']},{x},{y},{w},{h},1,"
                                 f"{MOT_CLASSES[obj['class_path']]},{obj['visible_fraction']:.6f}")
        camera = labels["frames"][0]["camera"]
        fps = round(1.0 / labels["frames"][1]["time_s"]) if len(labels["frames"]) > 1 and labels["frames"][1]["time_s"] else 1
        # the clean sequence, then one per accepted diffusion variant (<sample_id>_aug<k>, marked augmented=1)
        for variant in [None] + accepted_variants(labels):
            name = labels["sample_id"] + ("" if variant is None else f"_aug{variant}")
            seq = root / name
            for frame in labels["frames"]:
                shown = frame if variant is None else {**frame, "augment_variant": variant}
                _link(_image(out, labels, shown), seq / "img1" / f"{frame['index'] + 1:06d}.png")
            (seq / "gt").mkdir(parents=True, exist_ok=True)
            (seq / "gt" / "gt.txt").write_text("\n".join(lines) + ("\n" if lines else ""))
            (seq / "seqinfo.ini").write_text(
                f"[Sequence]\nname={name}\nimDir=img1\nframeRate={fps}\nseqLength={len(labels['frames'])}\n"
                f"imWidth={camera['width']}\nimHeight={camera['height']}\nimExt=.png\naugmented={int(variant is not None)}\n")
    return root


EXPORTERS = {"coco": write_coco, "yolo": write_yolo, "voc": write_voc, "kitti": write_kitti, "cityscapes": write_cityscapes,
             "webdataset": write_webdataset, "mot": write_mot}


def export(out, all_labels, taxonomy, formats, shard_size: int = 1000) -> dict:
    return {name: write_webdataset(out, all_labels, taxonomy, shard_size) if name == "webdataset"
            else EXPORTERS[name](out, all_labels, taxonomy) for name in formats}
