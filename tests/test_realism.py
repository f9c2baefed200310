"""The photo look's scene detail and camera realism: rooms are closed and lit by their own lamps and windows, water
waves die out at the shore where the foam is, street clutter stands on the ground, and the optional camera effects
follow their model and never move a label."""
import numpy as np
import pytest

from engine.imaging import _blender_ocio, agx_to_srgb8, apply_haze, blender_dither, camera_effects, srgb8_to_linear
from engine.streams import Streams
from engine.taxonomy import load_taxonomy
from generators.context import PROPS, prop
from generators.terrain import Terrain, water_surface
from job.config import compose
from job.sample import SampleProducer
from scenes.motion.recipe import build as build_motion


def test_vignetting_follows_its_fall_off_and_noise_its_sensor_model():
    grey = np.full((200, 300, 3), 128, np.uint8)
    level = srgb8_to_linear(grey)[0, 0, 0]
    vignetted = srgb8_to_linear(camera_effects(grey, np.random.default_rng(0), 0.0, 0.5))
    # a corner pixel centre sits at r^2 just under 1; the centre at ~0
    r2 = ((0.5 - 150) ** 2 + (0.5 - 100) ** 2) / (150 ** 2 + 100 ** 2)
    assert vignetted[0, 0, 0] == pytest.approx(level / (1 + 0.5 * r2) ** 2, rel=0.02)
    assert vignetted[100, 150, 0] == pytest.approx(level, rel=0.01)
    noisy = srgb8_to_linear(camera_effects(grey, np.random.default_rng(0), 2.0, 0.0))
    expected_sigma = np.sqrt(0.004 * 2.0 * level + (0.002 * 2.0) ** 2)
    assert noisy.std() == pytest.approx(expected_sigma, rel=0.1)
    assert noisy.mean() == pytest.approx(level, rel=0.02)
    again = camera_effects(grey, np.random.default_rng(0), 2.0, 0.0)
    assert np.array_equal(again, camera_effects(grey, np.random.default_rng(0), 2.0, 0.0))   # seeded, repeatable
    assert camera_effects(grey, np.random.default_rng(0), 0.0, 0.0) is grey                 # off: untouched


def test_dither_keeps_sub_level_tones_instead_of_flat_bands():
    """Blender's dither before rounding to 8 bits: on a field whose display value sits between two levels the
    output mixes the two so that its mean is the value (a smooth sky keeps its gradient instead of stepping), and no
    pixel moves by more than one level."""
    noise = blender_dither(240, 320)
    assert abs(noise.mean()) * 255 < 0.01 and np.abs(noise).max() * 255 < 0.85
    assert noise.std() * 255 == pytest.approx(0.84 / np.sqrt(6), rel=0.05)        # triangular in [-0.84, 0.84)
    for linear in (0.05, 0.18, 0.6):
        field = np.full((240, 320, 3), linear, np.float32)
        display = field.copy()
        _blender_ocio("AgX - Medium High Contrast").applyRGB(display)
        out = agx_to_srgb8(field).astype(np.float64)
        assert abs(out.mean() - display.mean() * 255) < 0.03, linear
        assert np.abs(out - display * 255).max() <= 1.34             # rounding (0.5) plus at most 0.84 of dither


def test_ground_fog_thins_with_height_as_its_integral_says():
    """Each ray's haze against a numerical integral of density * exp(-z / H) along it, for rays level, rising and
    falling, and for the sky; uniform haze is the plain exp(-density * distance) of the ray's length."""
    density, scale_height, eye_z = 0.004, 30.0, 12.0
    directions = np.array([[[1.0, 0.0, 0.0], [1.0, 0.0, 0.3], [1.0, 0.0, -0.1], [0.0, 1.0, 0.5]]])   # ray per unit depth
    depth = np.array([[200.0, 150.0, 100.0, np.inf]])
    black = np.zeros((1, 4, 3), np.float32)
    hazed = apply_haze(black, depth, density, (1.0, 1.0, 1.0), rays=directions, eye_z=eye_z, scale_height=scale_height)
    for k in range(4):
        length = np.linalg.norm(directions[0, k])
        distance = depth[0, k] * length if np.isfinite(depth[0, k]) else 1500.0
        s = np.linspace(0.0, distance, 200001)
        z = eye_z + directions[0, k, 2] / length * s
        tau = np.trapz(density * np.exp(-z / scale_height), s)
        assert hazed[0, k, 0] == pytest.approx(1 - np.exp(-tau), rel=1e-4)
    uniform = apply_haze(black, depth, density, (1.0, 1.0, 1.0), rays=directions)
    assert uniform[0, 1, 0] == pytest.approx(1 - np.exp(-density * 150.0 * np.hypot(1.0, 0.3)), rel=1e-6)


def _labels_and_rgb(overrides):
    cfg = compose(["scene=landmark", "render=preview", "seed=2", "render.resolution=[96,72]", *overrides])
    producer = SampleProducer(cfg, "test")
    try:
        sample, _ = producer.produce(0)
    finally:
        producer.close()
    return sample.labels, sample.frames[0].rgb


@pytest.mark.render
def test_camera_effects_change_the_rgb_only():
    plain, rgb = _labels_and_rgb([])
    effected, rgb_fx = _labels_and_rgb(["render.sensor_noise=1.5", "render.vignetting=0.4"])
    assert np.abs(rgb.astype(int) - rgb_fx.astype(int)).mean() > 1.0
    assert plain["frames"] == effected["frames"] and plain["tracks"] == effected["tracks"]
    assert effected["provenance"]["camera_effects"] == {"sensor_noise": 1.5, "vignetting": 0.4, "lens_distortion": [0.0, 0.0]}
    assert plain["provenance"]["camera_effects"] == {"sensor_noise": 0.0, "vignetting": 0.0, "lens_distortion": [0.0, 0.0]}


