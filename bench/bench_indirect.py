"""What render.indirect=simple (plain materials and a smooth sky for diffuse bounces and light samples, bevel 2 rays)
costs in image quality against render.indirect=full (bevel 4), at the same time budget (issue #19):

    python bench/bench_indirect.py                        # concept, landmark, landscape, motion; 8 and 32 spp (~15 min)
    python bench/bench_indirect.py --families concept --spp 8 --ref-spp 128

Per scene (sample 0 of each family at 320x240): a reference rendered with `full` at --ref-spp; then each setting's
beauty render at each spp, timed; `simple` again at the spp that takes the time `full` took (equal time); and
`simple` at --ref-spp (its bias: what more samples never remove). Error: RMSE after normalising each image by the
reference's mean and a Reinhard curve x/(1+x) (so a few fireflies do not decide it), in % of the reference's mean.
Prints a table and the choice per profile (the lower error at equal time). Asserts nothing.
"""
import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine.backend import BlenderBackend  # noqa: E402
from engine.renderio import blender_log_silenced, exr_parts  # noqa: E402
from job.config import compose  # noqa: E402
from job.sample import apply_lens  # noqa: E402
from engine.streams import Streams  # noqa: E402
from engine.taxonomy import load_taxonomy  # noqa: E402
from scenes import FAMILIES  # noqa: E402

SETTINGS = {"full": ["render.indirect=full", "render.bevel_samples=4"],
            "simple": ["render.indirect=simple", "render.bevel_samples=2"]}


def beauty(family: str, setting: str, spp: int, taxonomy, reference: bool = False, prepare=None) -> tuple:
    """(linear RGB, seconds) of one beauty render of the family's sample 0, the build's first render; a reference
    takes every sample in every pixel (adaptive sampling stops where its own noise estimate is below 1 %, which would
    be the error's floor). `prepare(backend)`, if given, changes the built scene before the render."""
    cfg = compose([f"scene={family}", "render=preview", "render.resolution=[320,240]", f"render.samples={spp}",
                   "render.denoise=false", *SETTINGS[setting]])
    spec = FAMILIES[family].build(cfg.scene, Streams((cfg.seed, 0, 0)), 0, 320, 240)
    apply_lens(spec, cfg.render)
    backend = BlenderBackend(cfg.render, taxonomy)
    try:
        backend.build(spec)
        if prepare is not None:
            prepare(backend)
        backend._sampling(beauty=True)
        backend.scene.cycles.use_adaptive_sampling = not reference
        t = time.perf_counter()
        with blender_log_silenced():
            backend.bpy.ops.render.render(write_still=True)
        seconds = time.perf_counter() - t
        channels = {k: v for _, ch, _ in exr_parts(backend.beauty_path) for k, v in ch.items()}
        return channels["ViewLayer.Combined"][..., :3].astype(np.float64), seconds
    finally:
        backend.close()


def error(image: np.ndarray, reference: np.ndarray) -> float:
    mean = reference.mean()
    a, b = image / mean, reference / mean
    return 100.0 * float(np.sqrt(np.mean((a / (1 + a) - b / (1 + b)) ** 2)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--families", nargs="+", default=["concept", "landmark", "landscape", "motion"])
    parser.add_argument("--spp", type=int, nargs="+", default=[8, 32])
    parser.add_argument("--ref-spp", type=int, default=512)
    args = parser.parse_args()
    taxonomy = load_taxonomy()
    rows = []
    for family in args.families:
        reference, ref_seconds = beauty(family, "full", args.ref_spp, taxonomy, reference=True)
        simple_ref, _ = beauty(family, "simple", args.ref_spp, taxonomy, reference=True)
        bias = error(simple_ref, reference)
        for spp in args.spp:
            full, t_full = beauty(family, "full", spp, taxonomy)
            simple, t_simple = beauty(family, "simple", spp, taxonomy)
            equal_spp = max(spp, int(spp * t_full / t_simple))
            equal, t_equal = beauty(family, "simple", equal_spp, taxonomy)
            rows.append((family, spp, t_full, error(full, reference), t_simple, error(simple, reference), equal_spp,
                         t_equal, error(equal, reference), bias))
            print(f"{family} {spp} spp (reference {ref_seconds:.0f} s): {rows[-1]}", flush=True)
    print(f"\nerror: % RMSE against full at {args.ref_spp} spp (see docstring); 320x240, 2 threads per render\n")
    print("| family | spp | full s | full error | simple s | simple error | simple at equal time: spp, s, error | simple bias |")
    print("|---|---|---|---|---|---|---|---|")
    for f, spp, tf, ef, ts, es, qs, tq, eq, b in rows:
        print(f"| {f} | {spp} | {tf:.2f} | {ef:.2f} | {ts:.2f} ({tf / ts:.2f}x) | {es:.2f} | {qs}, {tq:.2f}, {eq:.2f} | {b:.2f} |")
    for spp in args.spp:
        at = [r for r in rows if r[1] == spp]
        wins = sum(r[8] < r[3] for r in at)
        print(f"{spp} spp: simple at equal time has the lower error in {wins} of {len(at)} scenes; "
              f"mean speed-up {np.mean([r[2] / r[4] for r in at]):.2f}x")


if __name__ == "__main__":
    main()
