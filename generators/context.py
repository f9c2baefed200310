"""Context around a landmark: ground with a plaza, ordinary buildings, trees and street props (distractors and occluders)."""
from __future__ import annotations

import numpy as np
import trimesh

from engine.spec import Mesh
from generators.materials import material, pick
from generators.shapes import MeshBuilder, box, frustum, place, sphere, square_ring


def ground(rng, plaza_half: float, extent: float):
    """Flat ground at z=0: a paved square plaza (material 1) inside grass/soil (material 0)."""
    vertices, ring, inner = square_ring(plaza_half, extent)
    mesh = Mesh(vertices, np.vstack([inner, ring]), np.array([1] * len(inner) + [0] * len(ring)))
    mats = [material(rng, "ground", pick(rng, ["green", "ochre", "brown"])), material(rng, "paving", pick(rng, ["grey", "sandstone"]))]
    return mesh, mats, {"plaza_half_width": round(plaza_half, 2), "extent": round(extent, 2)}


def building(rng):
    """An ordinary building: a block with a flat or gabled roof."""
    w, d, h = rng.uniform(8, 20), rng.uniform(8, 16), rng.uniform(6, 24)
    roof = pick(rng, ["flat", "gable"])
    mats = [material(rng, pick(rng, ["plaster", "brick", "concrete"]), pick(rng, ["white", "grey", "sandstone", "red", "brown"])),
            material(rng, "tile", pick(rng, ["dark_grey", "red", "brown"]))]
    b = MeshBuilder().add(box((w, d, h), (0, 0, h / 2)), 0)
    if roof == "flat":
        b.add(box((w + 0.4, d + 0.4, 0.5), (0, 0, h + 0.25)), 1)
    else:   # gable: a triangular prism along x
        rh = d * 0.35
        v = np.array([[-w / 2, -d / 2, 0], [w / 2, -d / 2, 0], [w / 2, d / 2, 0], [-w / 2, d / 2, 0],
                      [-w / 2, 0, rh], [w / 2, 0, rh]]) + [0, 0, h]
        f = np.array([[0, 1, 5], [0, 5, 4], [2, 3, 4], [2, 4, 5], [0, 4, 3], [1, 2, 5], [0, 3, 2], [0, 2, 1]])
        b.add(trimesh.Trimesh(v, f, process=False), 1)
    return b.build(), mats, {"width": round(w, 2), "depth": round(d, 2), "height": round(h, 2), "roof": roof}


def tree(rng, kind: str | None = None, foliage=("green", "green", "teal", "ochre")):
    """A deciduous (sphere crown) or conifer (stacked cones) tree; `foliage` lists the named colours to draw from."""
    kind = kind or pick(rng, ["deciduous", "conifer"])
    h = rng.uniform(5, 14)
    crown_color = pick(rng, list(foliage))
    mats = [material(rng, "bark", "brown"), material(rng, "foliage", crown_color, jitter=0.15)]
    trunk_h = h * (0.35 if kind == "deciduous" else 0.2)
    b = MeshBuilder().add(frustum(h * 0.03, h * 0.02, trunk_h, 6), 0)
    if kind == "deciduous":
        r = h * rng.uniform(0.25, 0.35)
        b.add(place(sphere(1.0, 1), (0, 0, trunk_h + r * 0.8), scale=(r, r, r * 1.1)), 1)
    else:
        for k in range(3):
            r = h * 0.22 * (1 - 0.25 * k)
            b.add(place(frustum(r, 0.0, h * 0.4, 8), (0, 0, trunk_h + k * h * 0.22)), 1)
    return b.build(), mats, {"kind": kind, "height": round(h, 2), "foliage": crown_color}


def prop(rng, kind: str | None = None):
    """A street prop: lamp post or bench (drawn unless `kind` is given)."""
    kind = kind or pick(rng, ["lamppost", "bench"])
    mats = [material(rng, "metal", pick(rng, ["black", "dark_grey", "green"])), material(rng, "wood", "brown")]
    b = MeshBuilder()
    if kind == "lamppost":
        h = rng.uniform(3.5, 6)
        b.add(frustum(0.08, 0.06, h, 8), 0).add(place(sphere(0.25, 1), (0, 0, h)), 0)
    else:
        b.add(box((1.8, 0.5, 0.08), (0, 0, 0.45)), 1).add(box((1.8, 0.06, 0.45), (0, 0.22, 0.7)), 1)
        for x in (-0.8, 0.8):
            b.add(box((0.06, 0.45, 0.45), (x, 0, 0.225)), 0)
    return b.build(), mats, {"kind": kind}
