"""Where a beauty render's time goes (issue #19): what the photo look's detail costs the rays that see it.

    python bench/bench_render_cost.py                            # concept, landmark, landscape, motion; 3 samples each
    python bench/bench_render_cost.py --families concept --samples 4

Per sample (render=preview at 320x240, 8 spp, no denoising: the throughput benchmark's work), the beauty render timed
as built, then with every photo-look material showing its plain branch to all rays (the named colour, same
roughness: no patterns, bump or bevel), with the plain sky for all rays (no clouds), and with both; plus the data
render (1 spp, first hit). Each variant is rendered twice, interleaved, and the quicker kept. Shares are of the
as-built render. Asserts nothing.
"""
import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine.backend import BlenderBackend  # noqa: E402
from engine.renderio import blender_log_silenced  # noqa: E402
from engine.streams import Streams  # noqa: E402
from engine.taxonomy import load_taxonomy  # noqa: E402
from job.config import compose  # noqa: E402
from job.sample import apply_lens  # noqa: E402
from scenes import FAMILIES  # noqa: E402


def ray_switches(bpy) -> dict:
    """{'materials': [...], 'sky': [...]}: (tree, output socket, detailed link source, plain source) of every node
    tree whose output is engine.surfaces.by_ray's Mix Shader (input 1 plain, input 2 detailed)."""
    found = {"materials": [], "sky": []}
    trees = [("materials", m.node_tree) for m in bpy.data.materials if m.node_tree]
    trees += [("sky", w.node_tree) for w in bpy.data.worlds if w.node_tree]
    for kind, tree in trees:
        for out in tree.nodes:
            if out.bl_idname in ("ShaderNodeOutputMaterial", "ShaderNodeOutputWorld") and out.inputs["Surface"].links:
                mix = out.inputs["Surface"].links[0].from_node
                if mix.bl_idname == "ShaderNodeMixShader" and mix.inputs[1].links:
                    found[kind].append((tree, out.inputs["Surface"], mix.outputs[0], mix.inputs[1].links[0].from_socket))
    return found


def plain(switches: list, on: bool):
    for tree, surface, detailed, simple in switches:
        tree.links.new(simple if on else detailed, surface)


def timed_render(backend, beauty: bool) -> float:
    backend._sampling(beauty=beauty)
    t = time.perf_counter()
    with blender_log_silenced():
        backend.bpy.ops.render.render(write_still=True)
    return time.perf_counter() - t


def measure(backend, switches: dict) -> dict:
    variants = {"as built": [], "plain materials": ["materials"], "plain sky": ["sky"], "both": ["materials", "sky"]}
    best = {}
    for _ in range(2):
        for name, kinds in variants.items():
            for kind in kinds:
                plain(switches[kind], True)
            best[name] = min(best.get(name, 1e9), timed_render(backend, beauty=True))
            for kind in kinds:
                plain(switches[kind], False)
        best["data render"] = min(best.get("data render", 1e9), timed_render(backend, beauty=False))
    return best


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--families", nargs="+", default=["concept", "landmark", "landscape", "motion"])
    parser.add_argument("--samples", type=int, default=3)
    args = parser.parse_args()
    taxonomy = load_taxonomy()
    print("| family | sample | beauty s | materials' detail | sky's detail | all plain: speed-up | data render s |")
    print("|---|---|---|---|---|---|---|")
    for family in args.families:
        cfg = compose([f"scene={family}", "render=preview", "render.resolution=[320,240]", "render.samples=8",
                       "render.denoise=false"])
        backend = BlenderBackend(cfg.render, taxonomy)
        try:
            for index in range(args.samples):
                spec = FAMILIES[family].build(cfg.scene, Streams((cfg.seed, index, 0)), index, 320, 240)
                apply_lens(spec, cfg.render)
                backend.build(spec)
                t = measure(backend, ray_switches(backend.bpy))
                full = t["as built"]
                print(f"| {family} | {index} | {full:.2f} | {100 * (1 - t['plain materials'] / full):.0f} % "
                      f"| {100 * (1 - t['plain sky'] / full):.0f} % | {full / t['both']:.2f}x | {t['data render']:.2f} |",
                      flush=True)
        finally:
            backend.close()


if __name__ == "__main__":
    main()
