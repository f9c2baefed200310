"""Coverage rasteriser: which pixel centres an object's triangles cover, ignoring every other object (its amodal mask).

It samples pixel centres (i + 0.5, j + 0.5), as the render does with its ~zero-width pixel filter, after clipping the
triangles to the camera's near plane, so an unoccluded render of the object alone covers the same pixels.
"""
from __future__ import annotations

import numpy as np

MAX_CANDIDATES = 2_000_000   # pixel tests per chunk, bounds memory


def _clip_near(tri: np.ndarray, near: float) -> np.ndarray:
    """Camera-space triangles (M, 3, 3) clipped to z >= near; returns (K, 3, 3)."""
    inside = tri[:, :, 2] >= near
    count = inside.sum(axis=1)
    keep = [tri[count == 3]]
    for n_in in (1, 2):
        t = tri[count == n_in]
        if not len(t):
            continue
        ins = inside[count == n_in]
        # roll each triangle so the odd vertex (the lone inside one, or the lone outside one) comes first
        odd = np.argmax(ins if n_in == 1 else ~ins, axis=1)
        idx = (odd[:, None] + np.arange(3)) % 3
        t = np.take_along_axis(t, idx[:, :, None], axis=1)
        a, b, c = t[:, 0], t[:, 1], t[:, 2]
        ab = a + (b - a) * ((near - a[:, 2]) / (b[:, 2] - a[:, 2]))[:, None]
        ac = a + (c - a) * ((near - a[:, 2]) / (c[:, 2] - a[:, 2]))[:, None]
        if n_in == 1:          # a inside: one smaller triangle
            keep.append(np.stack([a, ab, ac], axis=1))
        else:                  # a outside: a quad b, c, ac, ab -> two triangles
            keep.append(np.stack([b, c, ac], axis=1))
            keep.append(np.stack([b, ac, ab], axis=1))
    return np.concatenate(keep, axis=0)


def coverage_mask(vertices_world: np.ndarray, faces: np.ndarray, K: np.ndarray, world_to_camera: np.ndarray,
                  width: int, height: int, near: float) -> np.ndarray:
    cam = vertices_world @ world_to_camera[:3, :3].T + world_to_camera[:3, 3]
    tri = _clip_near(cam[faces], near)
    mask = np.zeros((height, width), dtype=bool)
    if not len(tri):
        return mask
    uv = tri[:, :, :2] / tri[:, :, 2:3] * [K[0, 0], K[1, 1]] + [K[0, 2], K[1, 2]]
    # pixel-centre index ranges each triangle can cover, clipped to the image
    lo = np.ceil(uv.min(axis=1) - 0.5).astype(np.int64)
    hi = np.floor(uv.max(axis=1) - 0.5).astype(np.int64)
    lo = np.maximum(lo, 0)
    hi = np.minimum(hi, [width - 1, height - 1])
    w, h = hi[:, 0] - lo[:, 0] + 1, hi[:, 1] - lo[:, 1] + 1
    area2 = ((uv[:, 1, 0] - uv[:, 0, 0]) * (uv[:, 2, 1] - uv[:, 0, 1]) - (uv[:, 2, 0] - uv[:, 0, 0]) * (uv[:, 1, 1] - uv[:, 0, 1]))
    ok = (w > 0) & (h > 0) & (np.abs(area2) > 1e-12)
    uv, lo, w, h, sign = uv[ok], lo[ok], w[ok], h[ok], np.sign(area2[ok])
    n = w * h
    start = 0
    while start < len(n):      # chunk the triangles so the candidate arrays stay bounded
        cum = np.cumsum(n[start:])
        stop = start + max(1, int(np.searchsorted(cum, MAX_CANDIDATES)))
        sl = slice(start, stop)
        counts = n[sl]
        tri_idx = np.repeat(np.arange(stop - start), counts)
        local = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
        px = lo[sl][tri_idx, 0] + local % w[sl][tri_idx]
        py = lo[sl][tri_idx, 1] + local // w[sl][tri_idx]
        p = np.stack([px + 0.5, py + 0.5], axis=1)
        t = uv[sl][tri_idx]
        s = sign[sl][tri_idx]
        inside = np.ones(len(p), dtype=bool)
        for i in range(3):     # edge functions, all >= 0 (boundary counts as covered)
            a, b = t[:, i], t[:, (i + 1) % 3]
            e = (b[:, 0] - a[:, 0]) * (p[:, 1] - a[:, 1]) - (b[:, 1] - a[:, 1]) * (p[:, 0] - a[:, 0])
            inside &= e * s >= 0
        mask[py[inside], px[inside]] = True
        start = stop
    return mask


def projected_bbox(vertices_world: np.ndarray, faces: np.ndarray, K: np.ndarray, world_to_camera: np.ndarray,
                   width: int, height: int, near: float):
    """[x, y, w, h] of the object's near-clipped projection on the pixel grid, clipped to the image; None if out of view.
    Also says whether the projection reaches past the image border (truncation)."""
    cam = vertices_world @ world_to_camera[:3, :3].T + world_to_camera[:3, 3]
    tri = _clip_near(cam[faces], near)
    if not len(tri):
        return None, False
    uv = (tri[:, :, :2] / tri[:, :, 2:3] * [K[0, 0], K[1, 1]] + [K[0, 2], K[1, 2]]).reshape(-1, 2)
    lo, hi = uv.min(axis=0), uv.max(axis=0)
    truncated = bool(lo[0] < 0 or lo[1] < 0 or hi[0] > width or hi[1] > height)
    # snapped outwards to pixel edges, so every pixel whose centre the projection covers lies inside the box
    lo, hi = np.maximum(np.floor(lo), 0), np.minimum(np.ceil(hi), [width, height])
    if np.any(hi <= lo):
        return None, truncated
    return [int(lo[0]), int(lo[1]), int(hi[0] - lo[0]), int(hi[1] - lo[1])], truncated
