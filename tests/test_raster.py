"""The amodal coverage rasteriser against closed forms, and against casting every pixel centre's ray through every
triangle."""
import numpy as np

from engine.geometry import blender_to_opencv_world_to_camera, intrinsics, look_at, project, to_camera
from engine.raster import rasterize


def coverage_mask(vertices_world, faces, K, world_to_camera, width, height, near):
    """The amodal mask of one mesh."""
    cov = rasterize([(to_camera(vertices_world, world_to_camera)[None], faces, np.zeros(1, np.int64))], 1, K, width,
                    height, near)
    mask = np.zeros(height * width, dtype=bool)
    mask[cov.pixel] = True
    return mask.reshape(height, width)


def projected_bbox(vertices_world, faces, K, world_to_camera, width, height, near):
    """[x, y, w, h] of one mesh's near-clipped projection on the pixel grid (None out of view), and truncation."""
    cov = rasterize([(to_camera(vertices_world, world_to_camera)[None], faces, np.zeros(1, np.int64))], 1, K, width,
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


def _reference(triangles, owners, n_objects, K, width, height, near):
    """Brute force, one triangle at a time: the pixel centres whose camera ray meets the triangle at depth >= near
    (Moller-Trumbore), and each object's bounds over its triangles' corners in front of the near plane and the
    points where its edges cross it."""
    cols, rows = np.meshgrid(np.arange(width) + 0.5, np.arange(height) + 0.5)
    rays = np.stack([(cols - K[0, 2]) / K[0, 0], (rows - K[1, 2]) / K[1, 1], np.ones_like(cols)], -1).reshape(-1, 3)
    covered = np.zeros((n_objects, width * height), dtype=bool)
    lo, hi = np.full((n_objects, 2), np.inf), np.full((n_objects, 2), -np.inf)
    for (a, b, c), i in zip(triangles, owners):
        e1, e2 = b - a, c - a
        p = np.cross(rays, e2)
        det = p @ e1
        with np.errstate(divide="ignore", invalid="ignore"):
            u = (-a @ p.T) / det
            q = np.cross(-a, e1)
            v = (rays @ q) / det
            t = (q @ e2) / det
        covered[i] |= (u >= 0) & (v >= 0) & (u + v <= 1) & (t * rays[:, 2] >= near) & (det != 0)
        points = [x for x in (a, b, c) if x[2] >= near]
        for x, y in ((a, b), (b, c), (c, a)):
            if (x[2] - near) * (y[2] - near) < 0:
                points.append(x + (y - x) * (near - x[2]) / (y[2] - x[2]))
        for x in points:
            uv = K[:2, :2] @ (x[:2] / x[2]) + K[:2, 2]
            lo[i], hi[i] = np.minimum(lo[i], uv), np.maximum(hi[i], uv)
    return covered, lo, hi


def test_mesh_groups_cover_what_every_pixel_ray_meets_and_boxes_bound_the_clipped_projection():
    # three objects sharing one mesh (some triangles far outside the view, some through the near plane, some behind)
    # and one object alone; random triangles, so no pixel centre lies on an edge; a vertex no face uses widens nothing
    rng = np.random.default_rng(7)
    width, height, near = 48, 36, 0.5
    K = intrinsics(30.0, 36.0, width, height)
    shared = rng.uniform([-9, -7, -2], [9, 7, 12], (60, 3))
    faces = rng.integers(0, 60, (80, 3))
    faces = faces[(faces[:, 0] != faces[:, 1]) & (faces[:, 1] != faces[:, 2]) & (faces[:, 0] != faces[:, 2])]
    shifts = np.array([[0, 0, 0], [1.5, -0.5, 2.0], [40.0, 0, 5.0]])      # the third: wholly out of view
    alone = np.vstack([rng.uniform([-1, -1, 3], [1, 1, 4], (12, 3)), [[2.0, 0.0, 3.0]]])     # in view; the last unused
    alone_faces = np.arange(12).reshape(4, 3)
    groups = [(shared[None] + shifts[:, None], faces, np.array([0, 1, 2])), (alone[None], alone_faces, np.array([3]))]
    cov = rasterize(groups, 4, K, width, height, near)

    triangles = np.concatenate([v[:, f].reshape(-1, 3, 3) for v, f, _ in groups])
    owners = np.concatenate([np.repeat(m, len(f)) for _, f, m in groups])
    covered, lo, hi = _reference(triangles, owners, 4, K, width, height, near)
    got = np.zeros_like(covered)
    got[cov.owner, cov.pixel] = True
    assert covered[:2].any() and covered[3].any() and not covered[2].any()
    assert np.array_equal(got, covered)
    for i in range(4):
        if not np.isfinite(lo[i, 0]):
            assert cov.box[i, 0] == -1
            continue
        x0, y0 = np.maximum(np.floor(lo[i]), 0)
        x1, y1 = np.minimum(np.ceil(hi[i]), [width, height])
        assert cov.box[i].tolist() == ([int(x0), int(y0), int(x1 - x0), int(y1 - y0)] if x1 > x0 and y1 > y0 else [-1] * 4)
        assert cov.truncated[i] == bool(np.any(lo[i] < 0) or hi[i, 0] > width or hi[i, 1] > height)
    assert not cov.truncated[3]


def test_row_spans_lose_no_centre_on_edges_corners_or_flat_edges():
    """Triangles with corners on half pixels (centres exactly on edges and corners), horizontal and vertical edges,
    both windings, slivers and triangles far larger than the image: the covered centres are exactly those every edge
    function calls inside or on the edge (K is the identity, so camera x, y at z = 1 are pixel coordinates)."""
    rng = np.random.default_rng(7)
    width, height = 40, 30
    corners = np.round(rng.uniform(-6, 46, (300, 3, 2)) * 2) / 2
    corners[::4, 1, 1] = corners[::4, 0, 1]                          # a horizontal edge
    corners[1::4, 2, 0] = corners[1::4, 1, 0]                        # a vertical edge
    corners[2::9] = corners[2::9] * 40 - 600                         # far larger than the image
    corners[3::9, 2] = corners[3::9, 0] + (corners[3::9, 1] - corners[3::9, 0]) * 0.5 + 1e-3   # slivers
    vertices = np.concatenate([corners.reshape(-1, 2), np.ones((corners.size // 2, 1))], axis=1)
    faces = np.arange(len(vertices)).reshape(-1, 3)
    cov = rasterize([(vertices[None], faces, np.zeros(1, np.int64))], 1, np.eye(3), width, height, 0.1)
    x, y = np.meshgrid(np.arange(width) + 0.5, np.arange(height) + 0.5)
    expected = np.zeros((height, width), dtype=bool)
    for a, b, c in corners:
        area = (b[0] - a[0]) * (c[1] - a[1]) - (c[0] - a[0]) * (b[1] - a[1])
        if abs(area) <= 1e-12:
            continue
        edges = [(q[0] - p[0]) * (y - p[1]) - (q[1] - p[1]) * (x - p[0]) for p, q in ((a, b), (b, c), (c, a))]
        expected |= np.all([e * np.sign(area) >= 0 for e in edges], axis=0)
    got = np.zeros(height * width, dtype=bool)
    got[cov.pixel] = True
    assert np.array_equal(got.reshape(height, width), expected)
