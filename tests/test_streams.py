"""Named random sub-streams: each concern of a sample draws from its own generator, so a new random choice in one
concern leaves what a seed gives in the others unchanged (README "Random streams")."""
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from engine.streams import Streams, child, concern_key
from job.config import compose
from scenes import FAMILIES

ROOT = Path(__file__).resolve().parent.parent


class Perturbed(Streams):
    """Streams where one concern draws one extra number first, as a newly added random choice would."""

    def __init__(self, key, concern: str):
        super().__init__(key)
        self.concern = concern

    def __getitem__(self, concern: str):
        fresh = concern not in self._streams
        rng = super().__getitem__(concern)
        if fresh and concern == self.concern:
            rng.random()
        return rng


def _spec(family: str, streams: Streams) -> dict:
    cfg = compose([f"scene={family}", "render=preview"])
    return FAMILIES[family].build(cfg.scene, streams, 1, 96, 72).to_dict()


def test_concerns_are_separate_stable_and_reused():
    s = Streams((3, 7, 0))
    assert s["camera"] is s["camera"]
    a, b = Streams((3, 7, 0))["camera"].random(4), Streams((3, 7, 0))["layout"].random(4)
    assert np.array_equal(a, Streams((3, 7, 0))["camera"].random(4)) and not np.array_equal(a, b)
    assert not np.array_equal(a, Streams((3, 7, 1))["camera"].random(4))        # another QA attempt, another scene
    # the concern's number does not depend on Python's per-process string hashing
    code = "from engine.streams import concern_key; print(concern_key('camera'))"
    for seed in ("1", "2"):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                             env={"PYTHONHASHSEED": seed, "PYTHONPATH": str(ROOT)}, check=True).stdout
        assert int(out) == concern_key("camera")


def test_a_child_costs_its_parent_one_draw_however_much_it_is_used():
    parent, reference = np.random.default_rng(5), np.random.default_rng(5)
    kid = child(parent)
    kid.random(1000)
    reference.integers(2**63)
    assert parent.random() == reference.random()


@pytest.mark.parametrize("family", list(FAMILIES))
def test_a_new_sky_choice_leaves_objects_and_camera_alone(family):
    base, changed = _spec(family, Streams((0, 1, 0))), _spec(family, Perturbed((0, 1, 0), "environment"))
    assert base["environment"] != changed["environment"]                        # the perturbation took effect
    for part in ("objects", "camera"):
        assert json.dumps(base[part], sort_keys=True) == json.dumps(changed[part], sort_keys=True), part


@pytest.mark.parametrize("family", ["landmark", "concept"])
def test_a_new_layout_choice_leaves_camera_and_sky_alone(family):
    base, changed = _spec(family, Streams((0, 1, 0))), _spec(family, Perturbed((0, 1, 0), "layout"))
    assert base["objects"] != changed["objects"]
    for part in ("camera", "environment"):
        assert json.dumps(base[part], sort_keys=True) == json.dumps(changed[part], sort_keys=True), part


def test_richer_materials_leave_the_geometry_alone(monkeypatch):
    """A material that makes more random choices (the look issue adds many) must not move any object."""
    import generators.materials as materials
    base = _spec("landmark", Streams((0, 1, 0)))

    def greedy_child(rng):
        kid = child(rng)
        kid.random(7)                # the material draws seven more numbers than today
        return kid

    monkeypatch.setattr(materials, "child", greedy_child)
    changed = _spec("landmark", Streams((0, 1, 0)))
    assert [o["materials"] for o in base["objects"]] != [o["materials"] for o in changed["objects"]]
    for a, b in zip(base["objects"], changed["objects"]):
        assert (a["mesh"], a["poses"]) == (b["mesh"], b["poses"])
