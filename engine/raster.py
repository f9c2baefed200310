"""Coverage rasteriser: which pixel centres each object's triangles cover, ignoring every other object (amodal masks).

It samples pixel centres (i + 0.5, j + 0.5), as the render does with its ~zero-width pixel filter, after clipping the
triangles to the camera's near plane, so an unoccluded render of an object alone covers the same pixels. All objects of
a frame are rasterised in one vectorised pass (thousands of plants cost one pass, not thousands).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.geometry import pinhole

MAX_CANDIDATES = 2_000_000   # pixel tests per chunk, bounds memory


def _clip_near(tri: np.ndarray, owner: np.ndarray, near: float):
    """Camera-space triangles (M, 3, 3) clipped to z >= near; returns the clipped triangles and their owners."""
    inside = tri[:, :, 2] >= near
    count = inside.sum(axis=1)
    keep, keep_owner = [tri[count == 3]], [owner[count == 3]]
    for n_in in (1, 2):
        sel = count == n_in
        if not sel.any():
            continue
        t, ins = tri[sel], inside[sel]
        # roll each triangle so the odd vertex (the lone inside one, or the lone outside one) comes first
        odd = np.argmax(ins if n_in == 1 else ~ins, axis=1)
        idx = (odd[:, None] + np.arange(3)) % 3
        t = np.take_along_axis(t, idx[:, :, None], axis=1)
        a, b, c = t[:, 0], t[:, 1], t[:, 2]
        ab = a + (b - a) * ((near - a[:, 2]) / (b[:, 2] - a[:, 2]))[:, None]
        ac = a + (c - a) * ((near - a[:, 2]) / (c[:, 2] - a[:, 2]))[:, None]
        if n_in == 1:          # a inside: one smaller triangle
            keep.append(np.stack([a, ab, ac], axis=1))
            keep_owner.append(owner[sel])
        else:                  # a outside: the quad b, c, ac, ab as two triangles
            keep += [np.stack([b, c, ac], axis=1), np.stack([b, ac, ab], axis=1)]
            keep_owner += [owner[sel], owner[sel]]
    return np.concatenate(keep, axis=0), np.concatenate(keep_owner)


@dataclass
class Coverage:
    """Per-object results of one rasterisation pass (objects indexed 0..n-1 as given)."""
    owner: np.ndarray        # (P,) object index of each covered (object, pixel) pair, unique pairs
    pixel: np.ndarray        # (P,) linear pixel index (row * width + col)
    box: np.ndarray          # (n, 4) [x, y, w, h] of each projection on the pixel grid, clipped; -1 when out of view
    truncated: np.ndarray    # (n,) the projection reaches past the image border


def rasterize(meshes: list, n_objects: int, K: np.ndarray, width: int, height: int, near: float) -> Coverage:
    """Coverage of mesh groups: (camera-space vertices (k, V, 3) of k objects sharing one mesh, faces (F, 3), object
    index of each of the k). Vertices are projected once; only triangles that can reach a pixel centre are gathered
    (a landscape's millions of plant triangles are mostly outside the view), and only those crossing the near plane
    are clipped. Boxes come from the same points as before: the projected vertices in front of the near plane and
    the clipped edges' ends."""
    lo = np.full((n_objects, 2), np.inf)
    hi = np.full((n_objects, 2), -np.inf)
    kept_uv, kept_owner = [], []
    for vertices, faces, members in meshes:
        uv, owner_of, straddling = _front_triangles(vertices, faces, np.asarray(members), near, K, width, height, lo, hi)
        kept_uv.append(uv)
        kept_owner.append(owner_of)
        if len(straddling[0]):
            clipped, clipped_owner = _clip_near(*straddling, near)
            clipped_uv = pinhole(clipped, K)
            np.minimum.at(lo, clipped_owner, clipped_uv.min(axis=1))
            np.maximum.at(hi, clipped_owner, clipped_uv.max(axis=1))
            kept_uv.append(clipped_uv)
            kept_owner.append(clipped_owner)
    box = np.full((n_objects, 4), -1, dtype=np.int64)
    truncated = np.zeros(n_objects, dtype=bool)
    # per object: bounds of the projection, snapped outwards to pixel edges so that every pixel whose centre the
    # projection covers lies inside, then clipped to the image
    seen = np.isfinite(lo[:, 0])
    truncated[seen] = np.any(lo[seen] < 0, axis=1) | (hi[seen, 0] > width) | (hi[seen, 1] > height)
    glo = np.maximum(np.floor(lo[seen]), 0)
    ghi = np.minimum(np.ceil(hi[seen]), [width, height])
    inside = np.all(ghi > glo, axis=1)
    rows = np.flatnonzero(seen)[inside]
    box[rows] = np.column_stack([glo[inside], ghi[inside] - glo[inside]]).astype(np.int64)
    if not kept_uv:
        return Coverage(np.zeros(0, np.int64), np.zeros(0, np.int64), box, truncated)
    keys = _covered_pixels(np.concatenate(kept_uv), np.concatenate(kept_owner), width, height)
    return Coverage(keys // (width * height), keys % (width * height), box, truncated)


def _front_triangles(vertices, faces, members, near, K, width, height, lo, hi):
    """One mesh group: widens the objects' bounds `lo`/`hi` by their projected vertices in front of the near plane,
    and returns the projected triangles wholly in front that may cover a pixel centre (with their objects), and the
    triangles crossing the near plane (camera space, with their objects) for clipping."""
    front = vertices[..., 2] >= near                                       # (k, V)
    uv = pinhole(vertices, K)                                              # behind the camera: unused
    used = np.zeros(vertices.shape[1], dtype=bool)
    used[faces] = True
    shown = front & used
    if shown.any():
        np.minimum.at(lo, members, np.where(shown[..., None], uv, np.inf).min(axis=1))
        np.maximum.at(hi, members, np.where(shown[..., None], uv, -np.inf).max(axis=1))
    # a triangle whose vertices all lie past one side of the pixel centres' range covers none (the same rounding as
    # _covered_pixels' index ranges, so this drops only what it would drop)
    with np.errstate(invalid="ignore"):
        first, last = np.ceil(uv - 0.5), np.floor(uv - 0.5)
        side = ((last[..., 0] < 0) | ((first[..., 0] > width - 1) << 1) | ((last[..., 1] < 0) << 2)
                | ((first[..., 1] > height - 1) << 3)).astype(np.uint8)
    a, b, c = faces.T                 # per-corner gathers: numpy reduces a length-3 axis slowly
    n_front = front[:, a].astype(np.uint8) + front[:, b] + front[:, c]     # (k, F)
    outside = side[:, a] & side[:, b] & side[:, c]
    k, f = np.nonzero((n_front == 3) & (outside == 0))
    ks, fs = np.nonzero((n_front > 0) & (n_front < 3))
    return (uv[k[:, None], faces[f]], members[k],
            (vertices[ks[:, None], faces[fs]], members[ks]))


def _covered_pixels(uv: np.ndarray, owner: np.ndarray, width: int, height: int) -> np.ndarray:
    """Unique keys owner * (width * height) + pixel of every pixel centre a projected triangle (N, 3, 2) covers."""
    # per triangle: the pixel-centre index ranges it can cover, clipped to the image
    a, b, c = uv[:, 0], uv[:, 1], uv[:, 2]
    tlo = np.maximum(np.ceil(np.minimum(np.minimum(a, b), c) - 0.5).astype(np.int64), 0)
    thi = np.minimum(np.floor(np.maximum(np.maximum(a, b), c) - 0.5).astype(np.int64), [width - 1, height - 1])
    w, h = thi[:, 0] - tlo[:, 0] + 1, thi[:, 1] - tlo[:, 1] + 1
    area2 = ((uv[:, 1, 0] - uv[:, 0, 0]) * (uv[:, 2, 1] - uv[:, 0, 1])
             - (uv[:, 2, 0] - uv[:, 0, 0]) * (uv[:, 1, 1] - uv[:, 0, 1]))
    ok = (w > 0) & (h > 0) & (np.abs(area2) > 1e-12)
    uv, tlo, thi, h, sign, owner = uv[ok], tlo[ok], thi[ok], h[ok], np.sign(area2[ok]), owner[ok]
    n = w[ok] * h              # candidates at most (the box)
    keys, start = [], 0
    while start < len(n):      # chunk the triangles so the candidate arrays stay bounded
        stop = start + max(1, int(np.searchsorted(np.cumsum(n[start:]), MAX_CANDIDATES)))
        t_idx, py, x0, x1 = _row_spans(uv, sign, tlo, thi, h, start, stop)
        row, offset = _runs(x1 - x0 + 1)
        px, t_idx, py = x0[row] + offset, t_idx[row], py[row]
        covered = _inside(uv[t_idx], sign[t_idx], px + 0.5, py + 0.5)
        keys.append(owner[t_idx[covered]] * (width * height) + py[covered] * width + px[covered])
        start = stop
    return np.unique(np.concatenate(keys)) if keys else np.zeros(0, np.int64)


def _row_spans(uv, sign, tlo, thi, h, start: int, stop: int):
    """Triangles start..stop, per pixel row they span: (triangle, row, first and last candidate column). Each edge
    bounds the centres' x on one side; the bounds are widened by a pixel and the candidates tested exactly
    (_inside), so rounding here can only add candidates, never lose a covered centre."""
    triangle, offset = _runs(h[start:stop])
    t_idx = start + triangle
    py = tlo[t_idx, 1] + offset
    t, s, y = uv[t_idx], sign[t_idx], py + 0.5
    lo, hi = tlo[t_idx, 0].astype(np.float64), thi[t_idx, 0].astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        for i in range(3):     # s * edge(X) >= 0  <=>  s * dy * (X - ax) <= s * dx * (y - ay)
            a, b = t[:, i], t[:, (i + 1) % 3]
            dx, dy = b[:, 0] - a[:, 0], b[:, 1] - a[:, 1]
            x = a[:, 0] + dx * (y - a[:, 1]) / dy - 0.5               # the bound on the column index
            upper, lower = s * dy > 0, s * dy < 0
            hi = np.where(upper, np.minimum(hi, np.floor(x) + 1), hi)     # a horizontal edge (dy 0) bounds no x:
            lo = np.where(lower, np.maximum(lo, np.ceil(x) - 1), lo)      # the box's rows lie on its inner side
    # within the box already; a sliver's bound may be far outside it (clipped before the cast to integers)
    x0 = np.minimum(lo, thi[t_idx, 0] + 1).astype(np.int64)
    x1 = np.maximum(hi, tlo[t_idx, 0] - 1).astype(np.int64)
    keep = x1 >= x0
    return t_idx[keep], py[keep], x0[keep], x1[keep]


def _runs(counts: np.ndarray) -> tuple:
    """Runs of the given lengths laid end to end: each element's run and its place in that run."""
    run = np.repeat(np.arange(len(counts)), counts)
    return run, np.arange(len(run)) - np.repeat(np.cumsum(counts) - counts, counts)


def _inside(t: np.ndarray, s: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Whether points (x, y) lie in triangles t (k, 3, 2) of orientation s: all edge functions >= 0 (a centre on an
    edge counts as covered)."""
    covered = np.ones(len(x), dtype=bool)
    for i in range(3):
        a, b = t[:, i], t[:, (i + 1) % 3]
        e = (b[:, 0] - a[:, 0]) * (y - a[:, 1]) - (b[:, 1] - a[:, 1]) * (x - a[:, 0])
        covered &= e * s >= 0
    return covered


def raycast_coverage(tri_cam: np.ndarray, owner: np.ndarray, n_objects: int, rays: np.ndarray, width: int,
                     near: float) -> Coverage:
    """Coverage for cameras that are not pinholes (panoramas): cast every pixel's ray through all triangles and keep
    every object it crosses (not only the first), with open3d's Embree ray caster. Boxes are the amodal masks' bounds."""
    import open3d as o3d
    scene = o3d.t.geometry.RaycastingScene()
    scene.add_triangles(o3d.core.Tensor(tri_cam.reshape(-1, 3).astype(np.float32)),
                        o3d.core.Tensor(np.arange(len(tri_cam) * 3, dtype=np.uint32).reshape(-1, 3)))
    unit = rays / np.linalg.norm(rays, axis=1, keepdims=True)
    hits = scene.list_intersections(o3d.core.Tensor(np.column_stack([np.zeros_like(unit), unit]).astype(np.float32)))
    keep = hits["t_hit"].numpy() >= near
    pixel = hits["ray_ids"].numpy().astype(np.int64)[keep]
    obj = owner[hits["primitive_ids"].numpy().astype(np.int64)[keep]]
    keys = np.unique(obj * len(rays) + pixel)
    cov_owner, cov_pixel = keys // len(rays), keys % len(rays)
    box = np.full((n_objects, 4), -1, dtype=np.int64)
    if len(keys):
        rows, cols = np.divmod(cov_pixel, width)
        lo = np.full((n_objects, 2), np.iinfo(np.int64).max)
        hi = np.full((n_objects, 2), -1)
        np.minimum.at(lo, cov_owner, np.column_stack([cols, rows]))
        np.maximum.at(hi, cov_owner, np.column_stack([cols, rows]))
        seen = hi[:, 0] >= 0
        box[seen] = np.column_stack([lo[seen], hi[seen] - lo[seen] + 1])
    return Coverage(cov_owner, cov_pixel, box, np.zeros(n_objects, dtype=bool))
