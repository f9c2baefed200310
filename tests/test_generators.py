"""The landmark catalogue and the recipe: valid meshes, stable identities, seeded variety."""
import numpy as np
import pytest

from engine.labels import ClipLayers
from engine.streams import Streams
from engine.taxonomy import load_taxonomy
from generators import context
from generators.landmarks import CATALOGUE, TYPES, landmark
from job.config import compose
from scenes import landmark as recipe
from scenes.text import obj


def test_catalogue_has_twelve_types_each_in_the_taxonomy():
    taxonomy = load_taxonomy()
    assert len(TYPES) >= 12
    for kind, (path, _, styles) in CATALOGUE.items():
        assert taxonomy[path].ko and taxonomy[path].en and styles


@pytest.mark.parametrize("landmark_id", range(24))
def test_every_landmark_is_a_valid_multi_material_mesh(landmark_id):
    lm = landmark(landmark_id)
    m = lm.mesh
    assert lm.type == TYPES[landmark_id % len(TYPES)]
    assert m.faces.min() >= 0 and m.faces.max() < len(m.vertices)
    assert m.face_material.min() >= 0 and m.face_material.max() < len(lm.materials)
    assert np.isfinite(m.vertices).all() and m.vertices[:, 2].min() >= -1e-9   # stands on the ground
    assert 5.0 < lm.height < 250.0 and lm.radius > 1.0
    # no degenerate triangles: the rasteriser and the renderer would disagree about them
    tri = m.vertices[m.faces]
    area = np.linalg.norm(np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0]), axis=1)
    assert (area > 1e-10).all()


def test_landmark_identity_is_fixed_by_its_id():
    a, b = landmark(17), landmark(17)
    assert a.mesh.summary() == b.mesh.summary() and a.params == b.params
    assert landmark(5).mesh.summary()["sha1"] != landmark(17).mesh.summary()["sha1"]   # same type, other identity


def test_recipe_views_the_same_identity_differently():
    cfg = compose(["render=preview"]).scene
    specs = [recipe.build(cfg, Streams((0, i, 0)), i, 96, 96) for i in (2, 14)]
    # samples 2 and 14 share identity 2 (12 identities round-robin) but not the viewpoint
    assert specs[0].tags["landmark_id"] == specs[1].tags["landmark_id"] == 2
    assert specs[0].objects[0].mesh.summary() == specs[1].objects[0].mesh.summary()
    assert specs[0].tags["viewpoint"] != specs[1].tags["viewpoint"]


def test_recipe_keeps_context_off_the_camera_and_landmark():
    cfg = compose(["render=preview"]).scene
    for i in range(12):
        spec = recipe.build(cfg, Streams((1, i, 0)), i, 96, 96)
        cam = np.asarray(spec.camera.poses[0])[:3, 3]
        lm_radius = np.linalg.norm(spec.objects[0].mesh.vertices[:, :2], axis=1).max()
        assert cam[2] >= 1.6
        assert np.hypot(*cam[:2]) > lm_radius                       # the camera stands outside the landmark
        ids = [o.instance_id for o in spec.objects]
        assert ids == list(range(1, len(ids) + 1))                   # unique, dense instance ids
        for o in spec.objects[2:]:
            xy = o.pose(0)[:2, 3]
            assert np.hypot(*(xy - cam[:2])) > 6.0                  # nothing stands on the camera
            assert np.hypot(*xy) > lm_radius                         # nor inside the landmark


def test_captions_are_bilingual_and_follow_visibility():
    cfg = compose(["render=preview"]).scene
    taxonomy = load_taxonomy()
    spec = recipe.build(cfg, Streams((0, 0, 0)), 0, 96, 96)   # identity 0: a pagoda
    def frames(subject):
        return [{"objects": [dict(subject, instance_id=1)]}]
    hidden = recipe.describe(spec, frames({"visible_fraction": 0.4, "occluded_by": {"context/tree": 0.5, "context/prop/bench": 0.1}}),
                             ClipLayers(), taxonomy, np.random.default_rng(0))
    full = recipe.describe(spec, frames({"visible_fraction": 1.0, "occluded_by": {}}), ClipLayers(), taxonomy,
                           np.random.default_rng(0))
    assert "mostly hidden by trees" in hidden["en"][0] and "나무에 대부분 가려짐" in hidden["ko"][0]
    assert "in full view" in full["en"][0] and "storey pagoda" in full["en"][0]
    assert len(full["en"]) == len(full["ko"]) >= 2
    assert any(f"{spec.objects[0].attributes['params']['storeys']}층 탑" in c for c in full["ko"])


def test_korean_object_particle_follows_the_final_syllable():
    assert obj("탑") == "탑을" and obj("오벨리스크") == "오벨리스크를"


def test_sub_object_detail_is_part_of_its_object():
    """Windows, sills and doors are faces of the building's own mesh (their materials 2 and 3), leaves of the tree's,
    the kerb of the ground's: the backend gives every face of an object its instance id and class, so sub-object
    detail is labelled as its object (the masks, boxes and class tests on real renders cover the rest)."""
    rng = np.random.default_rng(5)
    mesh, materials, params = context.building(rng)
    kinds = [m.kind for m in materials]
    assert kinds[2:] == ["glass", "wood"] and params["storeys"] >= 1
    used = set(np.unique(mesh.face_material).tolist())
    assert {2, 3} <= used                                               # panes and the door are in the mesh
    lo, hi = mesh.vertices.min(axis=0), mesh.vertices.max(axis=0)
    assert hi[0] - lo[0] <= params["width"] + 0.45                      # proud of the walls by centimetres only
    tree_mesh, tree_materials, _ = context.tree(rng, kind="deciduous")
    assert [m.kind for m in tree_materials] == ["bark", "foliage"] and set(np.unique(tree_mesh.face_material)) == {0, 1}
    ground, ground_materials, _ = context.ground(rng, 10.0, 100.0)
    assert ground_materials[2].kind == "stone" and (ground.face_material == 2).sum() == 4 * 12   # four kerb boxes
