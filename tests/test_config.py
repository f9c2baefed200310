"""Config composition and validation: bad input fails in one line before any work, and nothing is written."""
import shutil

import pytest
from conftest import run_cli

from engine.checks import ConfigError
from job.config import compose, content_hash


def test_defaults_compose_to_the_documented_job():
    cfg = compose([])
    assert cfg.scene.name == "landmark" and cfg.n == 8 and list(cfg.render.resolution) == [256, 256]
    assert cfg.render.device == "auto" and cfg.out == "runs/landmark"


def test_overrides_and_groups_apply():
    cfg = compose(["render=preview", "n=200", "seed=7", "out=runs/lm", "render.resolution=[320,240]",
                   "scene.landmarks=[0,5,17]"])
    assert cfg.render.profile == "preview" and cfg.n == 200 and cfg.seed == 7 and cfg.out == "runs/lm"
    assert list(cfg.render.resolution) == [320, 240] and list(cfg.scene.landmarks) == [0, 5, 17]


@pytest.mark.parametrize("override, names", [
    ("bogus=1", "bogus"), ("scene=castle", "landmark"), ("render=ultra", "preview"),
    ("render.device=gpu", "render.device"), ("render.samples=many", "render.samples"),
    ("render.resolution=[100]", "render.resolution"), ("scene.weathers=[rainy]", "scene.weathers"),
    ("scene.trees=[9,2]", "scene.trees"), ("scene.landmarks=[-1]", "scene.landmarks"), ("n=0", "n"),
    ("qa.min_subject_visible_fraction=2", "qa.min_subject_visible_fraction"), ("render.colour=red", "colour"),
    ("justaword", "key=value"), ("output.points_voxel_m=inf", "output.points_voxel_m"),
    ("render.exposure_ev=nan", "render.exposure_ev"), ("scene.fill=[0.3,inf]", "scene.fill"),
    ("out=${oc.env:HOME}", "literal"), ('seed=!!python/object/apply:os.system ["true"]', "seed: not a plain value"), ("seed=${n}", "literal"), ("output.points_voxel_m=50", "points_voxel_m"),
    ("render.lens_distortion=[-0.2,0.0]", "monotonic"), ("render.lens_distortion=[0.1]", "render.lens_distortion"),
    ("export.splits={train:0.8}", "add up to 1"), ("export.splits={Train:1.0}", "export.splits"),
    ("export.min_box_px=-1", "export.min_box_px"), ("render.indirect=cheap", "render.indirect"),
    ("render.bevel_samples=0", "render.bevel_samples"), ("scene.views_per_scene=0", "scene.views_per_scene"),
])
def test_bad_override_is_one_clear_line(override, names):
    with pytest.raises(ConfigError) as error:
        compose([override])
    message = str(error.value)
    assert "\n" not in message and names in message


def test_content_hash_ignores_n_and_out_but_not_content():
    base = content_hash(compose([]))
    assert content_hash(compose(["n=500", "out=elsewhere"])) == base
    assert content_hash(compose(["seed=1"])) != base


def test_cli_bad_override_exits_nonzero_and_writes_nothing(tmp_path):
    out = tmp_path / "never"
    result = run_cli("render.device=gpu", f"out={out}")
    assert result.returncode == 2
    lines = [l for l in result.stderr.splitlines() if l.strip()]
    assert len(lines) == 1 and "render.device" in lines[0] and "auto, cpu, cuda, optix" in lines[0]
    assert not out.exists() and result.stdout == ""


def test_cli_help_shows_resolved_config():
    result = run_cli("--help", "n=3")
    assert result.returncode == 0 and "usage:" in result.stdout and "'n': 3" in result.stdout
    from scenes import FAMILIES
    assert "scene=" + "|".join(FAMILIES) in result.stdout                      # every family is listed
    job = run_cli("--cfg", "job", "render=preview")
    assert job.returncode == 0 and "profile: preview" in job.stdout and "usage" not in job.stdout


@pytest.mark.skipif(shutil.which("nvidia-smi") is not None, reason="a GPU may be present here")
def test_cli_missing_gpu_is_one_line_and_writes_nothing(tmp_path):
    out = tmp_path / "never"
    result = run_cli("render=preview", "n=1", "render.device=optix", f"out={out}")
    lines = [l for l in result.stderr.splitlines() if l.strip()]
    assert result.returncode == 2 and len(lines) == 1 and "render.device=optix" in lines[0]
    assert not out.exists()


def test_auto_worker_count_follows_the_visible_gpus(monkeypatch):
    from job.worker import worker_count
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "0,2")
    assert worker_count(compose([])) == 2                                   # one per visible GPU
    assert worker_count(compose(["launcher.workers_per_gpu=2"])) == 4
    assert worker_count(compose(["render.device=cpu"])) == 1                # not rendering on GPUs
    assert worker_count(compose(["launcher.workers=3"])) == 3               # an explicit count wins
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "")
    assert worker_count(compose([])) == 1                                   # GPUs hidden: one worker


@pytest.mark.parametrize("kind", ["file", "broken_link", "foreign_folder"])
def test_out_that_is_not_ours_is_refused_and_left_untouched(tmp_path, kind):
    out = tmp_path / "out"
    if kind == "file":
        out.write_text("keep me")
    elif kind == "broken_link":
        out.symlink_to(tmp_path / "nowhere")
    else:                                       # someone's data set: nothing of it may be overwritten or deleted
        (out / "coco").mkdir(parents=True)
        (out / "coco" / "annotations.json").write_text("{}")
        (out / "samples" / ".tmp-keep").mkdir(parents=True)
    before = sorted(str(p) for p in tmp_path.rglob("*"))
    result = run_cli("render=preview", "n=1", f"out={out}")
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "out:" in lines[0]
    assert sorted(str(p) for p in tmp_path.rglob("*")) == before
    if kind == "foreign_folder":
        assert (out / "coco" / "annotations.json").read_text() == "{}"
