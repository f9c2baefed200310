"""Hugging Face `datasets` folder: data/<split>-NNNNN-of-NNNNN.parquet (the RGB, instance and semantic PNGs embedded,
labels as columns) and a README.md dataset card (features, splits, provenance, licence) that
`datasets.load_dataset(folder)` reads offline, no loading script needed."""
from __future__ import annotations

import json
from pathlib import Path

from engine.exports.common import ExportOptions, detectable, export_frames, fresh_folder, image_path, split_of
from engine.layout import RunLayout

# the card's features, in the Hub's YAML form (`datasets` turns it into Image / Value / Sequence features)
FEATURES = """\
  - name: image
    dtype: image
  - name: instance_mask
    dtype: image
  - name: semantic_mask
    dtype: image
  - name: id
    dtype: string
  - name: sample_id
    dtype: string
  - name: frame_index
    dtype: int32
  - name: width
    dtype: int32
  - name: height
    dtype: int32
  - name: augmented
    dtype: bool
  - name: scene_family
    dtype: string
  - name: scene_category
    dtype: string
  - name: captions_en
    sequence: string
  - name: captions_ko
    sequence: string
  - name: objects
    sequence:
    - name: instance_id
      dtype: int32
    - name: category_id
      dtype: int32
    - name: category
      dtype: string
    - name: bbox
      sequence: float32
    - name: area
      dtype: int64
    - name: visible_fraction
      dtype: float32
"""


def _schema():
    import pyarrow as pa
    png = pa.struct([("bytes", pa.binary()), ("path", pa.string())])
    objects = pa.struct([("instance_id", pa.list_(pa.int32())), ("category_id", pa.list_(pa.int32())),
                         ("category", pa.list_(pa.string())), ("bbox", pa.list_(pa.list_(pa.float32()))),
                         ("area", pa.list_(pa.int64())), ("visible_fraction", pa.list_(pa.float32()))])
    return pa.schema([("image", png), ("instance_mask", png), ("semantic_mask", png), ("id", pa.string()),
                      ("sample_id", pa.string()), ("frame_index", pa.int32()), ("width", pa.int32()),
                      ("height", pa.int32()), ("augmented", pa.bool_()), ("scene_family", pa.string()),
                      ("scene_category", pa.string()), ("captions_en", pa.list_(pa.string())),
                      ("captions_ko", pa.list_(pa.string())), ("objects", objects)])


def _row(run: RunLayout, labels: dict, frame: dict, stem: str, taxonomy, min_box_px: int) -> dict:
    folder, i = run.sample(labels["sample_id"]), frame["index"]
    kept = [o for o in frame["objects"] if detectable(o, min_box_px)]
    captions = labels["scene"]["captions"]
    return {"image": {"bytes": image_path(run, labels, frame).read_bytes(), "path": f"{stem}.png"},
            "instance_mask": {"bytes": folder.instance(i).read_bytes(), "path": f"{stem}_instance.png"},
            "semantic_mask": {"bytes": folder.semantic(i).read_bytes(), "path": f"{stem}_semantic.png"},
            "id": stem, "sample_id": labels["sample_id"], "frame_index": i, "width": frame["camera"]["width"],
            "height": frame["camera"]["height"], "augmented": "augment_variant" in frame,
            "scene_family": labels["scene"]["family"], "scene_category": labels["scene"]["category"],
            "captions_en": list(captions.get("en", [])), "captions_ko": list(captions.get("ko", [])),
            "objects": {"instance_id": [o["instance_id"] for o in kept], "category_id": [o["class_id"] for o in kept],
                        "category": [taxonomy.export_names[o["class_id"]] for o in kept],
                        "bbox": [[float(v) for v in o["bbox_2d"]] for o in kept],
                        "area": [o["pixel_count"] for o in kept],
                        "visible_fraction": [o["visible_fraction"] for o in kept]}}


def _card(run: RunLayout, splits: dict, all_labels: list, taxonomy, min_box_px: int) -> str:
    manifest = json.loads(run.manifest.read_text(encoding="utf-8")) if run.manifest.is_file() else {}
    models = sorted({(a.get("model_name"), a.get("license")) for l in all_labels
                     if (a := l["provenance"].get("augment"))}, key=str)
    data_files = "".join(f"  - split: {s}\n    path: data/{s}-*.parquet\n" for s, n in splits.items() if n)
    classes = "\n".join(f"| {c.id} | {taxonomy.export_names[c.id]} | `{c.path}` | {c.ko} |" for c in taxonomy.classes)
    augment = "".join(f"\n- restyled with `{m}` (licence: {lic or 'not stated'})" for m, lic in models)
    return (f"---\nlicense: other\nlicense_name: generated-by-user\npretty_name: synthscape {manifest.get('name', '')}\n"
            f"task_categories:\n- object-detection\n- image-segmentation\n- image-to-text\n"
            f"configs:\n- config_name: default\n  data_files:\n{data_files}"
            f"dataset_info:\n  features:\n{FEATURES}---\n\n"
            f"# {manifest.get('name', 'synthscape run')}\n\n"
            f"Rendered by synthscape {manifest.get('versions', {}).get('engine', '')} (config hash "
            f"`{manifest.get('config_hash', '')}`, seed {manifest.get('seed', '')}). Load it with "
            f"`datasets.load_dataset(\"<this folder>\")`.\n\n## Provenance\n\n"
            f"{manifest.get('provenance', {}).get('statement', '')}{augment}\n\n"
            f"## Licence\n\nGenerated data: no third-party images, people or works are in it. Whoever generated it "
            f"chooses the licence it is shared under; set it in this card's `license:` field (now `other`).\n\n"
            f"## Fields\n\nOne row per frame. `objects.bbox` is `[x, y, width, height]` in pixels (pixel edges, 0-based); "
            f"boxes under {min_box_px} px are left out; `instance_mask` holds instance ids (16-bit), "
            f"`semantic_mask` class ids.\n\n| id | category | class path | 한국어 |\n|---|---|---|---|\n{classes}\n")


def write_hf(run: RunLayout, all_labels, taxonomy, options: ExportOptions) -> Path:
    """Parquet shards of export.shard_size frames per split, and the dataset card."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    root = fresh_folder(run.export("hf"))
    (root / "data").mkdir()
    by_split = {s: [] for s in options.splits}
    for labels, frame, stem in export_frames(all_labels):
        by_split[split_of(labels, options.splits)].append((labels, frame, stem))
    schema = _schema()
    for split, frames in by_split.items():
        shards = -(-len(frames) // options.shard_size)
        for k in range(shards):
            rows = [_row(run, *f, taxonomy, options.min_box_px) for f in frames[k * options.shard_size:(k + 1) * options.shard_size]]
            pq.write_table(pa.Table.from_pylist(rows, schema=schema), root / "data" / f"{split}-{k:05d}-of-{shards:05d}.parquet")
    card = _card(run, {s: len(f) for s, f in by_split.items()}, all_labels, taxonomy, options.min_box_px)
    (root / "README.md").write_text(card, encoding="utf-8")
    return root
