"""Top-up of a small hand-written COCO file (tests/data, not produced by us): the plan is met, counted on what was
actually rendered, and the result uses the user's category ids so the merged file loads in pycocotools."""
import json
from pathlib import Path

import numpy as np
import pytest
from conftest import load_json, run_cli
from PIL import Image
from pycocotools import mask as mask_utils
from pycocotools.coco import COCO

DATA = Path(__file__).parent / "data"


@pytest.mark.render
def test_topup_meets_the_plan_and_merges(tmp_path):
    out = tmp_path / "topup"
    result = run_cli(f"topup.coco={DATA / 'user_instances.json'}", f"topup.mapping={DATA / 'user_mapping.yaml'}",
                     "topup.target=min_count:4", "render=preview", "render.resolution=[64,64]", f"out={out}")
    assert result.returncode == 0, result.stderr[-2000:]
    summary = load_json(out / "topup" / "summary.json")
    user = json.loads((DATA / "user_instances.json").read_text())
    assert summary["before"] == {"person": 1, "tree": 2, "pagoda": 1, "bench": 0}
    assert summary["wanted"] == {"tree": 2, "pagoda": 3, "bench": 4} and summary["cannot_generate"] == ["person"]
    assert all(v == 0 for v in summary["shortfall"].values())
    ours = load_json(out / "topup" / "instances.json")
    ids = {c["id"]: c["name"] for c in user["categories"]}
    counted = {}
    for ann in ours["annotations"]:
        counted[ids[ann["category_id"]]] = counted.get(ids[ann["category_id"]], 0) + 1
    assert counted == {k: v for k, v in summary["rendered"].items() if v}        # the plan counted what is there
    for name, wanted in summary["wanted"].items():
        assert summary["after"][name] - summary["before"][name] == counted.get(name, 0) >= wanted
    merged = COCO(str(out / "topup" / "merged.json"))
    assert len(merged.getImgIds()) == len(user["images"]) + len(ours["images"])
    assert len(merged.getAnnIds()) == len(user["annotations"]) + len(ours["annotations"])
    assert merged.getCatIds() == [1, 3, 5, 8]                                  # the user's categories, unchanged
    image = ours["images"][0]                                                  # masks decode to our instance ids
    instance = np.array(Image.open((out / image["file_name"]).with_name("instance.png")))
    for ann in (a for a in ours["annotations"] if a["image_id"] == image["id"]):
        assert mask_utils.decode(ann["segmentation"]).sum() == ann["area"]
        assert np.unique(instance[mask_utils.decode(ann["segmentation"]).astype(bool)]).size == 1
    assert (out / "topup" / "histogram.png").is_file()


def test_topup_bad_input_is_one_line(tmp_path):
    result = run_cli(f"topup.coco={tmp_path / 'missing.json'}", f"out={tmp_path / 'o'}")
    lines = [l for l in result.stderr.splitlines() if l.strip()]
    assert result.returncode == 2 and len(lines) == 1 and "topup.coco" in lines[0]
    bad_map = tmp_path / "map.yaml"
    bad_map.write_text("tree: context/palm\n")
    result = run_cli(f"topup.coco={DATA / 'user_instances.json'}", f"topup.mapping={bad_map}", f"out={tmp_path / 'o'}")
    assert result.returncode == 2 and "context/palm" in result.stderr and not (tmp_path / "o").exists()


def _user(**changes) -> dict:
    data = json.loads((DATA / "user_instances.json").read_text())
    for key, edit in changes.items():
        edit(data) if callable(edit) else data.__setitem__(key, edit)
    return data


BAD_COCO = {   # each would crash after rendering, or write a merged.json that COCO readers reject
    "category_id": (lambda: _user(a=lambda d: d["annotations"][0].update(category_id=1e400)), "category_id"),
    "string image id": (lambda: _user(a=lambda d: (d["images"][0].update(id="7"))), "integer 'id'"),
    "no annotation id": (lambda: _user(a=lambda d: d["annotations"][1].pop("id")), "annotations[1] has no integer"),
    "duplicate names": (lambda: _user(a=lambda d: d["categories"][1].update(name="person")), "not unique"),
    "id beyond int64": (lambda: _user(a=lambda d: d["annotations"][0].update(id=2**64)), "annotations[0]"),
    "negative area": (lambda: _user(a=lambda d: d["annotations"][2].update(area=-4)), "area -4"),
    "no images": (lambda: _user(a=lambda d: d.pop("images")), "no 'images' list"),
    "unknown image": (lambda: _user(a=lambda d: d["annotations"][0].update(image_id=8)), "image_id 8"),
}


@pytest.mark.parametrize("case", list(BAD_COCO))
def test_topup_refuses_a_broken_coco_file_before_rendering(tmp_path, case):
    make, expect = BAD_COCO[case]
    user = tmp_path / "user.json"
    user.write_text(json.dumps(make()))
    result = run_cli(f"topup.coco={user}", f"topup.mapping={DATA / 'user_mapping.yaml'}", f"out={tmp_path / 'o'}")
    lines = [l for l in result.stderr.splitlines() if l.strip()]
    assert result.returncode == 2 and len(lines) == 1 and "topup.coco" in lines[0] and expect in lines[0], result.stderr
    assert not (tmp_path / "o").exists()


def test_topup_refuses_bad_targets_and_mappings(tmp_path):
    listed, table, nothing = tmp_path / "list.yaml", tmp_path / "table.yaml", tmp_path / "nothing.yaml"
    listed.write_text("- tree\n- bench\n")
    table.write_text("tree: 10\nbench: lots\n")
    nothing.write_text("zebra: context/tree\n")
    user = f"topup.coco={DATA / 'user_instances.json'}"
    for args, key in (([f"topup.mapping={listed}"], "topup.mapping"), (["topup.target=min_count:-5"], "topup.target"),
                      ([f"topup.target={table}"], "topup.target"), ([f"topup.mapping={nothing}"], "topup.mapping")):
        result = run_cli(user, *args, f"out={tmp_path / 'o'}")
        lines = [l for l in result.stderr.splitlines() if l.strip()]
        assert result.returncode == 2 and len(lines) == 1 and key in lines[0], (args, result.stderr)
        assert not (tmp_path / "o").exists()
    assert "bench" in run_cli(user, f"topup.mapping={DATA / 'user_mapping.yaml'}", f"topup.target={table}",
                              f"out={tmp_path / 'o'}").stderr
    foreign = tmp_path / "theirs"                                  # someone's folder: refused, left as it was
    (foreign / "coco").mkdir(parents=True)
    (foreign / "coco" / "annotations.json").write_text("{}")
    result = run_cli(user, f"topup.mapping={DATA / 'user_mapping.yaml'}", f"out={foreign}")
    assert result.returncode == 2 and "out:" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert sorted(p.name for p in foreign.rglob("*")) == ["annotations.json", "coco"]
