"""Benchmark of scene=landscape at scale: >= 5,000 plant instances per scene, each biome, two frame sizes.

    python bench/bench_landscape.py                       # 6 biomes x (256x256, 1024x576), render=preview
    python bench/bench_landscape.py --plants 10000 --sizes 256x256

Per row: objects in the scene, recipe and Blender build time, render time, annotation time, process RSS after the
render, and the sizes of the 3D export (scene.glb, points.ply). Prints figures; asserts nothing.
"""
import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path


sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine.annotate import annotate  # noqa: E402
from engine.backend import BlenderBackend  # noqa: E402
from job.config import compose  # noqa: E402
from engine.export3d import export_scene3d  # noqa: E402
from engine.streams import Streams  # noqa: E402
from engine.taxonomy import load_taxonomy  # noqa: E402
from generators.terrain import BIOMES  # noqa: E402
from scenes import landscape  # noqa: E402


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2**20


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plants", type=int, default=5000)
    parser.add_argument("--sizes", nargs="+", default=["256x256", "1024x576"])
    parser.add_argument("--biomes", nargs="+", default=list(BIOMES))
    args = parser.parse_args()
    taxonomy = load_taxonomy()
    cfg = compose(["scene=landscape", "render=preview", f"scene.plants=[{args.plants},{args.plants}]",
                   "scene.seasons=[summer]", "scene.settlements=[1,2]"])
    backend = BlenderBackend(cfg.render, taxonomy)
    print(f"scene=landscape, render=preview ({cfg.render.samples} spp), {args.plants} plants asked "
          f"(sparse biomes place fewer), device={backend.device}")
    print(f"{'biome':<10}{'size':>10}{'objects':>9}{'plants':>8}{'recipe s':>10}{'build s':>9}{'render s':>10}"
          f"{'annot s':>9}{'RSS MB':>8}{'glb MB':>8}{'ply MB':>8}")
    for size in args.sizes:
        width, height = (int(v) for v in size.split("x"))
        for k, biome in enumerate(args.biomes):
            scene_cfg = compose(["scene=landscape", f"scene.biomes=[{biome}]", f"scene.plants=[{args.plants},{args.plants}]",
                                 "scene.seasons=[summer]", "scene.settlements=[1,2]"]).scene
            t0 = time.perf_counter()
            spec = landscape.build(scene_cfg, Streams((11, k, 0)), k, width, height)
            t1 = time.perf_counter()
            backend.build(spec)
            t2 = time.perf_counter()
            frames = backend.render(spec)
            t3 = time.perf_counter()
            labels = annotate(spec, frames, taxonomy)
            t4 = time.perf_counter()
            rss = rss_mb()
            with tempfile.TemporaryDirectory() as tmp:
                export_scene3d(Path(tmp) / "scene3d", spec, frames, labels, taxonomy, cfg.output.points_voxel_m)
                glb = (Path(tmp) / "scene3d" / "scene.glb").stat().st_size / 2**20
                ply = (Path(tmp) / "scene3d" / "points.ply").stat().st_size / 2**20
            plants = sum(spec.tags["plants"].values())
            print(f"{biome:<10}{size:>10}{len(spec.objects):>9}{plants:>8}{t1 - t0:>10.2f}{t2 - t1:>9.2f}{t3 - t2:>10.2f}"
                  f"{t4 - t3:>9.2f}{rss:>8.0f}{glb:>8.1f}{ply:>8.1f}")
    backend.close()
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
