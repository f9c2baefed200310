"""Mask -> polygon for YOLO segment / Cityscapes: filling the polygon gives back exactly the mask (holes included)."""
import numpy as np
from test_exports import _fill

from engine.exports.polygons import mask_polygons, merged_polygon


def test_random_masks_round_trip_exactly():
    rng = np.random.default_rng(0)
    for _ in range(300):
        h, w = rng.integers(1, 20, 2)
        mask = rng.random((h, w)) < rng.uniform(0.1, 0.9)
        if mask.any():
            assert np.array_equal(_fill(merged_polygon(mask_polygons(mask)), h, w), mask)


def test_a_ring_keeps_its_hole_and_a_square_is_four_corners():
    ring = np.ones((5, 5), bool)
    ring[2, 2] = False
    loops = mask_polygons(ring)
    assert len(loops) == 2 and sorted(len(l) for l in loops) == [4, 4]
    square = np.zeros((4, 4), bool)
    square[1:3, 1:3] = True
    assert mask_polygons(square)[0].tolist() in ([[1, 1], [3, 1], [3, 3], [1, 3]], [[3, 1], [3, 3], [1, 3], [1, 1]],
                                                  [[3, 3], [1, 3], [1, 1], [3, 1]], [[1, 3], [1, 1], [3, 1], [3, 3]])
