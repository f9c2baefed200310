"""Primitive solids and a builder that joins them into one multi-material mesh (trimesh + numpy, no bpy)."""
from __future__ import annotations

from functools import lru_cache

import numpy as np
import trimesh

from engine.spec import Mesh


def frustum(r_bottom: float, r_top: float, height: float, sections: int = 16) -> trimesh.Trimesh:
    """Closed truncated cone (or prism for few sections) standing on z=0; r_top may be 0 (cone/pyramid)."""
    angles = np.linspace(0, 2 * np.pi, sections, endpoint=False) + np.pi / sections
    ring = np.stack([np.cos(angles), np.sin(angles)], axis=1)
    i = np.arange(sections)
    j = (i + 1) % sections
    if r_top <= 0:   # a cone: the sides meet at the apex (no zero-area triangles)
        vertices = np.vstack([np.column_stack([ring * r_bottom, np.zeros(sections)]), [[0, 0, height]], [[0, 0, 0]]])
        apex, centre = sections, sections + 1
        faces = np.vstack([np.column_stack([i, j, np.full(sections, apex)]), np.column_stack([np.full(sections, centre), j, i])])
        return trimesh.Trimesh(vertices, faces, process=False)
    bottom = np.column_stack([ring * r_bottom, np.zeros(sections)])
    top = np.column_stack([ring * r_top, np.full(sections, height)])
    vertices = np.vstack([bottom, top, [[0, 0, 0], [0, 0, height]]])
    c0, c1 = 2 * sections, 2 * sections + 1
    faces = np.vstack([
        np.column_stack([i, j, j + sections]), np.column_stack([i, j + sections, i + sections]),   # sides
        np.column_stack([np.full(sections, c0), j, i]),                                            # bottom cap
        np.column_stack([np.full(sections, c1), i + sections, j + sections]),                      # top cap
    ])
    return trimesh.Trimesh(vertices, faces, process=False)


@lru_cache(maxsize=None)
def _unit(shape: str, subdivisions: int = 0):
    """Vertices and faces of a unit box or icosphere, made once (trees and facades use hundreds per scene)."""
    m = trimesh.creation.box(extents=(1.0, 1.0, 1.0)) if shape == "box" else trimesh.creation.icosphere(subdivisions)
    return np.asarray(m.vertices, dtype=np.float64), np.asarray(m.faces, dtype=np.int64)


def box(size, center=(0.0, 0.0, 0.0)) -> trimesh.Trimesh:
    vertices, faces = _unit("box")
    return trimesh.Trimesh(vertices * np.asarray(size, float) + np.asarray(center, float), faces, process=False)


def sphere(radius: float, subdivisions: int = 2) -> trimesh.Trimesh:
    vertices, faces = _unit("sphere", subdivisions)
    return trimesh.Trimesh(vertices * radius, faces, process=False)


def dome(radius: float, rings: int = 6, sections: int = 16) -> trimesh.Trimesh:
    """Closed hemisphere on z=0."""
    phi = np.linspace(0, np.pi / 2, rings + 1)[:-1]           # from the equator up, the pole added separately
    theta = np.linspace(0, 2 * np.pi, sections, endpoint=False)
    rings_xyz = [np.column_stack([radius * np.cos(p) * np.cos(theta), radius * np.cos(p) * np.sin(theta),
                                  np.full(sections, radius * np.sin(p))]) for p in phi]
    vertices = np.vstack(rings_xyz + [[[0, 0, radius]], [[0, 0, 0]]])
    pole, centre = len(vertices) - 2, len(vertices) - 1
    i = np.arange(sections)
    j = (i + 1) % sections
    faces = []
    for r in range(rings - 1):
        a, b = r * sections, (r + 1) * sections
        faces += [np.column_stack([a + i, a + j, b + j]), np.column_stack([a + i, b + j, b + i])]
    top = (rings - 1) * sections
    faces += [np.column_stack([top + i, top + j, np.full(sections, pole)]),
              np.column_stack([np.full(sections, centre), j, i])]
    return trimesh.Trimesh(vertices, np.vstack(faces), process=False)


