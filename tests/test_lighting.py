"""The sun and sky table of the photo look (engine.lighting.SUN_SKY) against Blender's own sky texture, re-measured at
one elevation: a Blender whose sky changed would silently change the balance of sun and sky."""
import numpy as np
import pytest

from engine.backend import BlenderBackend
from engine.geometry import look_at, pose
from engine.lighting import SKY_SCALE, Lighting, build_world, sky_irradiance
from engine.spec import Camera, Environment, Material, Mesh, SceneObject, SceneSpec
from engine.streams import Streams
from engine.taxonomy import load_taxonomy
from job.config import compose
from scenes import FAMILIES

pytestmark = pytest.mark.render


@pytest.mark.parametrize("elevation", [10.0, 40.0])
def test_sky_irradiance_matches_blenders_sky_texture(elevation):
    """A white, perfectly diffuse floor lit by the sky alone (sun lamp off) has radiance E / pi."""
    cfg = compose(["render=preview", "render.resolution=[16,16]", "render.look=flat", "render.samples=128"]).render
    backend = BlenderBackend(cfg, load_taxonomy(), exr_deliverable="float")
    try:
        half = 1000.0
        floor = Mesh(np.array([[-half, -half, 0], [half, -half, 0], [half, half, 0], [-half, half, 0]], float),
                     np.array([[0, 1, 2], [0, 2, 3]]), np.zeros(2, np.int64))
        white = Material("white", (1.0, 1.0, 1.0), roughness=1.0)
        el = np.deg2rad(elevation)
        env = Environment((0.0, np.cos(el), np.sin(el)), (1, 1, 1), 0.0, 0.545, (0, 0, 0), (0, 0, 0), (0, 0, 0), 1.0)
        spec = SceneSpec("test", "sky", [SceneObject(1, "ground", "floor", floor, [white], [pose()])],
                         Camera(16, 16, 200.0, [look_at((0, 0, 1), (0, 0, 0), up=(0, 1, 0))]), env)
        backend.build(spec)
        sky_only = Lighting("physical", elevation, 0.0, (1.0, 1.0, 1.0), 0.0, 0.545, (0, 0, 0), (0, 0, 0), (0, 0, 0),
                            (0, 0, 0), False, (1.0, 1.0, 1.0))
        build_world(backend.scene.world.node_tree, sky_only)
        channels = {k: v for _, c, _ in backend.render(spec)[0].exr_parts for k, v in c.items()}
        measured = np.pi * channels["ViewLayer.Combined"][..., :3].reshape(-1, 3).mean(axis=0)
        # the floor's diffuse colour pass tells how much of the light Cycles' Principled BSDF passes as diffuse
        albedo = channels["ViewLayer.Diffuse Color"][..., :3].reshape(-1, 3).mean(axis=0)
        assert np.allclose(measured / albedo, sky_irradiance(elevation), rtol=0.08), (measured / albedo / SKY_SCALE)
    finally:
        backend.close()


def test_simple_indirect_changes_the_light_not_the_labels():
    """render.indirect=simple (diffuse bounces and light samples see plain colours and a smooth sky): the same scene's
    data passes to the bit, its light within 5 % (the metered exposure measures the linear image's brightness), and
    not the same picture (the setting reaches the render)."""
    taxonomy = load_taxonomy()
    cfgs = {k: compose(["render=preview", "render.resolution=[96,72]", "render.samples=16", f"render.indirect={k}",
                        "scene.weathers=[clear]"]) for k in ("simple", "full")}
    spec = FAMILIES["landmark"].build(cfgs["full"].scene, Streams((0, 2, 0)), 2, 96, 72)
    frames, exposure = {}, {}
    for name, cfg in cfgs.items():
        backend = BlenderBackend(cfg.render, taxonomy)
        backend.build(spec)
        frames[name], exposure[name] = backend.render(spec)[0], backend.exposure
        backend.close()
    for layer in ("instance", "semantic", "depth", "normal"):
        np.testing.assert_array_equal(getattr(frames["simple"], layer), getattr(frames["full"], layer))
    assert abs(exposure["simple"] / exposure["full"] - 1) < 0.05
    assert not np.array_equal(frames["simple"].rgb, frames["full"].rgb)
