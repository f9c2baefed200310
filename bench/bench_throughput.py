"""Throughput on the peer comparison's work (issue #19): whole-process runs of scene=concept at 320x240, 8 spp, no
denoise, RGB + depth + instance/semantic masks + COCO, for 5 and 40 frames (samples), before and after a change,
interleaved (A B A B ...) so that the machine's drift falls on both sides alike.

    python bench/bench_throughput.py                      # this tree only, 5 and 40 samples, 2 rounds
    python bench/bench_throughput.py --before 51e264c     # an older commit against this tree
    python bench/bench_throughput.py --counts 5 --rounds 3 render.look=flat

Per run it prints wall seconds, frames/s, CPU seconds per frame (this process and its workers), the render stage's
share and engine / bare (the run's own stage seconds but QA's rejected attempts, shown apart per frame, against a
bare render of the same samples in one Blender session, measured once per side and count) and peak RSS (from the
run's dataset.json); with --before, the ratio of frames/s and the ceiling the after side's bare renders set (frames/s
if the engine added nothing, not even a process's start). Asserts nothing. The targets in the issue: frames/s at
least 2x the baseline's, engine / bare <= 1.10, peak RSS at or below the peer's (569-588 MiB).
"""
import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ["scene=concept", "render=preview", "render.resolution=[320,240]", "render.samples=8", "render.denoise=false",
        "export.formats=[coco]", "output.report=false", "output.overview=false", "launcher.workers=1"]
BARE = """
import sys, time
sys.path.insert(0, {root!r})
from job.config import compose, content_hash
from job.sample import SampleProducer
cfg = compose({args!r})
producer = SampleProducer(cfg, content_hash(cfg))
total = 0.0
for index in range({n}):
    sample, _ = producer.produce(index)
    producer.backend.build(sample.spec)
    t = time.perf_counter()
    producer.backend.render_only()
    total += time.perf_counter() - t
producer.close()
print(total / {n})
"""


def run(tree: Path, count: int, overrides: list) -> dict:
    with tempfile.TemporaryDirectory() as out:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        subprocess.run([sys.executable, str(tree / "render.py"), *WORK, f"n={count}", f"out={out}", *overrides],
                       check=True, cwd=tree, capture_output=True)
        wall = time.perf_counter() - t0
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        manifest = json.loads((Path(out) / "dataset.json").read_text())
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    throughput = manifest.get("throughput", {})
    stages = throughput.get("stage_seconds", {})
    accepted = {k: v for k, v in stages.items() if k != "rejected"}   # older trees dropped rejected attempts' time
    return {"wall": wall, "fps": count / wall, "cpu_per_frame": cpu / count, "render_per_frame": stages.get("render", 0) / count,
            "engine_per_frame": sum(accepted.values()) / count if stages else float("nan"),
            "rejected_per_frame": stages.get("rejected", float("nan")) / count,
            "rss": throughput.get("peak_rss_mb", float("nan"))}


def bare_render(tree: Path, overrides: list, n: int = 5) -> float:
    code = BARE.format(root=str(tree), args=[*WORK, *overrides], n=n)
    out = subprocess.run([sys.executable, "-c", code], check=True, cwd=tree, capture_output=True, text=True).stdout
    return float(out.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counts", type=int, nargs="+", default=[5, 40])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--before", help="a git revision to compare against this tree (a temporary worktree)")
    parser.add_argument("overrides", nargs="*")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as worktree:
        sides = {"after": ROOT}
        if args.before:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", worktree, args.before], check=True,
                           capture_output=True)
            sides = {"before": Path(worktree), "after": ROOT}
        try:
            bare = {(name, c): bare_render(tree, args.overrides, c) for name, tree in sides.items() for c in args.counts}
            results = {(name, c): [] for name in sides for c in args.counts}
            for r in range(args.rounds):
                for count in args.counts:
                    for name, tree in sides.items():
                        res = run(tree, count, args.overrides)
                        results[(name, count)].append(res)
                        print(f"round {r + 1} {name:<6} n={count:<3} {res['wall']:7.1f} s  {res['fps']:.3f} frames/s  "
                              f"cpu {res['cpu_per_frame']:.2f} s/frame  rss {res['rss']:.0f} MB", flush=True)
        finally:
            if args.before:
                subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", worktree], check=True)
    scene = next((o for o in reversed([*WORK, *args.overrides]) if o.startswith("scene=")), "")
    print(f"\n{scene} 320x240 8 spp, no denoise, masks + depth + COCO; medians of {args.rounds} rounds"
          + (f" ({' '.join(args.overrides)})" if args.overrides else ""))
    print(f"{'side':<7}{'n':>4}{'frames/s':>10}{'cpu s/fr':>10}{'render s/fr':>12}{'engine/bare':>12}"
          f"{'rejected s/fr':>14}{'RSS MB':>8}")
    for (name, count), runs in results.items():
        med = {k: sorted(r[k] for r in runs)[len(runs) // 2] for k in runs[0]}
        print(f"{name:<7}{count:>4}{med['fps']:>10.3f}{med['cpu_per_frame']:>10.2f}{med['render_per_frame']:>12.3f}"
              f"{med['engine_per_frame'] / bare[(name, count)]:>12.2f}{med['rejected_per_frame']:>14.3f}{med['rss']:>8.0f}")
    if args.before:
        for count in args.counts:
            a, b = (sorted(r["fps"] for r in results[(s, count)])[args.rounds // 2] for s in ("after", "before"))
            # the most any engine could reach on this tree's pictures: its bare renders and nothing else
            bound = 1 / bare[("after", count)]
            print(f"n={count}: frames/s after / before = {a / b:.2f}; the after side's bare renders alone would give "
                  f"{bound:.3f} frames/s = {bound / b:.2f}x before")


if __name__ == "__main__":
    main()
