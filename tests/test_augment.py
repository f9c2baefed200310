"""augment=controlnet offline: tiny random-weight diffusers components saved in the diffusers layout (tiny_diffusion),
conditions from real passes, the consistency metric on constructed cases, the whole run (variants written, labels
shared, provenance complete, exports marked, low scores rejected) and the clear error for a missing model."""
import json

import numpy as np
import pytest
from conftest import as_passes, load_json, read_frame, run_cli
from PIL import Image
from pycocotools.coco import COCO

from engine.taxonomy import load_taxonomy
from job import augment

TAX = load_taxonomy()


def _scene(rng, height=96, width=128):
    """An instance map of rectangles and discs, and a render-like image: flat colours per instance plus texture."""
    instance = np.zeros((height, width), np.uint16)
    yy, xx = np.mgrid[:height, :width]
    instance[10:50, 15:60] = 1
    instance[(yy - 60) ** 2 + (xx - 90) ** 2 < 22 ** 2] = 2
    instance[55:90, 20:45] = 3
    palette = rng.uniform(30, 225, (4, 3))
    image = palette[instance] + rng.normal(0, 4, (height, width, 3))
    return instance, np.clip(image, 0, 255).astype(np.uint8)


def test_consistency_prefers_aligned_images_over_shifted_ones():
    rng = np.random.default_rng(0)
    instance, render = _scene(rng)
    recoloured = np.clip(np.random.default_rng(1).uniform(30, 225, (4, 3))[instance] + rng.normal(0, 8, render.shape),
                         0, 255).astype(np.uint8)                      # a restyle: new colours, same shapes
    shifted = np.roll(recoloured, 10, axis=1)                        # the same restyle, 10 px off its labels
    noise = rng.integers(0, 255, render.shape).astype(np.uint8)
    aligned, off, random = (augment.consistency(img, render, instance) for img in (recoloured, shifted, noise))
    assert augment.consistency(render, render, instance)["score"] == pytest.approx(1.0)
    assert aligned["score"] > 0.8
    assert off["score"] < aligned["score"] - 0.3 and off["edge_alignment"] < aligned["edge_alignment"]
    assert random["score"] < 0.2


def test_conditions_follow_the_passes_and_the_control_conventions(rendered_run):
    sample = sorted((rendered_run / "samples").iterdir())[0]
    passes = read_frame(sample)
    depth, seg, edges = augment.conditions(as_passes(passes), ["depth", "segmentation", "edges"], TAX)
    d = passes["depth"]
    finite = np.isfinite(d)
    assert np.all(depth[~finite] == 0)                               # sky black
    order = np.argsort(d[finite])
    assert np.all(np.diff(depth[..., 0][finite][order].astype(int)) <= 0)   # nearer is never darker
    for class_id in np.unique(passes["semantic"]):
        expected = augment.ade_colour(TAX.by_id(int(class_id)).path)
        assert np.all(seg[passes["semantic"] == class_id] == expected)
    inst = np.pad(passes["instance"].astype(np.int64), 1, mode="edge")      # a pixel whose 4-neighbour is another id
    centre = inst[1:-1, 1:-1]
    differs = ((inst[:-2, 1:-1] != centre) | (inst[2:, 1:-1] != centre) | (inst[1:-1, :-2] != centre)
               | (inst[1:-1, 2:] != centre))
    assert np.array_equal(edges[..., 0] > 0, differs) and differs.any()


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    from tiny_diffusion import make_models
    return make_models(tmp_path_factory.mktemp("models") / "sd15-tiny")


ARGS = ["render=preview", "render.resolution=[64,64]", "qa.min_subject_pixels=20", "n=2", "seed=1", "augment=controlnet", "augment.size=64",
        "augment.steps=2", "augment.per_sample=2", "augment.controls=[depth,segmentation,edges]",
        "augment.control_scales=[1.0,0.7,0.5]"]


