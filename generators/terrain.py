"""Terrain from seeded noise: fBm / ridged gradient noise, a thermal erosion pass, and surface classes from slope,
altitude and moisture rules (numpy only)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.spec import Mesh
from generators.shapes import square_ring

# biome -> (amplitude m, ridged share, base frequency (cycles over the extent), water: none | sea | lake | river,
#           snowline as a fraction of amplitude (None: no snow), dry: sand instead of grass)
BIOMES = {
    "mountains": (140.0, 0.8, 2.0, "lake", 0.62, False),
    "hills": (45.0, 0.2, 2.5, "lake", None, False),
    "plains": (12.0, 0.0, 1.5, "river", None, False),
    "coast": (50.0, 0.3, 2.0, "sea", None, False),
    "canyon": (70.0, 0.6, 2.5, "river", None, True),
    "snowfield": (40.0, 0.4, 2.0, "none", -1.0, False),
}
SURFACES = ("grass", "rock", "sand", "snow", "soil")


def _gradient_noise(rng: np.random.Generator, xs: np.ndarray, ys: np.ndarray, frequency: float) -> np.ndarray:
    """Perlin-style gradient noise in about [-1, 1] on a grid of points in [0, 1]^2, with seeded lattice gradients."""
    cells = int(np.ceil(frequency)) + 2
    angles = rng.uniform(0, 2 * np.pi, (cells + 1, cells + 1))
    grads = np.stack([np.cos(angles), np.sin(angles)], axis=-1)
    x, y = xs * frequency, ys * frequency
    x0, y0 = np.floor(x).astype(int), np.floor(y).astype(int)
    fx, fy = x - x0, y - y0

    def corner(dx, dy):
        g = grads[x0 + dx, y0 + dy]
        return g[..., 0] * (fx - dx) + g[..., 1] * (fy - dy)

    fade = lambda t: t * t * t * (t * (t * 6 - 15) + 10)   # noqa: E731
    u, v = fade(fx), fade(fy)
    top = corner(0, 0) * (1 - u) + corner(1, 0) * u
    bottom = corner(0, 1) * (1 - u) + corner(1, 1) * u
    return (top * (1 - v) + bottom * v) * np.sqrt(2)


def fbm(rng, xs, ys, frequency: float, octaves: int = 5, ridged: bool = False) -> np.ndarray:
    total, amplitude, norm = np.zeros_like(xs), 1.0, 0.0
    for k in range(octaves):
        n = _gradient_noise(rng, xs, ys, frequency * 2 ** k)
        total += amplitude * ((1 - np.abs(n)) * 2 - 1 if ridged else n)
        norm += amplitude
        amplitude *= 0.5
    return total / norm


def thermal_erosion(h: np.ndarray, cell: float, talus_deg: float = 38.0, iterations: int = 12, rate: float = 0.25):
    """Move material downhill wherever the slope to a 4-neighbour exceeds the talus angle (cheap, stable)."""
    h = h.copy()
    limit = np.tan(np.deg2rad(talus_deg)) * cell
    for _ in range(iterations):
        for axis in (0, 1):
            diff = np.diff(h, axis=axis)                   # h[i+1] - h[i]
            excess = (np.abs(diff) - limit).clip(min=0) * np.sign(diff) * rate / 2
            pad = [(0, 0), (0, 0)]
            pad[axis] = (0, 1)
            h += np.pad(excess, pad)                       # the higher side loses, the lower side gains
            pad[axis] = (1, 0)
            h -= np.pad(excess, pad)
    return h


@dataclass
class Terrain:
    biome: str
    extent: float               # metres, the square [-extent/2, extent/2]^2
    heights: np.ndarray         # (N, N), row = y index, column = x index
    water_level: float | None
    moisture: np.ndarray        # (N, N) in [0, 1]

    @property
    def cell(self) -> float:
        return self.extent / (self.heights.shape[0] - 1)

    def height_at(self, x, y):
        """Bilinear height at world (x, y): exactly the triangulated surface along grid lines, within the triangle
        split elsewhere (the renderer's surface is planar per triangle)."""
        n = self.heights.shape[0]
        gx = np.clip((np.asarray(x) + self.extent / 2) / self.cell, 0, n - 1.000001)
        gy = np.clip((np.asarray(y) + self.extent / 2) / self.cell, 0, n - 1.000001)
        i, j = np.floor(gy).astype(int), np.floor(gx).astype(int)
        fy, fx = gy - i, gx - j
        h = self.heights
        return (h[i, j] * (1 - fx) * (1 - fy) + h[i, j + 1] * fx * (1 - fy) + h[i + 1, j] * (1 - fx) * fy
                + h[i + 1, j + 1] * fx * fy)

    def slope_deg(self) -> np.ndarray:
        gy, gx = np.gradient(self.heights, self.cell)
        return np.rad2deg(np.arctan(np.hypot(gx, gy)))


def make_terrain(rng: np.random.Generator, biome: str, extent: float, resolution: int) -> Terrain:
    amplitude, ridged_share, frequency, water, _, _ = BIOMES[biome]
    axis = np.linspace(0, 1, resolution + 1)
    xs, ys = np.meshgrid(axis, axis)
    base = fbm(rng, xs, ys, frequency)
    ridges = fbm(rng, xs, ys, frequency, ridged=True)
    h = ((1 - ridged_share) * base + ridged_share * ridges) * amplitude
    if biome == "canyon":       # a winding gorge cut into a plateau
        path = 0.5 + 0.18 * _gradient_noise(rng, ys * 0 + 0.3, ys, 2.0)
        h = np.maximum(h, amplitude * 0.3) - amplitude * 0.9 * np.exp(-((xs - path) / 0.07) ** 2)
    if biome == "coast":        # land rises inland, drops under the sea on one side
        h += amplitude * (1.4 * ys - 0.55)
    if biome == "plains":       # a shallow river valley
        path = 0.5 + 0.2 * _gradient_noise(rng, xs, xs * 0 + 0.7, 1.5)
        h -= 6.0 * np.exp(-((ys - path) / 0.05) ** 2)
    h = thermal_erosion(h, extent / resolution)
    moisture = (fbm(rng, xs, ys, 3.0) + 1) / 2
    water_level = {"none": None, "sea": 0.0, "lake": float(np.quantile(h, rng.uniform(0.05, 0.15))),
                   "river": float(np.quantile(h, 0.03))}[water]
    return Terrain(biome, extent, h, water_level, moisture)


def surface_classes(t: Terrain, season: str) -> np.ndarray:
    """Surface name index (into SURFACES) per grid vertex from slope, altitude, water and season."""
    amplitude, _, _, _, snowline, dry = BIOMES[t.biome]
    slope = t.slope_deg()
    h = t.heights
    lo, hi = h.min(), h.max()
    cls = np.full(h.shape, SURFACES.index("sand" if dry else "grass"))
    cls[(t.moisture < 0.4) & ~dry] = SURFACES.index("soil")
    if t.water_level is not None:
        cls[h < t.water_level + 1.5] = SURFACES.index("sand")               # shores and river beds
    if snowline is not None or season == "winter":
        line = lo + (hi - lo) * (snowline if snowline is not None and snowline > 0 else 0.0)
        if season == "winter" and not dry:
            line = min(line, lo + (hi - lo) * 0.15)
        cls[h >= line] = SURFACES.index("snow")
    cls[slope > 35] = SURFACES.index("rock")
    return cls


def terrain_meshes(t: Terrain, classes: np.ndarray) -> dict:
    """One mesh per surface class present: {surface: Mesh}. A face takes the class most of its corners have."""
    n = t.heights.shape[0]
    axis = np.linspace(-t.extent / 2, t.extent / 2, n)
    gx, gy = np.meshgrid(axis, axis)
    vertices = np.column_stack([gx.ravel(), gy.ravel(), t.heights.ravel()])
    faces = grid_faces(n)
    corner_cls = classes.ravel()[faces]
    face_cls = _majority(corner_cls, len(SURFACES))
    meshes = {}
    for k, name in enumerate(SURFACES):
        sel = faces[face_cls == k]
        if not len(sel):
            continue
        used, remap = np.unique(sel, return_inverse=True)
        meshes[name] = Mesh(vertices[used], remap.reshape(-1, 3), np.zeros(len(sel), dtype=np.int64))
    return meshes


def grid_faces(n: int) -> np.ndarray:
    """Two triangles per cell of an n x n vertex grid (row-major vertex indices)."""
    idx = np.arange(n * n).reshape(n, n)
    a, b, c, d = idx[:-1, :-1].ravel(), idx[:-1, 1:].ravel(), idx[1:, 1:].ravel(), idx[1:, :-1].ravel()
    return np.concatenate([np.column_stack([a, b, c]), np.column_stack([a, c, d])])


def _majority(rows: np.ndarray, n_classes: int) -> np.ndarray:
    counts = np.zeros((len(rows), n_classes), dtype=np.int64)
    for j in range(rows.shape[1]):
        np.add.at(counts, (np.arange(len(rows)), rows[:, j]), 1)
    return counts.argmax(axis=1)


def road_mesh(t: Terrain, path_xy: np.ndarray, width: float, lift: float = 0.4) -> Mesh:
    """A ribbon of `width` along a polyline, resampled finer than the terrain grid and draped `lift` above it."""
    seg = np.linalg.norm(np.diff(path_xy, axis=0), axis=1)
    s = np.concatenate([[0], np.cumsum(seg)])
    samples = np.linspace(0, s[-1], max(2, int(s[-1] / (t.cell / 2)) + 1))
    xy = np.column_stack([np.interp(samples, s, path_xy[:, 0]), np.interp(samples, s, path_xy[:, 1])])
    tangent = np.gradient(xy, axis=0)
    tangent /= np.linalg.norm(tangent, axis=1, keepdims=True)
    normal = np.column_stack([-tangent[:, 1], tangent[:, 0]]) * width / 2
    sides = [xy + normal, xy - normal]
    vertices = np.vstack([np.column_stack([p, t.height_at(p[:, 0], p[:, 1]) + lift]) for p in sides])
    n = len(xy)
    i = np.arange(n - 1)
    faces = np.concatenate([np.column_stack([i, i + 1, n + i + 1]), np.column_stack([i, n + i + 1, n + i])])
    return Mesh(vertices, faces, np.zeros(len(faces), dtype=np.int64))


def border_falloff(t: Terrain, margin: float = 0.12) -> Terrain:
    """Ease heights to a common base near the border so the far ground plane continues the terrain seamlessly."""
    n = t.heights.shape[0]
    d = np.minimum(np.arange(n), np.arange(n)[::-1]) / (n - 1) / margin
    w1 = np.clip(d, 0, 1)
    w = np.outer(w1, w1)
    w = w * w * (3 - 2 * w)
    base = base_level(t)
    t.heights = base + (t.heights - base) * w
    return t


def base_level(t: Terrain) -> float:
    return float(np.quantile(t.heights, 0.2))


def water_surface(rng, t: Terrain, kind: str, far_half: float, cells: int = 400) -> Mesh:
    """The water over the terrain patch as a waved grid (in the water's frame, z = 0 at rest), its faces in shallow
    water (< 0.3 m) in material 1 (foam at the shore), the rest in material 0; the sea continues flat to `far_half`.
    Waves: a few directional swells round one wind direction, steepness a few per cent; they die out towards the
    shore (amplitude with depth over 3 m), so the water meets the land along the terrain's own contour."""
    wind = rng.uniform(0, 2 * np.pi)
    wavelengths = rng.uniform(*((4.0, 24.0) if kind == "sea" else (1.5, 8.0)), 6)
    angles = wind + rng.uniform(-0.7, 0.7, 6)
    phases = rng.uniform(0, 2 * np.pi, 6)
    steepness = rng.uniform(0.02, 0.04) / np.sqrt(len(wavelengths))
    axis = np.linspace(-t.extent / 2, t.extent / 2, cells + 1)
    gx, gy = np.meshgrid(axis, axis)
    depth = t.water_level - t.height_at(gx.ravel(), gy.ravel())
    z = np.zeros(len(depth))
    for lam, angle, phase in zip(wavelengths, angles, phases):
        k = 2 * np.pi / lam
        z += steepness / k * np.sin(k * (gx.ravel() * np.cos(angle) + gy.ravel() * np.sin(angle)) + phase)
    edge = np.minimum(t.extent / 2 - np.abs(gx.ravel()), t.extent / 2 - np.abs(gy.ravel())) / (0.1 * t.extent)
    z *= np.clip(depth / 3.0, 0.0, 1.0) * np.clip(edge, 0.0, 1.0)      # calm at the border: the far sea is flat
    faces = grid_faces(cells + 1)
    face_depth = depth[faces]
    wet = face_depth.max(axis=1) > -0.5                                   # faces not buried under land
    faces, face_depth = faces[wet], face_depth[wet]
    vertices = np.column_stack([gx.ravel(), gy.ravel(), z])
    face_material = (face_depth.min(axis=1) < 0.3).astype(np.int64)
    if kind == "sea":
        ring_v, ring, _ = square_ring(t.extent / 2, far_half, 0.0)
        faces = np.vstack([faces, ring + len(vertices)])
        vertices = np.vstack([vertices, ring_v])
        face_material = np.concatenate([face_material, np.zeros(len(ring), np.int64)])
    used, remap = np.unique(faces, return_inverse=True)
    return Mesh(vertices[used], remap.reshape(-1, 3), face_material)
