"""Top up the weak classes of a user's COCO data set: count what it has, plan what to render for the classes we can
generate, render it with the class in focus, count what was actually rendered, plan again for what fell short, and
write the result with the user's category ids so the two files concatenate.

    python render.py topup.coco=data/instances.json topup.target=min_count:500 topup.mapping=configs/topup/coco80.yaml
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import yaml
from PIL import Image, ImageDraw

from engine.checks import ConfigError, load_yaml
from engine.layout import RunLayout
from engine.report import data_uri, write_report
from engine.storage import load_labels, write_json
from engine.taxonomy import load_taxonomy
from job.config import compose
from job.manifest import STATEMENT, versions
from job.run import run

# first guess of visible instances per sample when the class is in focus; replaced by measured rates after a round
FIRST_GUESS = {"landmark/": 1.0, "context/": 3.0}


INT64_MAX = 2**63 - 1


def _is_id(v) -> bool:
    """COCO ids are integers (JSON numbers without a fraction) that fit int64, as pycocotools and numpy hold them."""
    return isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= INT64_MAX


def _coco_problem(data) -> str | None:
    """The first thing in a user's COCO instances file that would break the top-up or its merged.json, or None."""
    if not isinstance(data, dict):
        return "the top level is not a JSON object"
    for key in ("images", "annotations", "categories"):
        if not isinstance(data.get(key), list):
            return f"no '{key}' list"
    seen = {}
    for key in ("images", "annotations", "categories"):
        for k, entry in enumerate(data[key]):
            if not isinstance(entry, dict) or not _is_id(entry.get("id")):
                return f"{key}[{k}] has no integer 'id' (0..2^63-1): {str(entry)[:80]}"
            if seen.setdefault(key, set()) & {entry["id"]}:
                return f"{key}[{k}]: id {entry['id']} is used twice"
            seen[key].add(entry["id"])
    names = [c.get("name") for c in data["categories"]]
    if not all(isinstance(n, str) and n for n in names):
        return "a category has no name"
    if len(set(names)) < len(names):
        return f"category names are not unique: {sorted({n for n in names if names.count(n) > 1})}"
    for k, ann in enumerate(data["annotations"]):
        if not _is_id(ann.get("image_id")) or ann["image_id"] not in seen["images"]:
            return f"annotations[{k}] (id {ann['id']}): image_id {ann.get('image_id')!r} is not an image of the file"
        if not _is_id(ann.get("category_id")) or ann["category_id"] not in seen["categories"]:
            return f"annotations[{k}] (id {ann['id']}): category_id {ann.get('category_id')!r} is not a category of the file"
        area = ann.get("area", 0)
        if isinstance(area, bool) or not isinstance(area, (int, float)) or not 0 <= area < math.inf:
            return f"annotations[{k}] (id {ann['id']}): area {area!r} is not a finite number >= 0"
    return None


