"""The amodal coverage rasteriser against closed forms."""
import numpy as np

from engine.geometry import blender_to_opencv_world_to_camera, intrinsics, look_at, project, to_camera
from engine.raster import rasterize


def coverage_mask(vertices_world, faces, K, world_to_camera, width, height, near):
    """The amodal mask of one mesh."""
    cov = rasterize(to_camera(vertices_world, world_to_camera)[faces], np.zeros(len(faces), np.int64), 1, K, width,
                    height, near)
    mask = np.zeros(height * width, dtype=bool)
    mask[cov.pixel] = True
    return mask.reshape(height, width)


def projected_bbox(vertices_world, faces, K, world_to_camera, width, height, near):
    """[x, y, w, h] of one mesh's near-clipped projection on the pixel grid (None out of view), and truncation."""
    cov = rasterize(to_camera(vertices_world, world_to_camera)[faces], np.zeros(len(faces), np.int64), 1, K, width,
                    height, near)
    return (None if cov.box[0, 0] < 0 else cov.box[0].tolist()), bool(cov.truncated[0])


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
