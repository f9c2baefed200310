"""Several views of one scene (scene.views_per_scene, landmark): the samples of a group share everything but the camera,
say so in their labels, and a view rendered from the scene built for another is, to the bit, the view rendered from
its own build."""
import numpy as np
import pytest

from engine.backend import BlenderBackend
from engine.streams import Streams
from engine.taxonomy import load_taxonomy
from job.config import compose
from scenes import FAMILIES


def _specs(indices, views, size=(96, 72)):
    cfg = compose(["render=preview", f"scene.views_per_scene={views}", f"render.resolution=[{size[0]},{size[1]}]"])
    return cfg, [FAMILIES["landmark"].build(cfg.scene, Streams((cfg.seed, i, 0)), i, *size) for i in indices]


def _scene_part(spec) -> dict:
    d = spec.to_dict()
    return {"objects": d["objects"], "environment": d["environment"], "category": d["category"]}


def test_views_of_a_group_share_the_scene_and_not_the_camera():
    _, specs = _specs([3, 4, 5, 6], views=3)
    group, other = specs[:3], specs[3]
    assert all(_scene_part(s) == _scene_part(group[0]) for s in group[1:])
    assert _scene_part(other) != _scene_part(group[0])          # the next group is another scene
    assert len({s.scene_key for s in group}) == 1 and other.scene_key != group[0].scene_key
    assert [s.tags["shared_scene"] for s in group] == [{"group": 1, "attempt": 0, "view": k, "views": 3} for k in range(3)]
    positions = [np.asarray(s.camera.poses[0])[:3, 3] for s in group]
    assert min(np.linalg.norm(a - b) for i, a in enumerate(positions) for b in positions[i + 1:]) > 1.0
    azimuths = sorted(s.tags["viewpoint"]["azimuth_deg"] for s in group)   # one view in each third of the circle
    gaps = np.diff(azimuths + [azimuths[0] + 360])
    assert gaps.max() < 240            # independent azimuths leave a gap this wide one time in three


def test_one_view_per_scene_is_the_plain_sample():
    _, (spec,) = _specs([4], views=1)
    assert spec.scene_key is None and "shared_scene" not in spec.tags


@pytest.mark.render
def test_a_view_from_the_shared_build_equals_its_own_build():
    cfg, (first, second) = _specs([0, 1], views=2)
    taxonomy = load_taxonomy()
    shared, own = BlenderBackend(cfg.render, taxonomy), BlenderBackend(cfg.render, taxonomy)
    try:
        shared.build(first)
        shared.render(first)
        shared.scene["built_for_the_first_view"] = True
        shared.build(second)                       # the camera moves; a rebuild would reload an empty session
        assert shared.scene.get("built_for_the_first_view")
        reused = shared.render(second)[0]
        own.build(second)
        fresh = own.render(second)[0]
    finally:
        shared.close()
        own.close()
    for layer in ("rgb", "instance", "semantic", "depth", "normal"):     # the same sample whichever worker built it
        np.testing.assert_array_equal(getattr(reused, layer), getattr(fresh, layer))
