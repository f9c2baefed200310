"""Every export read back with a strict reader of its format and checked against the native labels and masks."""
from pathlib import Path
from xml.etree import ElementTree as ET

import numpy as np
import pytest
import yaml
from conftest import RUN_ARGS, load_json, read_frame, run_cli
from PIL import Image

from engine.exports.common import detectable, is_stuff, label_classes, split_of
from engine.taxonomy import load_taxonomy

pytestmark = pytest.mark.render
FORMATS = "export.formats=[coco,yolo,voc,kitti,cityscapes,webdataset]"


@pytest.fixture(scope="module")
def exported(rendered_run):
    result = run_cli(*RUN_ARGS, "export.only=true", FORMATS, "export.shard_size=5", f"out={rendered_run}")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "exported 12 samples" in result.stdout
    frames = []
    for sample in sorted(p for p in (rendered_run / "samples").iterdir() if p.is_dir()):
        labels = load_json(sample / "labels.json")
        for frame in labels["frames"]:
            frames.append((f"{labels['sample_id']}_{frame['index']:04d}", frame, read_frame(sample, frame["index"])))
    return rendered_run, frames


def _fill(poly: np.ndarray, h: int, w: int) -> np.ndarray:
    """Even-odd fill at pixel centres."""
    ys, xs = np.mgrid[0:h, 0:w] + 0.5
    inside = np.zeros((h, w), bool)
    for (a, b), (c, d) in zip(poly, np.roll(poly, -1, axis=0)):
        if b != d:
            inside ^= ((b > ys) != (d > ys)) & (xs < a + (ys - b) * (c - a) / (d - b))
    return inside


def test_yolo_detect_and_segment(exported):
    out, frames = exported
    classes = label_classes(load_taxonomy())
    for task in ("detect", "segment"):
        data = yaml.safe_load((out / "yolo" / task / "data.yaml").read_text())
        root = Path(data["path"])                # absolute: a trainer started in any folder finds the images
        assert root.is_absolute() and root == (out / "yolo" / task).resolve() and (root / data["train"]).is_dir()
        assert data["train"] == data["val"] == "images/train"                 # one split: validate on train
        assert data["nc"] == len(classes) and [data["names"][k] for k in range(data["nc"])] == [
            load_taxonomy().export_names[c.id] for c in classes]
        assert len(set(data["names"].values())) == data["nc"]                 # unique, so per-class metrics stay apart
    for stem, frame, passes in frames:
        h, w = passes["instance"].shape
        objects = [o for o in frame["objects"] if detectable(o, 2)]       # export.min_box_px=2 by default
        det = [l.split() for l in (out / "yolo/detect/labels/train" / f"{stem}.txt").read_text().splitlines()]
        seg = [l.split() for l in (out / "yolo/segment/labels/train" / f"{stem}.txt").read_text().splitlines()]
        assert len(det) == len(seg) == len(objects)
        assert (out / "yolo/detect/images/train" / f"{stem}.png").is_file()
        for obj, d, s in zip(objects, det, seg):
            assert len(d) == 5 and classes[int(d[0])].id == obj["class_id"] == classes[int(s[0])].id
            cx, cy, bw, bh = (float(v) for v in d[1:])
            assert all(0 <= v <= 1 for v in (cx, cy, bw, bh))
            assert np.allclose([(cx - bw / 2) * w, (cy - bh / 2) * h, bw * w, bh * h], obj["bbox_2d"], atol=1e-3)
            poly = np.array(s[1:], dtype=float).reshape(-1, 2) * [w, h]
            mask, filled = passes["instance"] == obj["instance_id"], _fill(poly, h, w)
            assert np.array_equal(filled, mask)                            # exactly the object's pixels, holes too


