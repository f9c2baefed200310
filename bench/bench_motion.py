"""Benchmark of scene=motion (CPU or GPU): per-frame cost and memory of 48-frame clips.

    python bench/bench_motion.py                          # 2 clips, 48 frames at 12 fps, 256x256, render=default
    python bench/bench_motion.py --n 1 render=preview     # quicker
    python bench/bench_motion.py --before 25f04d2         # the same run on an older commit first (a git worktree)

For each clip: recipe (actor simulation, camera, context), build, render (all frames, passes read back),
annotate (masks, boxes, keypoints, parts; and the geometric flow of every frame), write (native files + MP4).
Prints seconds per clip and per frame, each stage's share, the bare render of the same frames for the engine's
overhead, the MP4 size, vertices per person and peak RSS. Asserts nothing.
"""
import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from job.config import compose, content_hash  # noqa: E402
from engine.layout import RunLayout, sample_id  # noqa: E402
from job.sample import SampleProducer  # noqa: E402
from engine.storage import write_sample, write_video  # noqa: E402


def main(n: int, overrides: list[str]):
    cfg = compose(["scene=motion", "render=default", "scene.frames=48", "scene.fps=12", *overrides])
    producer = SampleProducer(cfg, content_hash(cfg))
    stages = ["recipe", "build", "render", "annotate", "write"]
    totals = {k: 0.0 for k in stages}
    frames, bare, mp4_bytes, engine_total, people = 0, 0.0, 0, 0.0, []
    with tempfile.TemporaryDirectory() as out:
        for index in range(n):
            t0 = time.perf_counter()
            sample, _ = producer.produce(index)
            t1 = time.perf_counter()
            video = lambda folder: write_video(folder.video, [f.rgb for f in sample.frames], sample.spec.fps)  # noqa: E731
            folder = write_sample(RunLayout(out), sample_id(index), sample.labels, sample.spec.to_dict(), sample.frames, [video])
            engine_total += time.perf_counter() - t0
            sample.timings["write"] = time.perf_counter() - t1
            mp4_bytes += folder.video.stat().st_size
            frames += sample.spec.n_frames
            people += [len(o.mesh.vertices) for o in sample.spec.objects if o.class_path == "actor/person"]
            for k in stages:
                totals[k] += sample.timings[k]
            print(f"clip {index}: {sample.labels['scene']['category']}, {len(sample.spec.objects)} objects, "
                  f"camera {sample.labels['scene']['tags']['camera']['mode']}, {time.perf_counter() - t0:.1f} s")
            producer.backend.build(sample.spec)          # the same clip, rendered bare: no passes read, no labels
            t2 = time.perf_counter()
            for f in range(sample.spec.n_frames):
                producer.backend.scene.frame_set(f + 1)
                producer.backend.render_only()
            bare += time.perf_counter() - t2
    producer.close()
    r = cfg.render
    print(f"scene=motion, {n} clips x {cfg.scene.frames} frames at {r.resolution[0]}x{r.resolution[1]}, {r.samples} spp, "
          f"denoise={r.denoise}, device={producer.backend.device}")
    print(f"{'stage':<10}{'s/frame':>10}{'share':>8}")
    for k in stages:
        print(f"{k:<10}{totals[k] / frames:>10.3f}{totals[k] / engine_total:>8.1%}")
    print(f"engine total      {engine_total / frames:.3f} s/frame, {engine_total / n:.1f} s/clip")
    print(f"bare render       {bare / frames:.3f} s/frame;  engine / bare {engine_total / bare:.3f}")
    print(f"MP4               {mp4_bytes / n / 1024:.0f} KiB/clip")
    print(f"people            {len(people)}, {sum(people) / max(1, len(people)):.0f} vertices each (mean)")
    print(f"peak RSS          {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2, help="clips")
    parser.add_argument("--before", help="a git revision to run the same benchmark on first, for before/after")
    parser.add_argument("overrides", nargs="*", help="config overrides, e.g. render.samples=16")
    args = parser.parse_args()
    if args.before:
        root = Path(__file__).resolve().parent.parent
        with tempfile.TemporaryDirectory() as tree:
            subprocess.run(["git", "-C", str(root), "worktree", "add", "--detach", tree, args.before], check=True)
            try:
                print(f"---- before: {args.before}", flush=True)
                subprocess.run([sys.executable, f"{tree}/bench/bench_motion.py", "--n", str(args.n), *args.overrides],
                               check=True, cwd=tree)
            finally:
                subprocess.run(["git", "-C", str(root), "worktree", "remove", "--force", tree], check=True)
        print("---- after: this tree", flush=True)
    main(args.n, args.overrides)
