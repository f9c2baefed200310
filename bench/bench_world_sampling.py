"""What a cheaper sampling of the world's light costs in noise (issue #19): the sky's importance map at 256² (the
backend's setting until this bench), at 64², or none (the backend's now: the sky then reaches surfaces only through
BSDF-sampled bounces), on the same frame at the same samples, against a reference rendered with the 256² map at
--ref-spp without adaptive sampling. The reference shares its first samples with the map's 8-spp render (same seed),
which favours the map.

    python bench/bench_world_sampling.py                   # concept, landmark, landscape at 8 spp (~6 min)
    python bench/bench_world_sampling.py --families concept --spp 8 32

Error as in bench_indirect.py (RMSE after normalising by the reference's mean and a Reinhard curve, % of the mean).
Noise falls as 1/sqrt(samples), so a setting that is k times quicker wins at equal time only if its error grows by
less than a factor sqrt(k). Render seconds: the build's first render (it builds the map, as a sample's first
render does); single renders on 2 cores vary by ~±10 %. Asserts nothing.
"""
import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_indirect import beauty as render_beauty, error  # noqa: E402
from engine.taxonomy import load_taxonomy  # noqa: E402

WORLD = {"map 256": ("MANUAL", 256), "map 64": ("MANUAL", 64), "none": ("NONE", 256)}


def beauty(family: str, world: str, spp: int, taxonomy, reference: bool = False) -> tuple:
    """(linear RGB, seconds) of the beauty render of the family's sample 0 (the backend's setting, simple indirect)
    with that world sampling; its time includes building the map, as a sample's first render does."""
    def set_world(backend):
        world_settings = backend.scene.world.cycles
        world_settings.sampling_method, world_settings.sample_map_resolution = WORLD[world]
    return render_beauty(family, "simple", spp, taxonomy, reference, prepare=set_world)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--families", nargs="+", default=["concept", "landmark", "landscape"])
    parser.add_argument("--spp", type=int, nargs="+", default=[8])
    parser.add_argument("--ref-spp", type=int, default=256)
    args = parser.parse_args()
    taxonomy = load_taxonomy()
    print("| family | spp | world sampling | s | error % | error × sqrt(s / s of map 256) |")
    print("|---|---|---|---|---|---|")
    for family in args.families:
        reference, _ = beauty(family, "map 256", args.ref_spp, taxonomy, reference=True)
        for spp in args.spp:
            rows = {world: beauty(family, world, spp, taxonomy) for world in WORLD}
            rows = {world: (image, min(seconds, beauty(family, world, spp, taxonomy)[1]))   # the quicker of two
                    for world, (image, seconds) in rows.items()}
            base = rows["map 256"][1]
            for world, (image, seconds) in rows.items():
                e = error(image, reference)
                print(f"| {family} | {spp} | {world} | {seconds:.2f} | {e:.2f} | {e * np.sqrt(seconds / base):.2f} |",
                      flush=True)


if __name__ == "__main__":
    main()
