"""WebDataset tar shards for streaming training: shard-NNNNNN.tar of export.shard_size frames each."""
from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

from engine.exports.common import ExportOptions, export_frames, fresh_folder, image_path
from engine.layout import RunLayout


def write_webdataset(run: RunLayout, all_labels, taxonomy, options: ExportOptions) -> Path:
    """Tar shards for streaming training: one entry group per frame, key <sample_id>_<frame>, members rgb.png,
    instance.png, semantic.png, depth.npz, normal.npz and json (the frame's labels, every object kept, plus the
    sample's scene block)."""
    shard_size = options.shard_size
    root = fresh_folder(run.export("webdataset"))
    frames = list(export_frames(all_labels))
    for shard in range(0, max(len(frames), 1), shard_size):
        with tarfile.open(root / f"shard-{shard // shard_size:06d}.tar", "w") as tar:
            for labels, frame, stem in frames[shard:shard + shard_size]:
                sample, i = run.sample(labels["sample_id"]), frame["index"]
                tar.add(image_path(run, labels, frame), arcname=f"{stem}.rgb.png")
                for path in (sample.instance(i), sample.semantic(i), sample.depth(i), sample.normal(i)):
                    tar.add(path, arcname=f"{stem}.{path.name}")
                data = json.dumps({"sample_id": labels["sample_id"], "scene": labels["scene"], "frame": frame,
                                   "augmented": "augment_variant" in frame,
                                   "taxonomy_version": labels["taxonomy_version"]}, ensure_ascii=False).encode()
                info = tarfile.TarInfo(f"{stem}.json")
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
    return root
