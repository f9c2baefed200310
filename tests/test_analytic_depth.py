"""Depth and normals of an analytic scene (a ground plane and a sphere) against their closed forms. Both wear materials
with strong procedural bump (rock, brick): the normal label is the geometry's, which bump must not change."""
import numpy as np
import pytest
import trimesh

from engine.geometry import look_at, pose
from engine.spec import Camera, Environment, Material, Mesh, SceneObject, SceneSpec

pytestmark = pytest.mark.render

HEIGHT = 2.0                                  # camera height above the plane z = 0
CENTRE, RADIUS = np.array([0.8, 7.0, 1.2]), 1.0


def _analytic_scene(width=96, height=72):
    rock = [Material("grey rock", (0.5, 0.5, 0.5), kind="rock", seed=3)]
    brick = [Material("grey brick", (0.5, 0.5, 0.5), kind="brick", seed=4)]
    r = 400.0
    plane = Mesh(np.array([[-r, -r, 0], [r, -r, 0], [r, r, 0], [-r, r, 0]], float), np.array([[0, 1, 2], [0, 2, 3]]),
                 np.zeros(2, dtype=np.int64))
    ball = trimesh.creation.icosphere(subdivisions=6, radius=RADIUS)     # ~80k faces: sagitta ~1e-5 of the radius
    sphere = Mesh(np.asarray(ball.vertices), np.asarray(ball.faces), np.zeros(len(ball.faces), dtype=np.int64))
    camera = Camera(width=width, height=height, lens_mm=30.0, poses=[look_at((0, 0, HEIGHT), (0.3, 10, 0.6))])
    env = Environment((0.3, -0.5, 0.8), (1, 1, 1), 3.0, 1.0, (0.2, 0.3, 0.8), (0.7, 0.8, 0.9), (0.2, 0.2, 0.2), 1.0)
    return SceneSpec("test", "analytic", [SceneObject(1, "ground", "plane", plane, rock, [pose()]),
                                         SceneObject(2, "context/tree", "sphere", sphere, brick, [pose(CENTRE)])],
                     camera, env)


def _rays_world(spec):
    """Per pixel: world direction of the ray through its centre, scaled so its camera-z component is 1."""
    K, w2c = spec.camera.K(), spec.camera.world_to_camera(0)
    v, u = np.mgrid[0:spec.camera.height, 0:spec.camera.width]
    cam = np.stack([(u + 0.5 - K[0, 2]) / K[0, 0], (v + 0.5 - K[1, 2]) / K[1, 1], np.ones(u.shape)], axis=-1)
    return cam @ w2c[:3, :3], np.linalg.inv(w2c)[:3, 3]


def test_depth_and_normals_match_the_closed_form(backend):
    spec = _analytic_scene()
    backend.build(spec)
    passes = backend.render(spec)[0]
    backend.reset()
    rays, origin = _rays_world(spec)
    depth, instance = passes.depth.astype(np.float64), passes.instance

    # plane z = 0: origin_z + t * ray_z = 0, and t is the planar depth because the ray's camera-z is 1
    plane_depth = -origin[2] / rays[..., 2]
    on_plane = instance == 1
    assert on_plane.sum() > 1000
    assert np.max(np.abs(depth[on_plane] / plane_depth[on_plane] - 1)) < 1e-3

    # sphere: nearest root of |origin + t * ray - centre|^2 = r^2
    oc = origin - CENTRE
    a, b, c = np.sum(rays * rays, -1), 2 * np.sum(rays * oc, -1), oc @ oc - RADIUS ** 2
    disc = b * b - 4 * a * c
    sphere_depth = (-b - np.sqrt(np.maximum(disc, 0))) / (2 * a)
    miss_distance_sq = RADIUS ** 2 - disc / (4 * a)            # squared distance from the centre to the ray
    on_sphere = (instance == 2) & (miss_distance_sq < (0.95 * RADIUS) ** 2)   # skip the grazing silhouette
    assert on_sphere.sum() > 200
    assert np.max(np.abs(depth[on_sphere] / sphere_depth[on_sphere] - 1)) < 1e-3

    # the analytic hit/miss decides which object each pixel shows, but for silhouette pixels
    sphere_hit = disc > 0
    assert np.mean((instance == 2) == sphere_hit) > 0.995

    # camera-space normals: the plane's is R_w2c @ (0, 0, 1)
    up_in_camera = spec.camera.world_to_camera(0)[:3, :3] @ [0, 0, 1]
    assert np.allclose(passes.normal[on_plane], up_in_camera, atol=1e-3)
    # and the sphere's is the direction from its centre to the surface point, bricks' bump or not
    points = origin + rays[on_sphere] * sphere_depth[on_sphere][:, None]
    outward = (points - CENTRE) / RADIUS @ spec.camera.world_to_camera(0)[:3, :3].T
    angle = np.degrees(np.arccos(np.clip(np.sum(outward * passes.normal[on_sphere], axis=1), -1, 1)))
    assert np.max(angle) < 1.0, np.max(angle)
