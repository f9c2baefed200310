"""Pascal VOC 2012 layout: JPEGImages, Annotations (1-based inclusive boxes, truncated, occluded),
SegmentationClass and SegmentationObject (palette PNGs, index = line in labelmap.txt), ImageSets."""
from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree as ET

import numpy as np
from PIL import Image

from engine.exports.common import export_frames, fresh_folder, image_path, label_classes, read_instance
from engine.layout import RunLayout


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


def write_voc(run: RunLayout, all_labels, taxonomy) -> Path:
    """VOC2012 layout. Class index in SegmentationClass = position in labelmap.txt (0 = background/sky)."""
    root = fresh_folder(run.export("voc"))
    classes = label_classes(taxonomy)
    index = {c.id: k + 1 for k, c in enumerate(classes)}
    for sub in ("JPEGImages", "Annotations", "SegmentationClass", "SegmentationObject", "ImageSets/Main",
                "ImageSets/Segmentation"):
        (root / sub).mkdir(parents=True)
    stems, palette = [], voc_palette()
    for labels, frame, stem in export_frames(all_labels):
        stems.append(stem)
        Image.open(image_path(run, labels, frame)).convert("RGB").save(root / "JPEGImages" / f"{stem}.jpg", quality=95)
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
        instance = read_instance(run, labels, frame)
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
            for tag, v in (("name", taxonomy.export_names[obj["class_id"]]), ("pose", "Unspecified"),
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
    (root / "labelmap.txt").write_text("background\n" + "\n".join(taxonomy.export_names[c.id] for c in classes) + "\n")
    return root