def test_voc_annotations_and_segmentation_pngs(exported):
    out, frames = exported
    taxonomy = load_taxonomy()
    lines = (out / "voc" / "labelmap.txt").read_text().splitlines()
    assert lines[0].startswith("#") and all(l.count(":") == 3 for l in lines[1:])      # name:r,g,b:parts:actions
    labelmap = [l.split(":")[0] for l in lines[1:]]
    assert len(set(labelmap)) == len(labelmap)
    for stem, frame, passes in frames:
        root = ET.parse(out / "voc" / "Annotations" / f"{stem}.xml").getroot()
        assert root.findtext("filename") == f"{stem}.jpg" and (out / "voc/JPEGImages" / f"{stem}.jpg").is_file()
        visible = [o for o in frame["objects"] if o["pixel_count"]]
        objects = [o for o in visible if detectable(o, 2)]
        nodes = root.findall("object")
        assert len(nodes) == len(objects)
        for obj, node in zip(objects, nodes):
            assert node.findtext("name") == taxonomy.export_names[obj["class_id"]]
            box = [int(node.find("bndbox").findtext(k)) for k in ("xmin", "ymin", "xmax", "ymax")]
            x, y, bw, bh = obj["bbox_2d"]
            assert box == [x + 1, y + 1, x + bw, y + bh]
        cls_png = Image.open(out / "voc/SegmentationClass" / f"{stem}.png")
        assert cls_png.mode == "P"
        names = np.array(labelmap)[np.array(cls_png)]
        lut = {0: "background"} | {o["instance_id"]: taxonomy.export_names[o["class_id"]] for o in visible}
        assert np.array_equal(names, np.vectorize(lambda i: lut.get(int(i), "background"))(passes["instance"]))
        obj_png = np.array(Image.open(out / "voc/SegmentationObject" / f"{stem}.png"))
        assert set(np.unique(obj_png)) - {0, 255} == set(range(1, min(len(objects), 254) + 1))
        for o in visible:                                                  # slivers are void (255) in object PNGs
            assert (obj_png[passes["instance"] == o["instance_id"]] == 255).all() == (not detectable(o, 2))


def _kitti_corners(h, w, l, x, y, z, ry):
    """The KITTI devkit's box corners in the label's frame."""
    xs = np.array([l, l, -l, -l, l, l, -l, -l]) / 2
    ys = np.array([0, 0, 0, 0, -h, -h, -h, -h])
    zs = np.array([w, -w, -w, w, w, -w, -w, w]) / 2
    R = np.array([[np.cos(ry), 0, np.sin(ry)], [0, 1, 0], [-np.sin(ry), 0, np.cos(ry)]])
    return (R @ np.stack([xs, ys, zs])).T + [x, y, z]


def test_kitti_boxes_project_onto_our_3d_boxes(exported):
    out, frames = exported
    checked = 0
    for stem, frame, passes in frames:
        calib = {l.split(":")[0]: np.array(l.split(":")[1].split(), float) for l in
                 (out / "kitti/calib" / f"{stem}.txt").read_text().splitlines()}
        P2 = calib["P2"].reshape(3, 4)
        rows = [l.split() for l in (out / "kitti/label_2" / f"{stem}.txt").read_text().splitlines()]
        objects = [o for o in frame["objects"] if detectable(o, 2) and not is_stuff(o["class_path"])]
        assert len(rows) == len(objects)
        K, w2c = np.array(frame["camera"]["K"]), np.array(frame["camera"]["world_to_camera"])
        for obj, row in zip(objects, rows):
            assert len(row) == 15 and row[2] in "012"
            h, w, l, x, y, z, ry = (float(v) for v in row[8:15])
            theirs = np.column_stack([_kitti_corners(h, w, l, x, y, z, ry), np.ones(8)]) @ P2.T
            cam = np.array(obj["bbox_3d"]["corners_world"]) @ w2c[:3, :3].T + w2c[:3, 3]
            if (cam[:, 2] < 0.5).any() or (theirs[:, 2] < 0.5).any():
                continue                                                   # a corner behind the camera
            ours = cam @ K.T
            a, b = theirs[:, :2] / theirs[:, 2:], ours[:, :2] / ours[:, 2:]
            gap = np.linalg.norm(a[:, None] - b[None], axis=2)             # same 8 points, in any order
            assert gap.min(axis=1).max() < 0.05 and gap.min(axis=0).max() < 0.05
            assert [float(v) for v in row[4:8]] == [obj["bbox_2d"][0], obj["bbox_2d"][1],
                                                    obj["bbox_2d"][0] + obj["bbox_2d"][2], obj["bbox_2d"][1] + obj["bbox_2d"][3]]
            checked += 1
    assert checked > 20


