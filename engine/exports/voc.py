"""Pascal VOC 2012 layout: JPEGImages, Annotations (1-based inclusive boxes, truncated, occluded),
SegmentationClass and SegmentationObject (palette PNGs; class index = entry in labelmap.txt, which is written as
datumaro and CVAT read it: `name:r,g,b::`), ImageSets/{Main,Segmentation}/<split>.txt."""
from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree as ET

import numpy as np
from PIL import Image

from engine.exports.common import (ExportOptions, detectable, export_frames, fresh_folder, image_path, label_classes,
                                   read_instance, split_of, voc_palette)
from engine.layout import RunLayout


def write_voc(run: RunLayout, all_labels, taxonomy, options: ExportOptions) -> Path:
    """VOC2012 layout. Class index in SegmentationClass = position in labelmap.txt (0 = background/sky). Objects with a
    box under export.min_box_px are left out of Annotations; their pixels keep their class in SegmentationClass and
    are 255 (VOC's 'void') in SegmentationObject."""
    root = fresh_folder(run.export("voc"))
    classes = label_classes(taxonomy)
    index = {c.id: k + 1 for k, c in enumerate(classes)}
    for sub in ("JPEGImages", "Annotations", "SegmentationClass", "SegmentationObject", "ImageSets/Main",
                "ImageSets/Segmentation"):
        (root / sub).mkdir(parents=True)
    stems, palette = {split: [] for split in options.splits}, voc_palette()
    for labels, frame, stem in export_frames(all_labels):
        stems[split_of(labels, options.splits)].append(stem)
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
            if not detectable(obj, options.min_box_px):
                obj_png[mask] = 255
                continue
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
        for split, names in stems.items():
            if names:
                (root / "ImageSets" / sub / f"{split}.txt").write_text("\n".join(names) + "\n")
    colour = lambda k: ",".join(str(v) for v in palette[3 * k:3 * k + 3])
    (root / "labelmap.txt").write_text("# label:color_rgb:parts:actions\n" + "".join(
        f"{name}:{colour(k)}::\n" for k, name in enumerate(["background"] + [taxonomy.export_names[c.id] for c in classes])))
    return root