def load_user_coco(path: str) -> dict:
    """The user's COCO instances file, validated completely before anything is rendered."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise ConfigError(f"topup.coco: {path} is not a readable COCO instances file ({type(e).__name__}: {e})") from None
    problem = _coco_problem(data)
    if problem:
        raise ConfigError(f"topup.coco: {path} is not a valid COCO instances file: {problem}")
    categories = {c["id"]: c["name"] for c in data["categories"]}
    counts, images = {name: 0 for name in categories.values()}, {name: set() for name in categories.values()}
    for ann in data["annotations"]:
        counts[categories[ann["category_id"]]] += 1
        images[categories[ann["category_id"]]].add(ann["image_id"])
    return {"path": str(path), "data": data, "categories": categories, "instances": counts, "images": {k: len(v) for k, v in images.items()}}


def load_mapping(path: str, taxonomy) -> dict:
    """User class name -> our class path, or None where we cannot generate that class."""
    try:
        mapping = load_yaml(path) or {}
    except (OSError, yaml.YAMLError) as e:
        raise ConfigError(f"topup.mapping: cannot read {path} ({type(e).__name__})") from None
    if not isinstance(mapping, dict) or not all(isinstance(v, str) or v is None for v in mapping.values()):
        raise ConfigError(f"topup.mapping: {path} must be a YAML table of 'user class: our class path (or null)'")
    for name, target in mapping.items():
        if target is not None:
            try:
                taxonomy[target]
            except KeyError:
                raise ConfigError(f"topup.mapping: '{name}' maps to '{target}', which is not a class of ours") from None
            if not target.startswith(tuple(FIRST_GUESS)):
                raise ConfigError(f"topup.mapping: '{name}' -> '{target}': top-ups can focus landmark/* and context/* "
                                  f"classes so far")
    return mapping


def wanted_counts(target: str, instances: dict, mapping: dict) -> dict:
    """How many more instances each generable user class needs."""
    generable = [n for n in instances if mapping.get(n)]
    if not generable:
        raise ConfigError(f"topup.mapping: none of the file's {len(instances)} categories maps to a class we can generate "
                          f"(its categories: {sorted(instances)[:8]}{' ...' if len(instances) > 8 else ''})")
    if target == "uniform":
        goal = max(instances.values()) if instances else 0
        return {n: max(0, goal - instances[n]) for n in generable}
    if target.startswith("min_count:"):
        goal = target.split(":", 1)[1]
        if not goal.isdigit():
            raise ConfigError(f"topup.target: '{target}'; min_count needs a whole number >= 0 (min_count:500)")
        return {n: max(0, int(goal) - instances[n]) for n in generable}
    path = Path(target)
    if not path.is_file():
        raise ConfigError(f"topup.target: '{target}'; give min_count:N, uniform, or a YAML table file of class: count")
    try:
        table = load_yaml(path) or {}
    except (OSError, yaml.YAMLError) as e:
        raise ConfigError(f"topup.target: cannot read {target} ({type(e).__name__})") from None
    bad = [k for k, v in table.items() if not _is_id(v)] if isinstance(table, dict) else ["(not a table)"]
    if bad:
        raise ConfigError(f"topup.target: {target} must be a YAML table of 'class: whole number >= 0'; bad: {bad[:5]}")
    return {n: max(0, table[n] - instances[n]) for n in generable if n in table}


def _rendered_counts(folder: RunLayout) -> tuple[dict, list]:
    labels = load_labels(folder, folder.complete_ids())
    counts = {}
    for l in labels:
        for f in l["frames"]:
            for o in f["objects"]:
                if o["pixel_count"]:
                    counts[o["class_path"]] = counts.get(o["class_path"], 0) + 1
    return counts, labels


def _histogram_png(path: Path, before: dict, after: dict, names: list):
    bar, gap, width = 14, 10, 640
    top = max([1] + [after.get(n, 0) for n in names] + [before.get(n, 0) for n in names])
    image = Image.new("RGB", (width, 40 + len(names) * (2 * bar + gap)), "white")
    draw = ImageDraw.Draw(image)
    draw.text((10, 10), "instances per class: before (grey) and after the top-up (blue)", fill="black")
    for k, name in enumerate(names):
        y = 34 + k * (2 * bar + gap)
        draw.text((10, y + bar // 2), name[:22], fill="black")
        for j, (counts, colour) in enumerate(((before, (150, 150, 150)), (after, (60, 110, 190)))):
            length = (width - 220) * counts.get(name, 0) / top
            draw.rectangle([170, y + j * bar, 170 + max(1, length), y + (j + 1) * bar - 2], fill=colour)
            draw.text((175 + length, y + j * bar), str(counts.get(name, 0)), fill="black")
    image.save(path)


def check_topup_out(out: RunLayout):
    """A top-up writes topup/, parts/ and report/ into `out`: a new or empty folder, or an earlier top-up's."""
    ours = {out.topup.name, out.parts.name, out.report.name, out.lock.name}
    if out.out.exists() and (not out.out.is_dir() or any(p.name not in ours for p in out.out.iterdir())):
        raise ConfigError(f"out: {out.out} is not a new or empty folder, nor an earlier top-up's; give another folder "
                          f"(nothing was written)")


