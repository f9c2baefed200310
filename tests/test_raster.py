"""The amodal coverage rasteriser against closed forms."""
import numpy as np

from engine.geometry import look_at, intrinsics, blender_to_opencv_world_to_camera, project
from engine.raster import coverage_mask, projected_bbox


def _camera(position, target, width=64, height=48, lens=35.0):
    K = intrinsics(lens, 36.0, width, height)
    return K, blender_to_opencv_world_to_camera(look_at(position, target))


def test_square_facing_the_camera_covers_exactly_the_pixel_centres_inside_it():
    K, w2c = _camera((0, -10, 0), (0, 0, 0))
    half = 1.3
    v = np.array([[-half, 0, -half], [half, 0, -half], [half, 0, half], [-half, 0, half]], float)
    faces = np.array([[0, 1, 2], [0, 2, 3]])
    mask = coverage_mask(v, faces, K, w2c, 64, 48, 0.1)
    uv, _ = project(v, K, w2c)
    (u0, v0), (u1, v1) = uv.min(axis=0), uv.max(axis=0)
    cols = (np.arange(64) + 0.5 >= u0) & (np.arange(64) + 0.5 <= u1)
    rows = (np.arange(48) + 0.5 >= v0) & (np.arange(48) + 0.5 <= v1)
    assert np.array_equal(mask, rows[:, None] & cols[None, :])
    box, truncated = projected_bbox(v, faces, K, w2c, 64, 48, 0.1)
    assert not truncated and box == [int(np.floor(u0)), int(np.floor(v0)), int(np.ceil(u1) - np.floor(u0)),
                                     int(np.ceil(v1) - np.floor(v0))]


def test_ground_plane_through_the_near_plane_covers_everything_below_the_horizon():
    # level camera 2 m above an infinite-looking ground: the horizon is the middle row, the plane passes behind us
    K, w2c = _camera((0, 0, 2.0), (0, 10, 2.0), width=40, height=30)
    r = 5000.0
    v = np.array([[-r, -r, 0], [r, -r, 0], [r, r, 0], [-r, r, 0]], float)
    mask = coverage_mask(v, np.array([[0, 1, 2], [0, 2, 3]]), K, w2c, 40, 30, 0.1)
    # rows whose centre looks below the horizon (y > cy) and hits the ground within 5 km
    rows = np.arange(30) + 0.5
    hits = (rows > K[1, 2]) & (2.0 * K[1, 1] / np.maximum(rows - K[1, 2], 1e-9) < r)
    assert np.array_equal(mask, np.repeat(hits[:, None], 40, axis=1))


def test_object_behind_the_camera_covers_nothing():
    K, w2c = _camera((0, 0, 0), (0, 10, 0))
    v = np.array([[-1, -5, -1], [1, -5, -1], [0, -5, 1]], float)
    assert not coverage_mask(v, np.array([[0, 1, 2]]), K, w2c, 64, 48, 0.1).any()
    assert projected_bbox(v, np.array([[0, 1, 2]]), K, w2c, 64, 48, 0.1)[0] is None
