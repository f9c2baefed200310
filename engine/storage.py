"""Storage: the native sample folder written atomically, labels read back, JSON and MP4 writers (no bpy here).
Paths come from engine.layout."""
from __future__ import annotations

import errno
import io
import json
import os
import shutil
from pathlib import Path

import numpy as np
from PIL import Image

from engine.layout import TMP_PREFIX, RunLayout
from engine.passes import FramePasses


def write_json(path: Path, data) -> None:
    """Write JSON atomically: a temporary file in the same folder, then rename."""
    path = Path(path)
    tmp = path.with_name(f"{TMP_PREFIX}{path.name}")
    try:
        tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    except OSError:
        tmp.unlink(missing_ok=True)            # a full disk must not keep a half-written file
        raise
    os.replace(tmp, path)


def is_disk_full(error: BaseException) -> bool:
    return isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT)


def free_mb(path: Path) -> float:
    """Free space where `path` is (or would be), in MB."""
    existing = next(p for p in (Path(path), *Path(path).absolute().parents) if p.exists())
    return shutil.disk_usage(existing).free / 2**20


def save_npz(path: Path, **arrays):
    """np.savez through memory, so a full disk fails in one plain write (numpy's zip writer, failing half-way, also
    reports an ignored exception when it is collected)."""
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    Path(path).write_bytes(buffer.getvalue())


def remove_partial(run: RunLayout) -> int:
    """Delete what an interrupted run left half-written; returns how many were removed."""
    leftovers = run.leftovers()
    for path in leftovers:
        shutil.rmtree(path) if path.is_dir() else path.unlink()
    return len(leftovers)


def write_sample(run: RunLayout, sample_id: str, labels: dict, scene: dict, frames: list[FramePasses], extras=()):
    """Write the native layout into a temporary folder, run each extra writer on it (`extra(sample_layout)`), then
    rename it into place. A write that fails (a full disk) removes the temporary folder: finished samples stay whole."""
    tmp = run.temporary(sample_id)
    if tmp.folder.exists():
        shutil.rmtree(tmp.folder)
    try:
        _write_files(tmp, labels, scene, frames, extras)
    except BaseException:
        shutil.rmtree(tmp.folder, ignore_errors=True)
        raise
    final = run.sample(sample_id)
    os.replace(tmp.folder, final.folder)
    return final


def _write_files(tmp, labels: dict, scene: dict, frames: list[FramePasses], extras):
    tmp.folder.mkdir(parents=True)
    for i, passes in enumerate(frames):
        tmp.frame(i).mkdir()
        Image.fromarray(passes.rgb).save(tmp.rgb(i), compress_level=1)
        save_npz(tmp.depth(i), depth=passes.depth)
        save_npz(tmp.normal(i), normal=passes.normal)
        Image.fromarray(passes.instance).save(tmp.instance(i), compress_level=1)   # 16-bit PNG
        Image.fromarray(passes.semantic).save(tmp.semantic(i), compress_level=1)
        if passes.part is not None:     # actors' body parts: 1 + index into the taxonomy skeleton's parts, 0 elsewhere
            Image.fromarray(passes.part).save(tmp.part(i), compress_level=1)
        for k, image in passes.augmented.items():      # accepted diffusion variants (same labels)
            Image.fromarray(image).save(tmp.rgb(i, variant=k), compress_level=1)
        if passes.flow is not None:     # forward optical flow to the next frame, pixels (dx, dy)
            save_npz(tmp.flow(i), flow=passes.flow)
    tmp.scene.write_text(json.dumps(scene, ensure_ascii=False), encoding="utf-8")
    for extra in extras:
        extra(tmp)
    tmp.labels.write_text(json.dumps(labels, ensure_ascii=False, indent=1), encoding="utf-8")


LANGUAGE_CODES = {"en": "eng", "ko": "kor", "": "und"}      # ISO 639-2, as MP4 players list audio tracks


def write_video(path: Path, rgb_frames: list, fps: float, audio: dict | None = None, sample_rate: int = 48000) -> Path:
    """The clip's RGB frames as an MP4 (H.264, yuv420p, quality crf 16); odd sizes are padded by one edge pixel,
    as yuv420p needs even ones. `audio`: {language: stereo (2, n) float} becomes one AAC track per language."""
    import av
    height, width = rgb_frames[0].shape[:2]
    pad = ((0, height % 2), (0, width % 2), (0, 0))
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=max(1, int(round(fps))), options={"crf": "16"})
        stream.width, stream.height, stream.pix_fmt = width + width % 2, height + height % 2, "yuv420p"
        tracks = []
        for lang, stereo in (audio or {}).items():
            track = container.add_stream("aac", rate=sample_rate, layout="stereo")
            track.metadata["language"] = LANGUAGE_CODES[lang]
            tracks.append((track, stereo))
        for rgb in rgb_frames:
            frame = av.VideoFrame.from_ndarray(np.pad(rgb, pad, mode="edge"), format="rgb24")
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
        for track, stereo in tracks:
            for at in range(0, stereo.shape[1], 1024):
                chunk = av.AudioFrame.from_ndarray(np.ascontiguousarray(stereo[:, at:at + 1024], np.float32),
                                                   format="fltp", layout="stereo")
                chunk.sample_rate, chunk.pts = sample_rate, at
                container.mux(track.encode(chunk))
            container.mux(track.encode())
    return path


def load_labels(run: RunLayout, sample_ids: list[str]) -> list[dict]:
    return [json.loads(run.sample(s).labels.read_text(encoding="utf-8")) for s in sample_ids]