def run_topup(cfg, render_args: list) -> dict:
    taxonomy = load_taxonomy()
    user = load_user_coco(cfg.topup.coco)
    mapping = load_mapping(cfg.topup.mapping, taxonomy)
    wanted = wanted_counts(str(cfg.topup.target), user["instances"], mapping)
    unmappable = sorted(n for n in user["instances"] if not mapping.get(n))
    out = RunLayout(cfg.out)
    check_topup_out(out)
    rendered = {n: 0 for n in wanted}
    parts, rounds = [], []
    for round_index in range(cfg.topup.max_rounds):
        short = {n: wanted[n] - rendered[n] for n in wanted if rendered[n] < wanted[n]}
        if not short:
            break
        plan = []
        for name, missing in sorted(short.items()):
            path = mapping[name]
            rate = next(v for k, v in FIRST_GUESS.items() if path.startswith(k))
            done = [p for p in parts if p["class_path"] == path]
            if done and sum(p["samples"] for p in done):         # measured rate from earlier rounds
                rate = max(0.1, sum(p["found"] for p in done) / sum(p["samples"] for p in done))
            plan.append({"user_class": name, "class_path": path, "samples": max(1, math.ceil(missing / rate))})
        rounds.append(plan)
        for k, item in enumerate(plan):
            folder = out.parts / f"r{round_index}_{item['class_path'].replace('/', '_')}"
            sub = compose(["scene=landmark", f"scene.focus_classes=[{item['class_path']}]", f"n={item['samples']}",
                           f"seed={cfg.seed * 1000 + round_index * 100 + k}", f"out={folder}", "output.report=false",
                           "export.formats=[]", *render_args])
            run(sub, show_progress=True)
            counts, labels = _rendered_counts(RunLayout(folder))
            item["found"] = counts.get(item["class_path"], 0)
            parts.append({**item, "folder": str(folder), "labels": labels})
            for name in wanted:                                   # every class counts, not only the focused one
                rendered[name] += counts.get(mapping[name], 0)
    return _write_topup(out, user, mapping, wanted, rendered, unmappable, parts, rounds, int(cfg.seed))


def _write_topup(out: RunLayout, user, mapping, wanted, rendered, unmappable, parts, rounds, seed: int) -> dict:
    folder = out.topup
    folder.mkdir(parents=True, exist_ok=True)
    by_path = {}
    for cid, name in user["categories"].items():
        if mapping.get(name):
            by_path.setdefault(mapping[name], cid)                 # our class -> the user's category id
    data = user["data"]
    next_image = max([int(i["id"]) for i in data.get("images", [])] + [0]) + 1
    next_ann = max([int(a["id"]) for a in data.get("annotations", [])] + [0]) + 1
    images, annotations = [], []
    for part in parts:
        part_run = RunLayout(part["folder"])
        for l in part["labels"]:
            for f in l["frames"]:
                image_id = next_image
                next_image += 1
                rgb = part_run.sample(l["sample_id"]).rgb(f["index"])
                images.append({"id": image_id, "file_name": str(rgb.relative_to(out.out)), "width": f["camera"]["width"],
                               "height": f["camera"]["height"], "synthetic": True, "sample_id": l["sample_id"]})
                for o in f["objects"]:
                    if o["pixel_count"] and o["class_path"] in by_path:
                        annotations.append({"id": next_ann, "image_id": image_id, "category_id": by_path[o["class_path"]],
                                            "bbox": o["bbox_2d"], "area": o["pixel_count"], "segmentation": o["mask_rle"],
                                            "iscrowd": 0, "synthetic": True})
                        next_ann += 1
    ours = {"info": {"description": "synthetic top-up; file_name relative to the top-up's out folder"},
            "images": images, "annotations": annotations, "categories": data["categories"]}
    write_json(folder / "instances.json", ours)
    merged = dict(data)
    merged["images"] = list(data.get("images", [])) + images
    merged["annotations"] = list(data.get("annotations", [])) + annotations
    write_json(folder / "merged.json", merged)
    after = dict(user["instances"])
    for a in annotations:
        name = user["categories"][a["category_id"]]
        after[name] = after.get(name, 0) + 1
    names = sorted(user["instances"], key=lambda n: user["instances"][n])
    _histogram_png(folder / "histogram.png", user["instances"], after, names)
    summary = {"user_file": user["path"], "before": user["instances"], "wanted": wanted,
               "rendered": rendered, "after": after, "shortfall": {n: max(0, wanted[n] - rendered[n]) for n in wanted},
               "cannot_generate": unmappable, "rounds": rounds, "images_added": len(images),
               "annotations_added": len(annotations)}
    write_json(folder / "summary.json", summary)
    all_labels = [l | {"_root": part["folder"]} for part in parts for l in part["labels"]]
    if all_labels:      # the run's report, with the before/after histogram on top
        extra = (f'<h2>Top-up of {user["path"]}</h2><img alt="before and after" src="{data_uri(Image.open(folder / "histogram.png"))}">'
                 f'<p>cannot generate: {", ".join(unmappable) or "-"}</p>')
        write_report(out, all_labels, {"name": "top-up", "failed": [], "seed": seed, "versions": versions(),
                                       "config_hash": "per part: see parts/*/dataset.json",
                                       "provenance": {"statement": STATEMENT, "assets": []}}, extra_html=extra)
    return summary
