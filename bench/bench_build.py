"""Build seconds per sample (Blender datablocks: meshes, photo-look materials, world), every material from scratch
against materials copied from the first of their structure and kept between samples (engine.node_replay), one Blender
session per family, interleaved per sample. Also labels: seconds per sample to rasterise the amodal coverage.

    python bench/bench_build.py                       # concept, landmark, landscape, face; 6 samples each
    python bench/bench_build.py --scenes landmark --samples 10

Asserts nothing; prints seconds and ratios. The first sample of a family builds its originals (and writes them to the
worker's library), so the later samples show what a long run pays.
"""
import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine.streams import Streams  # noqa: E402
from job.config import compose, content_hash  # noqa: E402
from job.sample import SampleProducer, apply_lens  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenes", nargs="+", default=["concept", "landmark", "landscape", "face"])
    parser.add_argument("--samples", type=int, default=6)
    args = parser.parse_args()
    print(f"{'scene':<10}{'materials':>10}{'scratch s':>11}{'copies s':>10}{'ratio':>7}{'  later samples: scratch / copies s':>38}")
    for scene in args.scenes:
        cfg = compose([f"scene={scene}", "render=preview"])
        width, height = (int(v) for v in cfg.render.resolution)
        producer = SampleProducer(cfg, content_hash(cfg))
        backend = producer.backend
        seconds = {False: [], True: []}
        materials = 0
        for index in range(args.samples):
            spec = producer.family.build(cfg.scene, Streams((cfg.seed, index, 0)), index, width, height)
            apply_lens(spec, cfg.render)
            for copy in (False, True):
                backend.reset()
                backend.copy_materials = copy
                t0 = time.perf_counter()
                backend.build(spec)
                seconds[copy].append(time.perf_counter() - t0)
            materials += len(backend.bpy.data.materials)
        producer.close()
        scratch, copies = sum(seconds[False]) / args.samples, sum(seconds[True]) / args.samples
        later = [sum(seconds[c][1:]) / max(1, args.samples - 1) for c in (False, True)]
        print(f"{scene:<10}{materials / args.samples:>10.0f}{scratch:>11.3f}{copies:>10.3f}{scratch / copies:>6.2f}x"
              f"{later[0]:>27.3f} / {later[1]:.3f} ({later[0] / later[1]:.2f}x)", flush=True)


if __name__ == "__main__":
    main()
