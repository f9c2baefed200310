"""The per-sample pipeline: recipe -> build -> render -> annotate -> QA -> clip layers, captions, image statistics ->
(augment) -> write. One SampleProducer holds one Blender session for many samples."""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import engine
from engine.annotate import annotate, forward_flow
from engine.backend import BlenderBackend
from engine.export3d import export_scene3d
from engine.imagestats import image_stats
from engine.imaging import camera_effects
from engine.labels import SampleLabels, tracks
from engine.layout import RunLayout, sample_id
from engine.passes import FramePasses
from engine.qa import check
from engine.soundfiles import write_sound
from engine.spec import SceneSpec
from engine.storage import write_sample, write_video
from engine.streams import Streams
from engine.taxonomy import load_taxonomy
from engine.vfx import write_exr
from job.augment import Augmenter
from job.manifest import STATEMENT
from scenes import FAMILIES


def apply_lens(spec: SceneSpec, render_cfg):
    """Optional lens realism (render.lens_distortion): a pinhole camera becomes one with radial distortion, which
    Cycles renders and every label follows (camera model "distorted", OpenCV coefficients in the labels)."""
    if any(render_cfg.lens_distortion) and spec.camera.model == "perspective":
        spec.camera.model, spec.camera.distortion = "distorted", tuple(float(k) for k in render_cfg.lens_distortion)


@dataclass
class Sample:
    labels: SampleLabels
    spec: SceneSpec
    frames: list[FramePasses]
    timings: dict = field(default_factory=dict)
    sound: tuple | None = None           # (engine.mixing.Mix, {language: stereo mix}) of a clip with sound


def open_backend(cfg, taxonomy) -> BlenderBackend:
    """A Blender session as the run's samples need it (on its render device; the VFX EXR layers if asked for)."""
    deliverable = ("half" if cfg.output.exr_half else "float") if cfg.output.exr else None
    return BlenderBackend(cfg.render, taxonomy, exr_deliverable=deliverable)


