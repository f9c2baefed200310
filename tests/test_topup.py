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
