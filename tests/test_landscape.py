"""Landscape recipe: terrain, biomes, vegetation rules and flythrough cameras (no Blender)."""
import numpy as np
import pytest

from engine.checks import ConfigError
from engine.streams import Streams
from generators.terrain import BIOMES, make_terrain, surface_classes, terrain_meshes, thermal_erosion
from job.config import compose
from scenes import landscape


def _spec(index, *overrides, seed=0):
    cfg = compose(["scene=landscape", "render=preview", *overrides])
    return landscape.build(cfg.scene, Streams((seed, index, 0)), index, 128, 96)


def test_terrain_meshes_partition_the_grid_and_follow_the_heights():
    t = make_terrain(np.random.default_rng(0), "mountains", 800.0, 64)
    meshes = terrain_meshes(t, surface_classes(t, "summer"))
    assert sum(len(m.faces) for m in meshes.values()) == 2 * 64 * 64      # every cell's two triangles, once
    assert {"rock", "snow"} <= set(meshes)                                 # mountains have cliffs and snow caps
    for m in meshes.values():
        assert np.allclose(t.height_at(m.vertices[:, 0], m.vertices[:, 1]), m.vertices[:, 2])


def test_erosion_limits_slopes_and_keeps_mass():
    h = np.random.default_rng(1).normal(0, 20, (40, 40))
    eroded = thermal_erosion(h, cell=5.0, iterations=200, rate=0.5)
    assert eroded.sum() == pytest.approx(h.sum())
    assert np.abs(np.diff(eroded, axis=0)).max() < np.abs(np.diff(h, axis=0)).max()


@pytest.mark.parametrize("biome", list(BIOMES))
def test_every_biome_builds_with_its_water_and_surfaces(biome):
    spec = _spec(0, f"scene.biomes=[{biome}]", "scene.seasons=[summer]")
    assert spec.tags["biome"] == biome
    classes = {o.class_path for o in spec.objects}
    assert any(c.startswith("terrain/") for c in classes) and "vegetation/tree" in classes
    assert ("water" in classes) == (BIOMES[biome][3] != "none")
    ids = [o.instance_id for o in spec.objects]
    assert ids == list(range(1, len(ids) + 1))


def test_thousands_of_plants_each_with_an_instance_and_shared_meshes():
    spec = _spec(0, "scene.biomes=[plains]", "scene.seasons=[summer]", "scene.plants=[5000,5000]")
    plants = [o for o in spec.objects if o.class_path.startswith("vegetation/")]
    assert len(plants) >= 4500
    assert len({id(o.mesh) for o in plants}) <= 8                          # a few variants, instanced
    assert len({o.instance_id for o in plants}) == len(plants) and max(o.instance_id for o in spec.objects) < 65536


def test_plants_stand_on_dry_land_off_roads_and_buildings():
    spec = _spec(1, "scene.biomes=[hills]", "scene.settlements=[2,2]")
    water = [o for o in spec.objects if o.class_path == "water"]
    level = water[0].pose(0)[2, 3] if water else -np.inf
    buildings = [o.pose(0)[:2, 3] for o in spec.objects if o.class_path == "structure/building"]
    for o in spec.objects:
        if o.class_path.startswith("vegetation/"):
            x, y, z = o.pose(0)[:3, 3]
            assert z + 0.3 >= level + 0.5 - 1e-6
            assert all(np.hypot(x - bx, y - by) > 2 for bx, by in buildings)


def test_flythrough_is_smooth_and_clears_the_terrain():
    spec = _spec(2, "scene.camera_mode=flythrough", "scene.frames=12", "scene.biomes=[mountains]")
    assert spec.n_frames == 12 and len(spec.camera.poses) == 12
    positions = np.array([np.asarray(p)[:3, 3] for p in spec.camera.poses])
    steps = np.linalg.norm(np.diff(positions, axis=0), axis=1)
    assert steps.max() < 3 * np.median(steps) + 1e-6                        # no jumps
    terrain = [o for o in spec.objects if o.class_path.startswith("terrain/") and not o.attributes.get("far")
               and o.name.startswith("terrain_")]
    vertices = np.vstack([o.mesh.vertices for o in terrain])
    for p in positions:                   # no terrain vertex within 15 m, no object box within 5 m of the camera
        assert np.linalg.norm(vertices - p, axis=1).min() > 15.0
        for o in spec.objects:
            if not o.class_path.startswith("terrain/") or o.name.startswith("boulder"):
                box = o.box_3d(0)
                local = (p - box["center_world"]) @ np.array(box["rotation_world"])
                assert np.any(np.abs(local) > np.array(box["size"]) / 2 + 5.0) or o.class_path == "water"


def test_bad_landscape_overrides_fail_in_one_line():
    for override in ("scene.biomes=[jungle]", "scene.camera_mode=orbit", "scene.frames=0", "scene.extent_m=5"):
        with pytest.raises(ConfigError) as error:
            compose(["scene=landscape", override])
        assert "\n" not in str(error.value) and "scene." in str(error.value)