class SampleProducer:
    """Turns (config, index) into an accepted sample, or a list of rejection reasons. Holds one Blender session."""

    def __init__(self, cfg, config_hash: str, backend=None):
        self.cfg = cfg
        self.config_hash = config_hash
        self.family = FAMILIES[cfg.scene.name]
        self.taxonomy = load_taxonomy()
        self.backend = backend or open_backend(cfg, self.taxonomy)
        # loaded once per worker; the model check already passed in compose
        self.augmenter = Augmenter(cfg.augment, self.taxonomy) if cfg.augment.name == "controlnet" else None
        self.soundtrack = self.family.soundtrack if cfg.audio.enabled else None

    def produce(self, index: int):
        """An accepted sample (or None) and the reasons of rejected attempts. Labels and QA come from the data render;
        only an accepted attempt gets the photo look's beauty render. What rejected attempts cost is their own stage,
        "rejected"."""
        cfg, reasons = self.cfg, []
        timings = dict.fromkeys(("recipe", "build", "render", "annotate", "rejected"), 0.0)
        width, height = (int(v) for v in cfg.render.resolution)
        for attempt in range(cfg.qa.max_attempts):
            t0 = time.perf_counter()
            streams = Streams((cfg.seed, index, attempt))
            spec = self.family.build(cfg.scene, streams, index, width, height)
            apply_lens(spec, cfg.render)
            t1 = time.perf_counter()
            self.backend.build(spec)
            t2 = time.perf_counter()
            frames = self.backend.render_data(spec)
            t3 = time.perf_counter()
            frame_labels = annotate(spec, frames, self.taxonomy)
            reason = check(spec, frames, frame_labels, cfg.qa, self.taxonomy)
            t4 = time.perf_counter()
            if reason:
                reasons.append(f"attempt {attempt}: {reason}")
                timings["rejected"] += t4 - t0
                continue
            for stage, seconds in (("recipe", t1 - t0), ("build", t2 - t1), ("render", t3 - t2), ("annotate", t4 - t3)):
                timings[stage] += seconds
            self.backend.render_beauty(spec, frames)
            lens = streams["sensor"]
            for passes in frames:                # optional camera realism, the RGB only (labels never change)
                passes.rgb = camera_effects(passes.rgb, lens, cfg.render.sensor_noise, cfg.render.vignetting)
            t5 = time.perf_counter()
            timings["render"] += t5 - t4
            labels = self._labels(spec, frames, frame_labels, streams, index)
            timings["annotate"] += time.perf_counter() - t5
            if self.augmenter is not None:        # restyled variants share these labels; scores and provenance recorded
                t5 = time.perf_counter()
                labels["augment"] = self.augmenter.augment(frames, labels, streams.key)
                labels["provenance"]["augment"] = self.augmenter.provenance
                timings["augment"] = time.perf_counter() - t5
            sound = None
            if self.soundtrack is not None and spec.n_frames > 1:
                t6 = time.perf_counter()
                sound = self._sound(spec, labels, streams)
                timings["audio"] = time.perf_counter() - t6
            return Sample(labels, spec, frames, timings, sound), reasons
        return None, reasons

    def _labels(self, spec: SceneSpec, frames: list[FramePasses], frame_labels: list, streams: Streams,
                index: int) -> SampleLabels:
        """Everything beyond the per-frame labels: flow, tracks, clip layers, captions, image statistics, provenance."""
        if spec.n_frames > 1 and spec.camera.model in ("perspective", "distorted"):
            for i in range(spec.n_frames - 1):      # forward flow to the next frame (none after the last, or a cut)
                frames[i].flow = None if i in spec.cuts else forward_flow(spec, frames[i], i)
        if not any(o.articulation is not None for o in spec.objects):
            for passes in frames:
                passes.part = None                  # part.png only where there are body parts
        found = tracks(frame_labels)
        clip = self.family.clip_layers(spec, frame_labels, found, self.taxonomy)
        for track in found:
            track.update(clip.trajectories.get(track["track_id"], {}))
        captions = self.family.describe(spec, frame_labels, clip, self.taxonomy, streams["captions"])
        first = frames[0]
        measured = image_stats(first.rgb, first.instance, first.depth, spec.subject_instance_id)
        return {
            "sample_id": sample_id(index), "fps": spec.fps,
            "scene": {"family": spec.family, "category": spec.category, "tags": spec.labelled_tags(),
                      "captions": captions, "image_stats": measured},
            "taxonomy_version": self.taxonomy.version,
            "frames": frame_labels, "tracks": found, "actions": clip.actions, "events": clip.events,
            **({"script": clip.script} if clip.script is not None else {}), **clip.layers,
            "provenance": {"generator": "engine", "version": engine.__version__, "config_hash": self.config_hash,
                           "seed": list(streams.key), "assets": [], "augment": None, "statement": STATEMENT,
                           "camera_effects": {"sensor_noise": float(self.cfg.render.sensor_noise),
                                              "vignetting": float(self.cfg.render.vignetting),
                                              "lens_distortion": [float(k) for k in self.cfg.render.lens_distortion]}},
        }

    def _sound(self, spec: SceneSpec, labels: dict, streams: Streams) -> tuple:
        """The clip's soundtrack, mixed; its labels go into labels["audio"]. Returns (mix, {language: stereo})."""
        au = self.cfg.audio
        narration = list(au.narration) if self.family.narrates else []
        mix, layer = self.soundtrack(spec, labels, streams, au)
        mixes = mix.finish([f"dialogue_{lang}" for lang in narration])
        events = sorted((e for e, *_ in mix.events), key=lambda e: (e["onset_s"], e["class"]))
        labels["audio"] = {
            "sample_rate": mix.sr, "channels": 2, "duration_s": round(mix.n / mix.sr, 5),
            "master_gain": round(mix.gain, 6), "stems": sorted(mix.stems), "narration": narration,
            "mp4_tracks": [{"language": lang, "mix": f"effects + ambience + music + dialogue_{lang}"}
                           for lang in narration] or [{"language": None, "mix": " + ".join(sorted(mix.stems))}],
            "space": layer["space"], "events": events, "speech": layer["speech"]}
        return mix, {lang.removeprefix("dialogue_"): stereo for lang, stereo in mixes.items()}

    def produce_and_write(self, run: RunLayout, index: int) -> tuple:
        """Produce a sample and write it with every output the config asks for; returns a message for the launcher:
        ("done", index, stage timings) or ("failed", index, reasons)."""
        sample, reasons = self.produce(index)
        if sample is None:
            return "failed", index, reasons
        t0 = time.perf_counter()
        write_sample(run, sample_id(index), sample.labels, sample.spec.to_dict(), sample.frames, self._outputs(sample))
        sample.timings["write"] = time.perf_counter() - t0
        return "done", index, sample.timings

    def _outputs(self, sample: Sample) -> list:
        """Writers that add to a sample's folder before it is renamed into place."""
        cfg, spec, frames, labels = self.cfg, sample.spec, sample.frames, sample.labels
        writers = []
        if sample.sound is not None:
            mix, mixes = sample.sound
            writers.append(lambda folder: write_sound(folder, mix, mixes, labels["audio"]))
        if len(frames) > 1:
            writers.append(lambda folder: write_video(folder.video, self.family.video_frames([f.rgb for f in frames], labels), spec.fps,
                                                      sample.sound[1] if sample.sound else None, self.cfg.audio.sample_rate))
        writers.append(lambda folder: self.family.extra_outputs(folder, spec, frames, labels, self.taxonomy))
        if cfg.output.exr:
            writers.append(lambda folder: [write_exr(folder.exr(i), passes.exr_parts, labels, i)
                                           for i, passes in enumerate(frames)])
        if cfg.output.blend:
            writers.append(lambda folder: self.backend.save_blend(folder.blend))
        if cfg.output.scene3d:
            writers.append(lambda folder: export_scene3d(folder.scene3d, spec, frames, labels["frames"], self.taxonomy,
                                                         cfg.output.points_voxel_m))
        return writers

    def close(self):
        self.backend.close()
