"""Plants and boulders as small shared meshes (instanced many times), and a rule-based scatter over terrain."""
from __future__ import annotations

import numpy as np
import trimesh

from generators.materials import material, pick
from generators.shapes import MeshBuilder, frustum, in_ellipsoid, lump, place, sphere

FOLIAGE = {"summer": ("leaf_green", "leaf_green", "olive", "green"), "autumn": ("ochre", "red", "yellow"), "winter": ("brown", "dark_grey")}


def bush(rng, foliage):
    """A bush: a mound of lumpy leaf clusters."""
    r = rng.uniform(0.6, 1.4)
    mats = [material(rng, "foliage", pick(rng, list(foliage)), jitter=0.15)]
    b = MeshBuilder()
    for _ in range(int(rng.integers(6, 10))):
        spot = in_ellipsoid(rng, (r * 0.7, r * 0.7, r * 0.4)) + [0, 0, r * 0.45]
        b.add(place(lump(rng), spot, scale=r * rng.uniform(0.35, 0.55)), 0)
    return b.build(), mats, {"radius": round(r, 2)}


def grass_clump(rng, foliage):
    """A tuft of blades, each leaning its own way."""
    mats = [material(rng, "foliage", pick(rng, list(foliage)), jitter=0.2)]
    b = MeshBuilder()
    blades = 12
    for _ in range(blades):
        h = rng.uniform(0.3, 0.9)
        lean = trimesh.transformations.euler_matrix(*rng.uniform(-0.45, 0.45, 2), rng.uniform(0, 2 * np.pi))[:3, :3]
        b.add(place(frustum(0.025, 0.0, h, 3), (*rng.uniform(-0.25, 0.25, 2), 0), rotation=lean), 0)
    return b.build(), mats, {"blades": blades}


def boulder(rng):
    """A jittered icosphere, flattened a little, resting on z = 0."""
    r = rng.uniform(0.6, 2.5)
    mesh = sphere(1.0, 2)
    v = np.asarray(mesh.vertices)
    v = v * (1 + 0.18 * np.sin(v @ rng.normal(0, 2.5, (3, 3))).sum(axis=1, keepdims=True) / 3
             + rng.uniform(-0.05, 0.05, (len(v), 1)))                  # smooth lumps plus a little roughness
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
