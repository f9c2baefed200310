"""Placing objects on the ground without overlaps: the keep-out scatter that recipes use for context objects."""
from __future__ import annotations

import numpy as np

from engine.streams import child


def footprint_radius(mesh) -> float:
    """Radius of a mesh's footprint around its origin, on the ground plane."""
    return float(np.linalg.norm(mesh.vertices[:, :2], axis=1).max())


def place_each(rng: np.random.Generator, count: int, attempts: int, make, spot, is_free):
    """Place `count` objects with up to `attempts` tries each: make(generator) -> (mesh, materials, params) draws an
    object (from a child generator of its own, engine.streams.child), spot(rng, radius) -> (x, y) a place for it, kept
    where is_free(xy, radius). Yields (mesh, materials, params, xy, radius) per placed object (the caller records it
    before the next try); one that finds no free spot is left out."""
    for _ in range(count):
        for _attempt in range(attempts):
            mesh, materials, params = make(child(rng))
            radius = footprint_radius(mesh)
            xy = np.asarray(spot(rng, radius), dtype=float)
            if is_free(xy, radius):
                yield mesh, materials, params, xy, radius
                break