def square_ring(inner_half: float, outer_half: float, z: float = 0.0):
    """Flat square annulus at height z: (vertices, faces of the ring, faces of the inner square)."""
    p, r = inner_half, outer_half
    ring = np.array([[-p, -p], [p, -p], [p, p], [-p, p], [-r, -r], [r, -r], [r, r], [-r, r]], dtype=np.float64)
    vertices = np.column_stack([ring, np.full(8, z)])
    outer = np.array([[4, 5, 1], [4, 1, 0], [5, 6, 2], [5, 2, 1], [6, 7, 3], [6, 3, 2], [7, 4, 0], [7, 0, 3]])
    return vertices, outer, np.array([[0, 1, 2], [0, 2, 3]])


def rectangle(half_x: float, half_y: float, z: float = 0.0) -> Mesh:
    """A flat rectangle at height z, centred on the origin, facing up (floors, water, flat ground)."""
    v = np.array([[-half_x, -half_y, z], [half_x, -half_y, z], [half_x, half_y, z], [-half_x, half_y, z]], float)
    return Mesh(v, np.array([[0, 1, 2], [0, 2, 3]]), np.zeros(2, np.int64))


def in_ellipsoid(rng, radii, shell: float = 0.0) -> np.ndarray:
    """A random point in an ellipsoid of `radii`, at a relative distance from the centre between `shell` and 1."""
    d = rng.normal(size=3)
    d /= np.linalg.norm(d)
    return d * np.asarray(radii) * rng.uniform(shell, 1.0) ** (1 / 3)


def lump(rng, subdivisions: int = 2) -> trimesh.Trimesh:
    """A unit icosphere with a lumpy surface (leaf clusters, bushes): smooth swellings plus a little roughness, gentle
    enough that it shades smooth (no edge sharper than 30 degrees)."""
    m = sphere(1.0, subdivisions)
    v = np.asarray(m.vertices)
    swell = np.sin(v @ rng.normal(0, 2.0, (3, 3))).sum(axis=1, keepdims=True) / 3
    m.vertices = v * (1 + 0.25 * swell + rng.uniform(-0.04, 0.04, (len(v), 1)))
    return m


def limb(start, end, radius: float) -> trimesh.Trimesh:
    """A tapering branch from `start` to `end`."""
    start, end = np.asarray(start, float), np.asarray(end, float)
    axis = end - start
    length = float(np.linalg.norm(axis))
    rotation = trimesh.geometry.align_vectors([0.0, 0.0, 1.0], axis / length)[:3, :3]
    return place(frustum(radius, radius * 0.35, length, 5), start, rotation=rotation)


def place(mesh: trimesh.Trimesh, translation=(0.0, 0.0, 0.0), yaw: float = 0.0, scale=1.0,
          rotation: np.ndarray | None = None) -> trimesh.Trimesh:
    """A transformed copy: scale (scalar or per axis, positive), then rotation (3x3, or yaw about Z), then translation."""
    if rotation is None:
        c, s = np.cos(yaw), np.sin(yaw)
        rotation = np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])
    vertices = np.asarray(mesh.vertices, dtype=np.float64) * np.asarray(scale, dtype=np.float64)
    return trimesh.Trimesh(vertices @ np.asarray(rotation).T + np.asarray(translation, float), mesh.faces, process=False)


class MeshBuilder:
    """Collects parts, each with a material slot, into one triangle mesh."""

    def __init__(self):
        self._parts: list[tuple[trimesh.Trimesh, int]] = []

    def add(self, mesh: trimesh.Trimesh, material: int) -> "MeshBuilder":
        self._parts.append((mesh, material))
        return self

    def build(self) -> Mesh:
        vertices, faces, face_material, offset = [], [], [], 0
        for mesh, material in self._parts:
            vertices.append(np.asarray(mesh.vertices, dtype=np.float64))
            faces.append(np.asarray(mesh.faces, dtype=np.int64) + offset)
            face_material.append(np.full(len(mesh.faces), material, dtype=np.int64))
            offset += len(mesh.vertices)
        return Mesh(np.vstack(vertices), np.vstack(faces), np.concatenate(face_material))
