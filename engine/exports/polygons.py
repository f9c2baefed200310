"""Mask outlines as polygons along pixel edges, exact enough that filling them gives the mask back (YOLO segment,
Cityscapes polygons)."""
from __future__ import annotations

import numpy as np


def mask_polygons(mask: np.ndarray) -> list:
    """The boundaries of a mask as closed loops along pixel edges: (N, 2) arrays of (x, y) pixel-corner coordinates,
    collinear points dropped. Outer boundaries wind one way (positive area, y down), holes the other, so filling all
    loops even-odd (or non-zero) gives back exactly the mask's pixels."""
    m = np.pad(mask.astype(bool), 1)
    edges = {}

    def add(x0, y0, x1, y1):
        for a, b in zip(zip(x0.tolist(), y0.tolist()), zip(x1.tolist(), y1.tolist())):
            edges.setdefault(a, []).append(b)

    # directed boundary edges with the region on the right of travel
    i, c = np.nonzero(m[1:, :] & ~m[:-1, :])
    add(c, i + 1, c + 1, i + 1)                  # region below a horizontal edge: left to right
    i, c = np.nonzero(m[:-1, :] & ~m[1:, :])
    add(c + 1, i + 1, c, i + 1)                  # region above: right to left
    r, j = np.nonzero(m[:, 1:] & ~m[:, :-1])
    add(j + 1, r + 1, j + 1, r)                  # region right of a vertical edge: upwards
    r, j = np.nonzero(m[:, :-1] & ~m[:, 1:])
    add(j + 1, r, j + 1, r + 1)                  # region left: downwards
    loops = []
    while edges:
        start = next(iter(edges))
        loop, point, heading = [start], start, None
        while True:
            options = edges[point]
            # at a pinch (regions touching only at a corner) turn right first: the region, on our right, stays whole
            if heading is not None and len(options) > 1:
                options.sort(key=lambda q: np.cross(heading, (q[0] - point[0], q[1] - point[1])))
            nxt = options.pop()
            if not options:
                del edges[point]
            heading = (nxt[0] - point[0], nxt[1] - point[1])
            if nxt == start:
                break
            loop.append(nxt)
            point = nxt
        pts = np.array(loop, dtype=np.float64) - 1.0                  # undo the padding
        turn = np.cross(pts - np.roll(pts, 1, axis=0), np.roll(pts, -1, axis=0) - pts)
        loops.append(pts[turn != 0])
    return loops


def merged_polygon(loops: list) -> np.ndarray:
    """Several loops (regions and holes) as one polygon, as YOLO keeps one per object: visit each loop and come back
    along the same zero-width bridges, which add nothing to an even-odd or non-zero fill."""
    seq = []
    for loop in loops:
        seq += list(loop) + [loop[0]]
    seq += [loop[0] for loop in loops[-2::-1]]
    return np.array(seq)
