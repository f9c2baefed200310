"""The photo look's procedural materials keep their named colour: the mean albedo Cycles renders (its Diffuse Color pass,
or Glossy Color for metals) of every material kind, on a floor and on a wall, stays within a just-noticeable-to-small
colour difference (CIE76 dE <= 4) of the material's base colour, so captions that name it stay honest."""
import numpy as np
import pytest

from engine.backend import BlenderBackend
from engine.geometry import look_at, pose
from engine.spec import Camera, Environment, Mesh, SceneObject, SceneSpec
from engine.taxonomy import load_taxonomy
from generators.materials import COLORS, KINDS, material
from job.config import compose

pytestmark = pytest.mark.render
HALF = 200.0
FLOOR = Mesh(np.array([[-HALF, -HALF, 0], [HALF, -HALF, 0], [HALF, HALF, 0], [-HALF, HALF, 0]], float),
             np.array([[0, 1, 2], [0, 2, 3]]), np.zeros(2, np.int64))
WALL = Mesh(np.array([[-HALF, 0, -HALF], [HALF, 0, -HALF], [HALF, 0, HALF], [-HALF, 0, HALF]], float),
            np.array([[0, 1, 2], [0, 2, 3]]), np.zeros(2, np.int64))
VIEWS = {"floor": (FLOOR, look_at((0, 0, 30), (0, 0, 0), up=(0, 1, 0))), "wall": (WALL, look_at((0, -30, 0), (0, 0, 0)))}
# water is left out on purpose: its body colour is darkened (deep water is seen by what it reflects)
SATURATED = ["red", "green", "blue", "gold", "teal", "ochre", "copper_green", "yellow", "brown", "bronze", "leaf_green", "olive"]
NEUTRAL = ["white", "grey", "dark_grey", "black", "sandstone"]
CASES = [(kind, palette[k % len(palette)]) for k, kind in enumerate(k for k in KINDS if k != "water")
         for palette in (SATURATED, NEUTRAL)]
assert {c for _, c in CASES} == set(COLORS)


def _lab(linear) -> np.ndarray:
    xyz = np.asarray(linear) @ np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722],
                                         [0.0193, 0.1192, 0.9505]]).T / [0.9505, 1.0, 1.089]
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


@pytest.fixture(scope="module")
def albedo_backend():
    backend = BlenderBackend(compose(["render=preview", "render.resolution=[48,48]"]).render, load_taxonomy(),
                             exr_deliverable="float")
    yield backend
    backend.close()


@pytest.mark.parametrize("kind,colour", CASES, ids=[f"{k}-{c}" for k, c in CASES])
def test_mean_albedo_keeps_the_named_colour(albedo_backend, kind, colour):
    m = material(np.random.default_rng(len(kind) * 31 + len(colour)), kind, colour)
    env = Environment((0, 0, 1), (1, 1, 1), 1.0, 1.0, (0.5, 0.5, 0.5), (0.5, 0.5, 0.5), (0.2, 0.2, 0.2), 1.0)
    for view, (surface, camera_pose) in VIEWS.items():
        spec = SceneSpec("test", "albedo", [SceneObject(1, "ground", "surface", surface, [m], [pose()])],
                         Camera(48, 48, 20.0, [camera_pose]), env)
        albedo_backend.build(spec)
        channels = {k: v for _, c, _ in albedo_backend.render(spec)[0].exr_parts for k, v in c.items()}
        diffuse, glossy = (channels[f"ViewLayer.{p} Color"][..., :3].reshape(-1, 3).mean(axis=0) for p in ("Diffuse", "Glossy"))
        mean = glossy if m.metallic >= 0.99 else diffuse / (1.0 - m.metallic)      # a dielectric's share is diffuse
        delta = float(np.linalg.norm(_lab(mean) - _lab(m.base_color)))
        assert delta <= 4.0, f"{kind} {colour} on the {view}: dE {delta:.2f} (mean {mean.round(3)}, base {m.base_color})"


@pytest.mark.parametrize("pattern,colour", [("stripes", "red"), ("checks", "blue"), ("heather", "grey"),
                                            ("stripes", "white"), ("checks", "dark_grey")])
def test_fabric_motifs_keep_the_named_colour(albedo_backend, pattern, colour):
    """A shirt's stripes, checks or heather vary its shade around its colour, not away from it: the same cloth with
    and without the motif has the same mean albedo (dE <= 2), and the motif is there to see (seen head-on on a wall,
    1.1 m across: the motifs run round a standing body, along its height)."""
    from dataclasses import replace
    plain = material(np.random.default_rng(len(pattern) + len(colour)), "fabric", colour)
    env = Environment((0, 0, 1), (1, 1, 1), 1.0, 1.0, (0.5, 0.5, 0.5), (0.5, 0.5, 0.5), (0.2, 0.2, 0.2), 1.0)
    albedo = {}
    for m in (plain, replace(plain, pattern=pattern)):
        spec = SceneSpec("test", "albedo", [SceneObject(1, "ground", "surface", WALL, [m], [pose()])],
                         Camera(48, 48, 100.0, [look_at((0, -3.0, 0), (0, 0, 0))]), env)
        albedo_backend.build(spec)
        channels = {k: v for _, c, _ in albedo_backend.render(spec)[0].exr_parts for k, v in c.items()}
        albedo[m.pattern] = channels["ViewLayer.Diffuse Color"][..., :3].reshape(-1, 3)
    delta = float(np.linalg.norm(_lab(albedo[pattern].mean(axis=0)) - _lab(albedo[""].mean(axis=0))))
    assert delta <= 2.0, f"{pattern} {colour}: dE {delta:.2f}"
    assert albedo[pattern].std(axis=0).max() > 1.5 * albedo[""].std(axis=0).max(), "the motif shows"