@pytest.mark.render
def test_augmented_run_writes_variants_that_share_the_labels(models, tmp_path):
    out = tmp_path / "aug"
    result = run_cli(*ARGS, f"augment.model_dir={models}", "augment.min_consistency=0",
                     "export.formats=[coco,yolo,voc,webdataset,mot]", f"out={out}")
    assert result.returncode == 0, result.stderr[-2000:]
    manifest = load_json(out / "dataset.json")
    assert manifest["provenance"]["augment"]["license"].startswith("CreativeML") and len(manifest["provenance"]["augment"]["controls"]) == 3
    for sample in sorted((out / "samples").iterdir()):
        labels = load_json(sample / "labels.json")
        aug, prov = labels["augment"], labels["provenance"]["augment"]
        for key in ("model_name", "model_fingerprint", "license", "controls", "strength", "steps", "device"):
            assert prov[key] not in (None, "", [])
        assert [c["type"] for c in prov["controls"]] == ["depth", "segmentation", "edges"]
        assert [c["scale"] for c in prov["controls"]] == [1.0, 0.7, 0.5]
        assert labels["scene"]["captions"]["en"][0].rstrip(".") in aug["prompt"]
        assert len({v["seed"] for v in aug["variants"]}) == 2
        clean = read_frame(sample)["rgb"]
        for v in aug["variants"]:
            assert v["accepted"] and 0.0 <= v["score"] <= 1.0 and v["frames"][0]["edge_alignment_render"] > 0
            image = np.array(Image.open(sample / "0000" / v["file"]))
            assert image.shape == clean.shape and np.abs(image.astype(int) - clean).mean() > 1   # restyled, same grid
    coco = COCO(str(out / "coco" / "annotations" / "instances_train.json"))
    images = coco.loadImgs(coco.getImgIds())
    originals = [i for i in images if not i["augmented"]]
    variants = [i for i in images if i["augmented"]]
    assert len(variants) == 2 * len(originals)
    for img in variants:   # same annotations as the image it was made from
        mine = sorted((a["instance_id"], a["bbox"]) for a in coco.loadAnns(coco.getAnnIds(imgIds=img["id"])))
        theirs = sorted((a["instance_id"], a["bbox"]) for a in coco.loadAnns(coco.getAnnIds(imgIds=img["source_image_id"])))
        assert mine == theirs and mine
    assert len(list((out / "yolo" / "detect" / "images" / "train").glob("*_aug*.png"))) == 2 * len(originals)
    assert len(list((out / "voc" / "Annotations").glob("*_aug1.xml"))) == len(originals)
    import tarfile
    with tarfile.open(next((out / "webdataset").glob("*.tar"))) as tar:
        flags = [json.load(tar.extractfile(m))["augmented"] for m in tar.getmembers() if m.name.endswith(".json")]
    assert flags.count(True) == 2 * flags.count(False)
    for sample in sorted((out / "samples").iterdir()):      # MOT: the clean sequence and one per variant
        for k in (0, 1):
            seq = out / "mot" / f"{sample.name}_aug{k}"
            assert f"name={seq.name}\n" in (seq / "seqinfo.ini").read_text()
            assert (seq / "gt" / "gt.txt").read_text() == (out / "mot" / sample.name / "gt" / "gt.txt").read_text()
            assert (seq / "img1" / "000001.png").read_bytes() == (sample / "0000" / f"rgb_aug{k}.png").read_bytes()


@pytest.mark.render
def test_variants_below_min_consistency_are_rejected_and_recorded(models, tmp_path):
    out = tmp_path / "strict"
    result = run_cli(*ARGS, f"augment.model_dir={models}", "augment.min_consistency=0.95", "n=1", f"out={out}")
    assert result.returncode == 0, result.stderr[-2000:]
    sample = next((out / "samples").iterdir())
    variants = load_json(sample / "labels.json")["augment"]["variants"]
    assert variants and all(not v["accepted"] and v["score"] < 0.95 and v["file"] is None for v in variants)
    assert not list(sample.glob("*/rgb_aug*.png"))
    coco = load_json(out / "coco" / "annotations" / "instances_train.json")
    assert not any(i["augmented"] for i in coco["images"])


def test_missing_model_is_one_clear_line_and_writes_nothing(tmp_path):
    out = tmp_path / "never"
    result = run_cli("augment=controlnet", f"augment.model_dir={tmp_path / 'no-model'}", f"out={out}")
    assert result.returncode == 2 and not out.exists()
    line = result.stderr.strip()
    assert "\n" not in line and "augment.model_dir" in line and "model_index.json" in line and "controlnet-depth" in line


def test_incomplete_model_names_what_is_missing(models, tmp_path):
    from engine.checks import ConfigError
    from job.config import compose
    with pytest.raises(ConfigError) as err:
        compose(["augment=controlnet", f"augment.model_dir={models}", "augment.controls=[depth]",
                 "augment.control_scales=[1.0]", f"augment.controlnets.depth={tmp_path}"])
    assert str(tmp_path / "config.json") in str(err.value) and "\n" not in str(err.value)
    with pytest.raises(ConfigError, match="augment.controlnets.pose"):
        compose(["augment=controlnet", f"augment.model_dir={models}", f"augment.controlnets.pose={tmp_path}"])


def test_pickled_weights_are_refused_and_never_loaded(models, tmp_path):
    import shutil
    from engine.checks import ConfigError
    from job.config import compose
    copy = shutil.copytree(models, tmp_path / "model")
    for weights in (copy / "unet").glob("*.safetensors"):
        weights.rename(weights.with_suffix(".bin"))             # as an old pickle checkpoint would ship
    with pytest.raises(ConfigError) as err:
        compose(["augment=controlnet", f"augment.model_dir={copy}"])
    message = str(err.value)
    assert "\n" not in message and str(copy / "unet") in message and "safe_serialization=True" in message


def test_license_is_read_only_from_inside_the_model_folder(models, tmp_path):
    import shutil
    from types import SimpleNamespace
    copy = shutil.copytree(models, tmp_path / "model")
    secret = tmp_path / "secret.txt"
    secret.write_text("a private line that must not reach dataset.json\n")
    (copy / "LICENSE").unlink()
    (copy / "LICENSE").symlink_to(secret)                        # a link out of the folder
    found = augment._license(SimpleNamespace(license=None, model_dir=str(copy)))
    assert "private" not in found and found.startswith("unknown")
    (copy / "LICENSE").unlink()
    (copy / "LICENSE").write_text("Apache-2.0\n" + "x" * 10_000_000)   # huge: only its start is read
    assert augment._license(SimpleNamespace(license=None, model_dir=str(copy))) == "Apache-2.0"


def test_prompt_comes_from_the_labels():
    landmark = {"scene": {"tags": {}, "captions": {"en": ["A red pagoda at dusk, seen from the north."]}}}
    concept = {"scene": {"tags": {"prompt": "a lone sphere under a grey sky, low light"}, "captions": {"en": ["x"]}}}
    assert augment.prompt(landmark, "photo") == "A red pagoda at dusk, seen from the north, photo"
    assert augment.prompt(concept, "") == "a lone sphere under a grey sky, low light"     # a concept's causes
