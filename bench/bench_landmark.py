"""Benchmark of the engine on scene=landmark (CPU): where a sample's time goes, the engine's overhead over a bare
render of the same scene, throughput, peak RSS, and RSS growth over many samples (datablock leaks).

    python bench/bench_landmark.py                 # 8 samples at 256x256 (render=default) + 200-sample leak check
    python bench/bench_landmark.py --n 4 --leak 0  # quicker

Prints figures and ratios; it asserts nothing (targets are in the issue: engine / bare render <= 1.15,
RSS growth from sample 20 to 200 small).
"""
import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from job.config import compose, content_hash  # noqa: E402
from engine.layout import RunLayout, sample_id  # noqa: E402
from job.sample import SampleProducer  # noqa: E402
from engine.storage import write_sample  # noqa: E402


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2**20


def stage_split(n: int, overrides: list[str]):
    cfg = compose(["render=default", *overrides])
    producer = SampleProducer(cfg, content_hash(cfg))
    stages = ["recipe", "build", "render", "annotate", "write"]
    totals = {k: 0.0 for k in stages}
    bare, readback, engine_total = 0.0, 0.0, 0.0
    with tempfile.TemporaryDirectory() as out:
        for index in range(n):
            t0 = time.perf_counter()
            sample, _ = producer.produce(index)
            t1 = time.perf_counter()
            write_sample(RunLayout(out), sample_id(index), sample.labels, sample.spec.to_dict(), sample.frames)
            engine_total += time.perf_counter() - t0
            sample.timings["write"] = time.perf_counter() - t1
            for k in stages:
                totals[k] += sample.timings[k]
            producer.backend.build(sample.spec)    # the same scene, freshly built (no cached BVH or shaders) ...
            t2 = time.perf_counter()
            producer.backend.render_only()         # ... and rendered bare: no passes written or read, no labels, no files
            bare += time.perf_counter() - t2
            t3 = time.perf_counter()
            passes = producer.backend.read_passes(sample.spec, 0)          # what reading the passes back costs
            producer.backend.read_beauty(sample.spec, 0, passes)
            readback += time.perf_counter() - t3
    producer.close()
    print(f"scene={cfg.scene.name}, {n} samples at {cfg.render.resolution[0]}x{cfg.render.resolution[1]}, "
          f"{cfg.render.samples} spp, denoise={cfg.render.denoise}, device={producer.backend.device}")
    print(f"{'stage':<10}{'s/sample':>10}{'share':>8}")
    for k in stages:
        print(f"{k:<10}{totals[k] / n:>10.3f}{totals[k] / engine_total:>8.1%}")
    print(f"  (render includes reading the passes back from EXR: {readback / n:.3f} s/sample)")
    print(f"engine total      {engine_total / n:.3f} s/sample   ({n / engine_total:.3f} samples/s)")
    print(f"bare render       {bare / n:.3f} s/sample")
    print(f"engine / bare     {engine_total / bare:.3f}   (target <= 1.15)")
    print(f"peak RSS          {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


def leak_check(n: int):
    cfg = compose(["render=preview", "render.resolution=[64,64]", "render.samples=1"])
    producer = SampleProducer(cfg, content_hash(cfg))
    marks = {}
    start = time.perf_counter()
    for index in range(n):
        producer.produce(index)
        if index + 1 in (20, n):
            marks[index + 1] = rss_mb()
    elapsed = time.perf_counter() - start
    blocks = {name: len(getattr(producer.backend.bpy.data, name)) for name in ("objects", "meshes", "materials")}
    producer.close()
    print(f"leak check: {n} samples at 64x64, 1 spp, one Blender session ({n / elapsed:.1f} samples/s)")
    print(f"RSS after 20 samples {marks[20]:.0f} MB, after {n} {marks[n]:.0f} MB, growth {marks[n] - marks[20]:+.0f} MB")
    print(f"datablocks alive after the last sample: {blocks} (one scene's worth)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=8, help="samples for the stage split")
    parser.add_argument("--leak", type=int, default=200, help="samples for the RSS growth check (0 skips it)")
    parser.add_argument("overrides", nargs="*", help="config overrides, e.g. render.samples=16")
    args = parser.parse_args()
    stage_split(args.n, args.overrides)
    if args.leak >= 20:
        leak_check(args.leak)
