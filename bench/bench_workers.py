"""Throughput with 1 vs N local worker processes and N Ray actors on this machine, and the cost of resuming a run
that is already complete (it should be seconds).

    python bench/bench_workers.py              # 8 samples at 256x256, render=default, 1 vs 2 workers
    python bench/bench_workers.py --n 16 --workers 4 render=preview
"""
import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def timed_run(args: list) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, str(ROOT / "render.py"), *args], check=True, capture_output=True)
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("overrides", nargs="*")
    a = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        common = [f"n={a.n}", "output.overview=false", "output.report=false", *a.overrides]
        one = timed_run(common + [f"out={tmp}/one"])
        many = timed_run(common + [f"launcher.workers={a.workers}", f"out={tmp}/many"])
        resume = timed_run(common + [f"launcher.workers={a.workers}", f"out={tmp}/many"])
        on_ray = timed_run(common + ["launcher.name=ray", f"launcher.workers={a.workers}", f"out={tmp}/ray"])
    print(f"{a.n} samples {' '.join(a.overrides) or '(render=default, 256x256)'}, whole command incl. start-up")
    print(f"1 worker   {one:7.1f} s   {a.n / one:.3f} samples/s")
    print(f"{a.workers} workers  {many:7.1f} s   {a.n / many:.3f} samples/s   speed-up {one / many:.2f}x")
    print(f"Ray, {a.workers} actors {on_ray:6.1f} s   {a.n / on_ray:.3f} samples/s   speed-up {one / on_ray:.2f}x "
          f"(local cluster start included)")
    print(f"resume of the finished run: {resume:.1f} s")


if __name__ == "__main__":
    main()
