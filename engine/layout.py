"""Where everything lives on disk: the one owner of the run folder and sample folder layout.

    <out>/dataset.json  overview.png  report/  <export>/  topup/  parts/
    <out>/samples/<sample_id>/labels.json  scene.json  video.mp4  scene.blend  scene3d/  asset/  eyes/  signals.csv
                              audio.wav  stems/<stem>.wav  subtitles/<lang>.srt  subtitles/<lang>.vtt
    <out>/samples/<sample_id>/<frame:04d>/rgb.png  rgb_aug<k>.png  depth.npz  normal.npz  instance.png  semantic.png
                                          part.png  flow.npz  render.exr
A sample is written under a temporary name (.tmp-<sample_id>.<pid>) and renamed into place when complete.
"""
from __future__ import annotations

import os
from pathlib import Path

TMP_PREFIX = ".tmp-"


def sample_id(index: int) -> str:
    return f"{index:06d}"


class SampleLayout:
    """Every path inside one sample's folder."""

    def __init__(self, folder):
        self.folder = Path(folder)

    @property
    def labels(self) -> Path:
        return self.folder / "labels.json"

    @property
    def scene(self) -> Path:
        return self.folder / "scene.json"

    @property
    def video(self) -> Path:
        return self.folder / "video.mp4"

    @property
    def audio(self) -> Path:
        """Clips with sound: the full mix with the first narration language (48 kHz stereo PCM)."""
        return self.folder / "audio.wav"

    def stem(self, name: str) -> Path:
        return self.folder / "stems" / f"{name}.wav"

    def subtitles(self, lang: str, kind: str) -> Path:
        """kind: srt | vtt."""
        return self.folder / "subtitles" / f"{lang}.{kind}"

    @property
    def blend(self) -> Path:
        return self.folder / "scene.blend"

    @property
    def scene3d(self) -> Path:
        return self.folder / "scene3d"

    @property
    def asset(self) -> Path:
        return self.folder / "asset"

    @property
    def eyes(self) -> Path:
        """scene=face: normalised eye crops and their gaze (eyes/gaze.csv)."""
        return self.folder / "eyes"

    @property
    def signals(self) -> Path:
        """scene=face: per-frame signals (pulse, breathing, blinks, pupil, gaze) as CSV for rPPG toolboxes."""
        return self.folder / "signals.csv"

    def frame(self, index: int) -> Path:
        return self.folder / f"{index:04d}"

    def rgb(self, index: int, variant: int | None = None) -> Path:
        """The frame's image, or one of its accepted diffusion variants."""
        return self.frame(index) / ("rgb.png" if variant is None else f"rgb_aug{variant}.png")

    def depth(self, index: int) -> Path:
        return self.frame(index) / "depth.npz"

    def normal(self, index: int) -> Path:
        return self.frame(index) / "normal.npz"

    def instance(self, index: int) -> Path:
        return self.frame(index) / "instance.png"

    def semantic(self, index: int) -> Path:
        return self.frame(index) / "semantic.png"

    def part(self, index: int) -> Path:
        return self.frame(index) / "part.png"

    def flow(self, index: int) -> Path:
        return self.frame(index) / "flow.npz"

    def exr(self, index: int) -> Path:
        return self.frame(index) / "render.exr"


class RunLayout:
    """Every path of a run folder; samples through `sample(sample_id)`."""

    def __init__(self, out):
        self.out = Path(out)

    @property
    def manifest(self) -> Path:
        return self.out / "dataset.json"

    @property
    def samples(self) -> Path:
        return self.out / "samples"

    @property
    def lock(self) -> Path:
        """Held (an OS lock) by the one process that runs in this folder."""
        return self.out / ".lock"

    @property
    def overview(self) -> Path:
        return self.out / "overview.png"

    @property
    def report(self) -> Path:
        return self.out / "report"

    @property
    def topup(self) -> Path:
        return self.out / "topup"

    @property
    def parts(self) -> Path:
        return self.out / "parts"

    def export(self, name: str) -> Path:
        """The folder of one export format (coco, yolo, voc, ...)."""
        return self.out / name

    def sample(self, sample_id: str) -> SampleLayout:
        return SampleLayout(self.samples / sample_id)

    def temporary(self, sample_id: str) -> SampleLayout:
        """Where a sample is written before it is renamed into place; unique per process, so two writers never
        share one."""
        return SampleLayout(self.samples / f"{TMP_PREFIX}{sample_id}.{os.getpid()}")

    def leftovers(self) -> list:
        """What interrupted writers left half-written."""
        return list(self.samples.glob(f"{TMP_PREFIX}*")) if self.samples.is_dir() else []

    def is_complete(self, sample_id: str) -> bool:
        """A sample folder exists only once fully written (it is renamed into place last)."""
        return self.sample(sample_id).labels.is_file()

    def complete_ids(self) -> list:
        """The finished samples, in order."""
        found = self.samples.glob("[0-9]*") if self.samples.is_dir() else []
        return sorted(p.name for p in found if self.is_complete(p.name))
