"""Each family rendered on a GPU backend (issue #19), run by bench/gpu/run.sh with the kit's Python 3.11:

    python bench/gpu/families.py --devices optix cuda --size 256 --samples 2 --budget 420 --out results.jsonl

Per (device, family): one warm-up sample (its time includes loading the kernels), then --samples timed ones through
the engine (recipe, build, render, annotate: the stage seconds the run reports), then the same samples' bare renders
(build, then the render(s) of every frame with nothing read back) for engine / bare; the GPU's peak memory from
nvidia-smi while the family ran. Writes one JSON line per row and prints a table. A device Cycles cannot find here
is a row saying so, not a failure. --passes FILE also saves one landmark sample's passes for bench_augment.py.
"""
import argparse
import json
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from engine.backend import BackendError  # noqa: E402
from job.config import compose, content_hash  # noqa: E402
from job.sample import SampleProducer  # noqa: E402

FAMILIES = {"landmark": [], "landscape": [], "concept": [], "asset": [], "face": [],
            "motion": ["scene.frames=12"]}          # a 1 s clip: the clip's cost per frame is what matters


class GpuMemory:
    """Peak memory in use on GPU 0 while the block runs (nvidia-smi every 0.2 s); None without nvidia-smi."""

    def __enter__(self):
        self.peak, self._stop = None, threading.Event()
        if shutil.which("nvidia-smi"):
            self._thread = threading.Thread(target=self._poll, daemon=True)
            self._thread.start()
        return self

    def _poll(self):
        while not self._stop.is_set():
            out = subprocess.run(["nvidia-smi", "--query-gpu=memory.used", "--format=csv,noheader,nounits", "-i", "0"],
                                 capture_output=True, text=True).stdout.strip()
            if out.isdigit():
                self.peak = max(self.peak or 0, int(out))
            self._stop.wait(0.2)

    def __exit__(self, *exc):
        self._stop.set()


def bare_seconds(producer, specs) -> tuple:
    """Build each spec again and render its frames with nothing read back: what Cycles alone costs. Also the last
    frame rendered once more, unchanged: a first render much slower than that one pays per scene (device, kernels,
    BVH, shaders) what a worker could keep between samples."""
    backend, total = producer.backend, 0.0
    for spec in specs:
        backend.build(spec)
        for frame in range(spec.n_frames):
            if spec.n_frames > 1:
                backend.scene.frame_set(frame + 1)
            t = time.perf_counter()
            backend.render_only()
            first = time.perf_counter() - t
            total += first
    t = time.perf_counter()
    backend.render_only()
    return total, first, time.perf_counter() - t


def measure(device: str, family: str, args) -> dict:
    overrides = [f"scene={family}", "render=default", f"render.resolution=[{args.size},{args.size}]",
                 f"render.device={device}", "audio.enabled=false", *FAMILIES[family], *args.overrides]
    row = {"device": device, "family": family, "size": args.size}
    try:
        cfg = compose(overrides)
        with GpuMemory() as memory:
            producer = SampleProducer(cfg, content_hash(cfg))
            t = time.perf_counter()
            producer.produce(0)
            row["warmup_s"] = round(time.perf_counter() - t, 2)
            specs, stages, frames = [], {}, 0
            t = time.perf_counter()
            for index in range(1, args.samples + 1):
                sample, _ = producer.produce(index)
                specs.append(sample.spec)
                frames += sample.spec.n_frames
                for stage, seconds in sample.timings.items():
                    stages[stage] = stages.get(stage, 0.0) + seconds
            wall = time.perf_counter() - t
            bare, first, again = bare_seconds(producer, specs)
            producer.close()
    except BackendError as e:                 # no such device here
        return {**row, "error": str(e)}
    except Exception as e:                    # one failing family must not lose the others' figures
        return {**row, "error": f"{type(e).__name__}: {e}"}
    engine = sum(stages.values())
    return {**row, "cycles_device": producer.backend.device, "samples": args.samples, "frames": frames,
            "samples_per_s": round(args.samples / wall, 3), "frames_per_s": round(frames / wall, 3),
            "stage_s": {k: round(v, 2) for k, v in stages.items()}, "engine_over_bare": round(engine / bare, 3),
            "render_over_bare": round(stages["render"] / bare, 3), "gpu_peak_mib": memory.peak,
            "last_frame_render_s": round(first, 3), "same_frame_again_s": round(again, 3)}


def save_passes(path: str, args):
    """One landmark sample at the augmentation's size (512): its passes and labels, for bench_augment.py --passes."""
    size = args.passes_size
    for device in [*args.devices, "cpu"]:         # the first device Cycles finds here
        cfg = compose(["scene=landmark", "render=default", f"render.resolution=[{size},{size}]", f"render.device={device}"])
        try:
            producer = SampleProducer(cfg, content_hash(cfg))
            break
        except BackendError as e:
            print(f"passes: {e}", flush=True)
    sample, _ = producer.produce(0)
    producer.close()
    frame = sample.frames[0]
    np.savez_compressed(path, rgb=frame.rgb, depth=frame.depth, instance=frame.instance, semantic=frame.semantic,
                        labels=json.dumps(sample.labels, default=str))


def table(rows: list) -> str:
    lines = ["| device | family | samples/s | frames/s | engine/bare | render/bare | GPU peak MiB | warm-up s "
             "| a frame's render, again s |", "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        if "error" in r:
            lines.append(f"| {r['device']} | {r['family']} | {r['error']} | | | | | | |")
        else:
            lines.append(f"| {r['device']} ({r['cycles_device']}) | {r['family']} | {r['samples_per_s']} | {r['frames_per_s']} "
                         f"| {r['engine_over_bare']} | {r['render_over_bare']} | {r['gpu_peak_mib']} | {r['warmup_s']} "
                         f"| {r['last_frame_render_s']}, {r['same_frame_again_s']} |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", nargs="+", default=["optix", "cuda"])
    parser.add_argument("--families", nargs="+", default=list(FAMILIES))
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--samples", type=int, default=2)
    parser.add_argument("--budget", type=float, default=420.0, help="seconds; families not begun by then are skipped")
    parser.add_argument("--out", default="gpu_families.jsonl")
    parser.add_argument("--passes", default=None, help="also save a landmark sample's passes here (512x512)")
    parser.add_argument("--passes-size", type=int, default=512)
    parser.add_argument("overrides", nargs="*")
    args = parser.parse_args()
    start, rows = time.perf_counter(), []
    if args.passes:
        save_passes(args.passes, args)
    with open(args.out, "a") as out:
        for device in args.devices:
            for family in args.families:
                if time.perf_counter() - start > args.budget:
                    rows.append({"device": device, "family": family, "error": "skipped: out of time"})
                    continue
                print(f"{device} {family}: begun at {time.perf_counter() - start:.0f} s", flush=True)
                rows.append(measure(device, family, args))
                out.write(json.dumps(rows[-1]) + "\n")
                out.flush()
                print(json.dumps(rows[-1]), flush=True)
    print(table(rows))


if __name__ == "__main__":
    main()