def test_cityscapes_label_and_instance_ids(exported):
    out, frames = exported
    for stem, frame, passes in frames:
        gt = out / "cityscapes/gtFine/train/synthetic"
        label_ids = np.array(Image.open(gt / f"{stem}_gtFine_labelIds.png"))
        assert np.array_equal(np.array(Image.open(gt / f"{stem}_gtFine_labelTrainIds.png")), label_ids)
        instance_ids = np.array(Image.open(gt / f"{stem}_gtFine_instanceIds.png")).astype(np.int64)
        assert np.array_equal(label_ids, passes["semantic"])
        has_instance = instance_ids >= 1000
        assert np.array_equal(np.where(has_instance, instance_ids // 1000, instance_ids), label_ids)
        for obj in frame["objects"]:
            if obj["pixel_count"] and not is_stuff(obj["class_path"]):
                region = np.unique(instance_ids[passes["instance"] == obj["instance_id"]])
                if obj["class_id"] > 65:                                # 16 bits: such a class stays one group
                    assert region.tolist() == [obj["class_id"]]
                    continue
                assert len(region) == 1 and region[0] // 1000 == obj["class_id"]
                assert np.array_equal(instance_ids == region[0], passes["instance"] == obj["instance_id"])


def test_webdataset_shards_hold_every_frame(exported):
    import io
    import json
    import tarfile
    out, frames = exported
    shards = [tarfile.open(p) for p in sorted((out / "webdataset").glob("shard-*.tar"))]
    assert len(shards) == -(-len(frames) // 5)                             # export.shard_size=5
    where = {name: tar for tar in shards for name in tar.getnames()}
    assert len(where) == 6 * len(frames)
    for stem, frame, passes in frames:
        tar = where[f"{stem}.json"]                                        # a frame's members share one shard
        assert all(where[f"{stem}.{m}"] is tar for m in ("rgb.png", "instance.png", "semantic.png", "depth.npz", "normal.npz"))
        assert json.loads(tar.extractfile(f"{stem}.json").read())["frame"] == frame
        instance = np.array(Image.open(io.BytesIO(tar.extractfile(f"{stem}.instance.png").read())))
        assert np.array_equal(instance, passes["instance"])


def test_export_only_without_a_run_fails_in_one_line(tmp_path):
    result = run_cli("export.only=true", FORMATS, f"out={tmp_path / 'nothing'}")
    lines = [l for l in result.stderr.splitlines() if l.strip()]
    assert result.returncode == 2 and len(lines) == 1 and "no finished samples" in lines[0]
    assert not (tmp_path / "nothing").exists()
    bad = run_cli("export.formats=[coco,tfrecord]", f"out={tmp_path / 'x'}")
    assert bad.returncode == 2 and "export.formats" in bad.stderr and not (tmp_path / "x").exists()


def test_slivers_stay_in_labels_and_leave_detection_exports(exported):
    out, frames = exported
    coco = load_json(out / "coco" / "annotations" / "instances_train.json")
    exported_ids = {(a["image_id"], a["instance_id"]) for a in coco["annotations"]}
    image_ids = {(i["sample_id"], i["frame_index"]): i["id"] for i in coco["images"]}
    slivers = 0
    for stem, frame, passes in frames:
        image_id = image_ids[(stem[:6], frame["index"])]
        for obj in (o for o in frame["objects"] if o["pixel_count"]):
            thin = min(obj["bbox_2d"][2:]) < 2
            slivers += thin
            assert ((image_id, obj["instance_id"]) in exported_ids) == (not thin)
    assert slivers > 0                                                     # the run has some: the check is not empty


@pytest.fixture(scope="module")
def split_export(rendered_run, tmp_path_factory):
    """The run copied and exported with two splits, for the readers that load whole data sets."""
    import shutil
    out = tmp_path_factory.mktemp("split") / "run"
    shutil.copytree(rendered_run, out, ignore=shutil.ignore_patterns("coco", "yolo", "voc", "kitti", "cityscapes",
                                                                       "webdataset", "report", ".lock"))
    result = run_cli(*RUN_ARGS, "export.only=true", "export.formats=[coco,yolo,voc,cityscapes,hf]",
                     "export.splits={train:0.5,val:0.5}", f"out={out}")
    assert result.returncode == 0, result.stderr[-2000:]
    labels = [load_json(p) for p in sorted(out.glob("samples/*/labels.json"))]
    return out, {l["sample_id"]: l for l in labels}


@pytest.mark.parametrize("fmt, folder", [("coco_instances", "coco"), ("voc", "voc"), ("cityscapes", "cityscapes"),
                                         ("yolo", "yolo/detect")])
def test_datumaro_imports_every_format_with_its_splits(split_export, fmt, folder):
    """datumaro (a strict, widely used converter) detects each export's layout and reads the same objects back."""
    from datumaro.components.annotation import AnnotationType
    from datumaro.components.dataset import Dataset
    from datumaro.components.environment import Environment
    out, labels = split_export
    assert fmt.split("_")[0] in Environment().detect_dataset(str(out / folder))
    dataset = Dataset.import_from(str(out / folder), fmt)
    names = [c.name for c in dataset.categories()[AnnotationType.label]]
    taxonomy, splits = load_taxonomy(), {"train": 0.5, "val": 0.5}
    assert {split_of(l, splits) for l in labels.values()} == set(dataset.subsets()) == {"train", "val"}
    assert len(dataset) == sum(len(l["frames"]) for l in labels.values())
    for item in dataset:
        sample = labels[item.id.split("/")[-1][:6]]
        assert item.subset == split_of(sample, splits)                     # whole samples, the same split everywhere
        frame = sample["frames"][int(item.id[-4:])]
        if fmt == "cityscapes":                                            # masks named by class path, per class
            semantic = read_frame(out / "samples" / sample["sample_id"], frame["index"])["semantic"]
            masks = [a for a in item.annotations if a.type == AnnotationType.mask]
            assert sorted(names[a.label] for a in masks) == sorted(taxonomy.by_id(int(i)).path for i in np.unique(semantic))
            for a in masks:
                assert np.array_equal(a.image.astype(bool), semantic == taxonomy[names[a.label]].id)
            continue
        boxes = sorted((names[a.label], *np.round(a.get_bbox(), 3)) for a in item.annotations if a.type == AnnotationType.bbox)
        x = lambda o: o["bbox_2d"]                                          # VOC corners are 1-based and inclusive
        ours = sorted((taxonomy.export_names[o["class_id"]], *((x(o)[0] + 1, x(o)[1] + 1, x(o)[2] - 1, x(o)[3] - 1)
                       if fmt == "voc" else x(o))) for o in frame["objects"] if detectable(o, 2))
        assert [b[0] for b in boxes] == [o[0] for o in ours]
        assert np.allclose([b[1:] for b in boxes], [o[1:] for o in ours], atol=2e-3 * max(frame["camera"]["width"], 100))


def test_hugging_face_folder_loads_offline_with_images_and_labels(split_export, monkeypatch, tmp_path):
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    import datasets
    out, labels = split_export
    loaded = datasets.load_dataset(str(out / "hf"), cache_dir=str(tmp_path / "cache"))
    splits = {"train": 0.5, "val": 0.5}
    assert set(loaded) == {"train", "val"}
    assert isinstance(loaded["train"].features["image"], datasets.Image)
    card = (out / "hf" / "README.md").read_text()
    assert "no real person" in card and "license:" in card
    rows = 0
    for split, part in loaded.items():
        for row in part:
            sample = labels[row["sample_id"]]
            frame = sample["frames"][row["frame_index"]]
            passes = read_frame(out / "samples" / row["sample_id"], row["frame_index"])
            assert split == split_of(sample, splits)
            assert np.array_equal(np.array(row["image"]), passes["rgb"])
            assert np.array_equal(np.array(row["instance_mask"]), passes["instance"])
            assert np.array_equal(np.array(row["semantic_mask"]), passes["semantic"])
            kept = [o for o in frame["objects"] if detectable(o, 2)]
            assert row["objects"]["instance_id"] == [o["instance_id"] for o in kept]
            assert row["objects"]["bbox"] == [[float(v) for v in o["bbox_2d"]] for o in kept]
            assert row["captions_en"] == sample["scene"]["captions"]["en"]
            rows += 1
    assert rows == sum(len(l["frames"]) for l in labels.values())
