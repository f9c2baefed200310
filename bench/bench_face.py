"""Benchmark of scene=face: frames per second at 256x256 and 640x480 (render=default), with the engine's overhead over
a bare render, each stage's share, and peak memory.

    python bench/bench_face.py                        # one 8-frame clip at 30 fps per size, render=default
    python bench/bench_face.py --frames 30 --sizes 640x480 render.samples=16

Stages: recipe (subject, eyes, signals, room), build, render (all frames, passes read back), annotate (masks,
boxes; flow; and the face layer: gaze, pupils, iris and lid contours, landmarks with visibility by ray casting),
write (native files, MP4, signals.csv, eye crops). Asserts nothing.
"""
import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine.layout import RunLayout, sample_id  # noqa: E402
from engine.storage import write_sample  # noqa: E402
from job.config import compose, content_hash  # noqa: E402
from job.sample import SampleProducer  # noqa: E402

STAGES = ["recipe", "build", "render", "annotate", "write"]


def run(size: str, frames: int, overrides: list[str]) -> dict:
    width, height = (int(v) for v in size.split("x"))
    cfg = compose(["scene=face", "render=default", f"render.resolution=[{width},{height}]", f"scene.frames={frames}",
                   *overrides])
    producer = SampleProducer(cfg, content_hash(cfg))
    with tempfile.TemporaryDirectory() as out:
        t0 = time.perf_counter()
        sample, _ = producer.produce(0)
        t1 = time.perf_counter()
        write_sample(RunLayout(out), sample_id(0), sample.labels, sample.spec.to_dict(), sample.frames,
                     producer._outputs(sample))
        sample.timings["write"] = time.perf_counter() - t1
        engine = time.perf_counter() - t0
    producer.backend.build(sample.spec)                  # the same clip, rendered bare: no passes read, no labels
    t2 = time.perf_counter()
    for f in range(frames):
        producer.backend.scene.frame_set(f + 1)
        producer.backend.render_only()
    bare = time.perf_counter() - t2
    device = producer.backend.device
    producer.close()
    tags = sample.labels["scene"]["tags"]
    print(f"{size}: {tags['camera_kind']} at {tags['distance_m']} m, {tags['key_light']} light, {frames} frames, "
          f"{cfg.render.samples} spp, denoise={cfg.render.denoise}, device={device}")
    for k in STAGES:
        print(f"  {k:<10}{sample.timings[k] / frames:>9.3f} s/frame {sample.timings[k] / engine:>7.1%}")
    print(f"  engine    {engine / frames:>9.3f} s/frame = {frames / engine:.3f} frames/s; bare render "
          f"{bare / frames:.3f} s/frame; engine / bare {engine / bare:.3f}")
    return {"size": size, "fps": frames / engine, "engine_over_bare": engine / bare}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=8)
    parser.add_argument("--sizes", nargs="+", default=["256x256", "640x480"])
    parser.add_argument("overrides", nargs="*", help="config overrides, e.g. render.samples=16")
    args = parser.parse_args()
    results = [run(size, args.frames, args.overrides) for size in args.sizes]
    print("summary: " + "; ".join(f"{r['size']} {r['fps']:.3f} frames/s (engine/bare {r['engine_over_bare']:.2f})"
                                  for r in results))
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
