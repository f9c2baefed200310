"""Plants and boulders as small shared meshes (instanced many times), and a rule-based scatter over terrain."""
from __future__ import annotations

import numpy as np

from generators.materials import material, pick
from generators.shapes import MeshBuilder, frustum, place, sphere

FOLIAGE = {"summer": ("green", "green", "teal"), "autumn": ("ochre", "red", "yellow"), "winter": ("brown", "dark_grey")}


def bush(rng, foliage):
    r = rng.uniform(0.6, 1.4)
    mats = [material(rng, "foliage", pick(rng, list(foliage)), jitter=0.15)]
    b = MeshBuilder().add(place(sphere(1.0, 1), (0, 0, r * 0.6), scale=(r, r * rng.uniform(0.8, 1.2), r * 0.8)), 0)
    return b.build(), mats, {"radius": round(r, 2)}


def grass_clump(rng, foliage):
    mats = [material(rng, "foliage", pick(rng, list(foliage)), jitter=0.2)]
    b = MeshBuilder()
    for _ in range(5):
        h = rng.uniform(0.4, 0.9)
        b.add(place(frustum(0.06, 0.0, h, 4), (rng.uniform(-0.25, 0.25), rng.uniform(-0.25, 0.25), 0)), 0)
    return b.build(), mats, {"blades": 5}


def boulder(rng):
    """A jittered icosphere, flattened a little, resting on z = 0."""
    r = rng.uniform(0.6, 2.5)
    mesh = sphere(1.0, 1)
    v = np.asarray(mesh.vertices) * (1 + rng.uniform(-0.2, 0.2, (len(mesh.vertices), 1)))
    v = v * [r, r * rng.uniform(0.7, 1.1), r * 0.7]
    v[:, 2] -= v[:, 2].min() + r * 0.2                      # sink it a little into the ground
    mesh.vertices = v
    mats = [material(rng, "stone", pick(rng, ["grey", "dark_grey", "sandstone"]))]
    return MeshBuilder().add(mesh, 0).build(), mats, {"radius": round(r, 2)}


def scatter(rng, terrain, count: int, suitability, keep_out) -> np.ndarray:
    """`count` points (x, y) drawn with probability `suitability(x, y)` in [0, 1], outside `keep_out(x, y)`."""
    half = terrain.extent / 2 * 0.96
    chosen = []
    for _ in range(20):                                    # rejection sampling in vectorised rounds
        need = count - sum(len(c) for c in chosen)
        if need <= 0:
            break
        xy = rng.uniform(-half, half, (need * 8, 2))
        ok = (rng.random(len(xy)) < suitability(xy[:, 0], xy[:, 1])) & ~keep_out(xy[:, 0], xy[:, 1])
        chosen.append(xy[ok][:need])
    return np.concatenate(chosen) if chosen else np.zeros((0, 2))