@pytest.mark.render
def test_a_room_is_closed_lit_by_its_lamps_and_windows_that_belong_to_its_walls(backend):
    cfg = compose(["scene=motion", "render=preview", "scene.frames=1", "scene.contexts=[interior]", "seed=1"])
    spec = build_motion(cfg.scene, Streams((1, 0, 0)), 0, 96, 72)
    by_class = {}
    for o in spec.objects:
        by_class.setdefault(o.class_path, []).append(o)
    assert len(by_class["interior/ceiling"]) == 1 and len(by_class["interior/wall"]) == 4
    assert by_class["interior/lamp"] and all(m.emission > 0 for o in by_class["interior/lamp"] for m in o.materials)
    for wall in by_class["interior/wall"]:          # panes, the door and pictures are faces of the wall's own mesh
        boxes = np.bincount(wall.mesh.face_material, minlength=len(wall.materials)) // 12     # 12 triangles a box
        assert wall.materials[2].emission > 0 and boxes[2] == wall.attributes["windows"]
        assert boxes[3] == int(wall.attributes["door"]) and boxes[5:].sum() == wall.attributes["pictures"]
    assert sum(w.attributes["door"] for w in by_class["interior/wall"]) <= 1
    tables = [o.pose(0)[:2, 3] for o in by_class.get("interior/table", [])]
    for chair in by_class.get("interior/chair", []):                # chairs stand at a table
        assert min(np.linalg.norm(chair.pose(0)[:2, 3] - t) for t in tables) < 1.5
    backend.build(spec)
    passes = backend.render(spec)[0]
    taxonomy = load_taxonomy()
    assert np.isfinite(passes.depth).all()                       # closed: no ray leaves the room
    assert not (passes.semantic == taxonomy["sky"].id).any()
    assert passes.rgb.mean() > 30                                # lit from inside, not a black box


def test_waves_die_out_at_the_shore_and_foam_lines_it():
    n, extent = 65, 200.0
    axis = np.linspace(-extent / 2, extent / 2, n)
    gx, _ = np.meshgrid(axis, axis)
    heights = 0.1 * gx                                           # a beach rising to the east, water level 0
    terrain = Terrain("coast", extent, heights, 0.0, np.zeros_like(heights))
    mesh = water_surface(np.random.default_rng(3), terrain, "sea", 1000.0, cells=100)
    inner = np.abs(mesh.vertices[:, :2]).max(axis=1) <= extent / 2
    depth = 0.0 - terrain.height_at(mesh.vertices[inner, 0], mesh.vertices[inner, 1])
    z = mesh.vertices[inner, 2]
    assert np.all(z[depth <= 0] == 0.0)                          # no wave on land or at the waterline
    assert np.abs(z[depth > 3]).max() > 0.05                     # but the open water has them
    face_depth = 0.0 - terrain.height_at(mesh.vertices[mesh.faces, 0], mesh.vertices[mesh.faces, 1])
    on_patch = np.abs(mesh.vertices[mesh.faces][..., :2]).max(axis=(1, 2)) <= extent / 2
    foam = mesh.face_material == 1
    assert np.array_equal(foam[on_patch], face_depth[on_patch].min(axis=1) < 0.3)
    assert np.all(face_depth[on_patch].max(axis=1) > -0.5)       # nothing built far up the beach


@pytest.mark.parametrize("kind", PROPS)
def test_street_clutter_stands_on_the_ground(kind):
    mesh, materials, params = prop(np.random.default_rng(7), kind)
    assert params["kind"] == kind and load_taxonomy()[f"context/prop/{kind}"].id > 0
    assert abs(mesh.vertices[:, 2].min()) < 0.02                 # touches the ground, does not float or sink
    assert mesh.face_material.max() < len(materials)


@pytest.mark.parametrize("distortion, lens_mm", [((-0.1, 0.01), 24.0), ((-0.08, 0.0), 35.0), ((0.08, -0.01), 18.0)])
def test_lens_rays_projection_and_opencv_agree(distortion, lens_mm):
    """The distorted camera's pixel rays (the quartic Cycles renders) and its projection are one lens: projecting a
    pixel's ray lands on the pixel; OpenCV's radial model with the labels' k1, k2 (cv2.undistortPoints,
    cv2.projectPoints) agrees within the distortion_fit_px the labels report, a few hundredths of a pixel from 24 mm."""
    from conftest import camera_project, camera_rays
    from engine.geometry import intrinsics, lens_fit_px, pixel_rays, project
    width, height = 320, 240
    K = intrinsics(lens_mm, 36.0, width, height)
    fit = lens_fit_px(distortion, K, width, height)
    cam = {"K": K.tolist(), "distortion": [*distortion, 0.0, 0.0, 0.0], "world_to_camera": np.eye(4).tolist()}
    pixels = np.stack(np.meshgrid(np.arange(height), np.arange(width), indexing="ij"), axis=-1).reshape(-1, 2)
    ours = pixel_rays("distorted", K, width, height, pixels, distortion)
    points = ours * np.linspace(1, 50, len(ours))[:, None]
    uv, _ = project(points, K, np.eye(4), distortion)
    assert np.abs(uv - (pixels[:, ::-1] + 0.5)).max() < 1e-6
    assert np.abs(ours - camera_rays(cam, pixels)).max() * K[0, 0] <= fit + 0.01
    assert np.abs(uv - camera_project(cam, points)).max() <= fit + 0.01
    assert fit < (0.05 if lens_mm >= 24 else 0.3)
