"""The label contract on real Cycles renders (render=preview): the invariants of DESIGN.md "exact"."""
import numpy as np
import pytest
from conftest import RUN_ARGS, camera_rays, load_json, read_frame, run_cli
from pycocotools import mask as mask_utils
from pycocotools.coco import COCO

from engine.geometry import back_project, pixel_rays
from engine.streams import Streams
from engine.taxonomy import load_taxonomy
from generators.landmarks import TYPES
from job.config import compose
from job.sample import apply_lens
from scenes import FAMILIES

pytestmark = pytest.mark.render


def _samples(out):
    return sorted(p for p in (out / "samples").iterdir() if p.is_dir())


def test_run_is_complete_and_covers_the_catalogue(rendered_run):
    samples = _samples(rendered_run)
    assert len(samples) == 12
    manifest = load_json(rendered_run / "dataset.json")
    assert manifest["status"] == "complete" and manifest["counts"]["samples"] == 12
    assert manifest["versions"]["bpy"] and manifest["taxonomy"]["classes"] and "no real person" in manifest["provenance"]["statement"]
    types = {load_json(s / "labels.json")["scene"]["tags"]["landmark_type"] for s in samples}
    assert types == set(TYPES)
    assert (rendered_run / "overview.png").is_file()


def _frames(out):
    for sample in _samples(out):
        labels = load_json(sample / "labels.json")
        for frame_labels in labels["frames"]:
            yield sample, labels, frame_labels, read_frame(sample, frame_labels["index"])


def test_object_pixels_back_project_into_their_3d_boxes(any_run):
    _, out, _ = any_run
    for sample in _samples(out):
        labels = load_json(sample / "labels.json")
        for frame_labels in labels["frames"]:
            passes = read_frame(sample, frame_labels["index"])
            cam = frame_labels["camera"]
            K, w2c = cam["K"], np.array(cam["world_to_camera"])
            for obj in frame_labels["objects"]:
                pixels = np.argwhere(passes["instance"] == obj["instance_id"])
                if not len(pixels):
                    continue
                if cam["model"] == "distorted":            # through OpenCV's own undistortion, as a user would
                    c2w = np.linalg.inv(w2c)
                    local_pts = camera_rays(cam, pixels) * passes["depth"][pixels[:, 0], pixels[:, 1], None]
                    points = local_pts @ c2w[:3, :3].T + c2w[:3, 3]
                else:
                    points = back_project(passes["depth"], K, w2c, pixels, cam["model"])
                box = obj["bbox_3d"]
                local = (points - box["center_world"]) @ np.array(box["rotation_world"])
                distance = np.linalg.norm(points - np.linalg.inv(w2c)[:3, 3], axis=1)
                tolerance = 1e-3 + 1e-5 * distance                 # float32 depth
                inside = np.all(np.abs(local) <= np.array(box["size"]) / 2 + tolerance[:, None], axis=1)
                assert inside.mean() >= 0.999, f"{sample.name} {obj['name']}: {inside.mean():.4f} inside its box"


def mask_bbox(mask: np.ndarray):
    """Tight [x, y, w, h] of a boolean mask in pixel-edge coordinates (COCO convention), or None if empty."""
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    if not len(rows):
        return None
    return [int(cols[0]), int(rows[0]), int(cols[-1] - cols[0] + 1), int(rows[-1] - rows[0] + 1)]


def test_boxes_masks_and_visibility_agree(any_run):
    _, out, _ = any_run
    for sample, labels, frame_labels, passes in _frames(out):
        instance = passes["instance"]
        height, width = instance.shape
        seen = set(np.unique(instance).tolist()) - {0}
        assert seen <= {o["instance_id"] for o in frame_labels["objects"]}    # every visible id is labelled
        for obj in frame_labels["objects"]:
            mask = instance == obj["instance_id"]
            assert obj["pixel_count"] == int(mask.sum())
            assert obj["bbox_2d"] == mask_bbox(mask)
            assert np.array_equal(mask_utils.decode(obj["mask_rle"]).astype(bool), mask)
            assert 0.0 <= obj["visible_fraction"] <= 1.0
            assert obj["visible_fraction"] == pytest.approx(obj["pixel_count"] / obj["amodal_pixel_count"], abs=1e-6)
            ax, ay, aw, ah = obj["bbox_2d_amodal"]
            assert 0 <= ax and 0 <= ay and ax + aw <= width and ay + ah <= height
            if obj["bbox_2d"]:
                x, y, w, h = obj["bbox_2d"]
                assert ax <= x and ay <= y and x + w <= ax + aw and y + h <= ay + ah
            # the rasterised amodal mask and the renderer agree on which pixel centres the object covers
            assert obj["raster_stray_pixels"] <= max(2, 0.01 * obj["pixel_count"])


def test_masks_are_hard_and_semantics_follow_instances(any_run):
    _, out, _ = any_run
    taxonomy = load_taxonomy()
    for sample, labels, frame_labels, passes in _frames(out):
        assert passes["instance"].dtype == np.uint16 and passes["semantic"].dtype == np.uint16
        lut = {0: taxonomy["sky"].id} | {o["instance_id"]: o["class_id"] for o in frame_labels["objects"]}
        expected = np.vectorize(lambda i: lut.get(int(i), -1))(passes["instance"])
        assert np.array_equal(expected, passes["semantic"])
        sky = passes["instance"] == 0
        assert np.all(np.isinf(passes["depth"][sky])) and np.all(np.isfinite(passes["depth"][~sky]))
        normals = passes["normal"][~sky]
        assert np.allclose(np.linalg.norm(normals, axis=1), 1.0, atol=1e-3)
        # camera-space normals face the camera: n . (ray through the pixel) < 0
        cam = frame_labels["camera"]
        rays = pixel_rays(cam["model"], cam["K"], cam["width"], cam["height"], np.argwhere(~sky),
                          cam.get("distortion", [0, 0])[:2])
        assert np.mean(np.sum(normals * rays, axis=1) < 1e-3) >= 0.99


def test_normal_label_of_a_planar_face_is_the_face_normal(rendered_run):
    """Buildings are made of planar faces meeting at sharp edges: every building pixel's normal label equals the normal
    of the face a ray through the pixel centre hits (open3d), within 1 degree, bump or no bump."""
    import open3d as o3d
    cfg = compose(RUN_ARGS)
    errors = []
    for sample in _samples(rendered_run):
        labels = load_json(sample / "labels.json")
        seed, index, attempt = labels["provenance"]["seed"]
        spec = FAMILIES["landmark"].build(cfg.scene, Streams((seed, index, attempt)), index, *cfg.render.resolution)
        buildings = [o for o in spec.objects if o.class_path == "context/building"]
        if not buildings:
            continue
        scene = o3d.t.geometry.RaycastingScene()
        for o in buildings:
            scene.add_triangles(o3d.core.Tensor(o.world_vertices(0).astype(np.float32)),
                                o3d.core.Tensor(o.mesh.faces.astype(np.uint32)))
        cam = labels["frames"][0]["camera"]
        w2c = np.array(cam["world_to_camera"])
        passes = read_frame(sample)
        pixels = np.argwhere(np.isin(passes["instance"], [o.instance_id for o in buildings]))
        rays = pixel_rays("perspective", cam["K"], cam["width"], cam["height"], pixels)
        rays /= np.linalg.norm(rays, axis=1, keepdims=True)
        origin = np.broadcast_to(np.linalg.inv(w2c)[:3, 3], rays.shape)
        hit = scene.cast_rays(o3d.core.Tensor(np.hstack([origin, rays @ w2c[:3, :3]]).astype(np.float32)))
        found = np.isfinite(hit["t_hit"].numpy())
        face = hit["primitive_normals"].numpy()[found] @ w2c[:3, :3].T
        face *= -np.sign(np.sum(face * rays[found], axis=1))[:, None]           # the side facing the camera
        label = passes["normal"][pixels[found, 0], pixels[found, 1]]
        errors.append(np.degrees(np.arccos(np.clip(np.sum(face * label, axis=1), -1, 1))))
    errors = np.concatenate(errors)
    assert len(errors) > 1000
    assert np.median(errors) < 0.1 and np.mean(errors < 1.0) > 0.99, (np.median(errors), np.mean(errors < 1.0))


def test_visible_fraction_matches_an_unoccluded_recount(any_run, backend):
    """Re-render the most occluded object of each sample alone (same seed, same camera): the pixels it then covers
    equal its labelled amodal count, so visible_fraction = visible / unoccluded pixels."""
    family, out, args = any_run
    cfg = compose(args)
    occluded = []
    for sample in _samples(out)[:6]:
        labels = load_json(sample / "labels.json")
        seed, index, attempt = labels["provenance"]["seed"]
        spec = FAMILIES[cfg.scene.name].build(cfg.scene, Streams((seed, index, attempt)), index, *cfg.render.resolution)
        apply_lens(spec, cfg.render)
        spec.n_frames = 1
        candidates = [o for o in labels["frames"][0]["objects"] if o["amodal_pixel_count"] >= 20]
        target = min(candidates, key=lambda o: o["visible_fraction"])
        spec.objects = [spec.object_by_id(target["instance_id"])]
        backend.build(spec)
        alone = int((backend.render(spec)[0].instance == target["instance_id"]).sum())
        assert abs(alone - target["amodal_pixel_count"]) <= max(2, 0.01 * target["amodal_pixel_count"]), sample.name
        occluded.append(target["visible_fraction"])
    backend.reset()
    assert min(occluded) < 0.9          # the check covered real occlusion, not only fully visible objects


def test_coco_export_loads_and_decodes_to_the_instance_masks(any_run):
    _, out, args = any_run
    coco = COCO(str(out / "coco" / "annotations" / "instances_train.json"))
    n_frames = sum(len(load_json(s / "labels.json")["frames"]) for s in _samples(out))
    assert len(coco.getImgIds()) == n_frames
    taxonomy = load_taxonomy()
    names = [cat["name"] for cat in coco.loadCats(coco.getCatIds())]
    assert len(set(names)) == len(names)                   # every category name unique (tree vs tree before)
    for cat in coco.loadCats(coco.getCatIds()):
        assert taxonomy.export_names[cat["id"]] == cat["name"] and cat["supercategory"]
    for image in coco.loadImgs(coco.getImgIds()):
        instance = read_frame(out / "samples" / image["sample_id"], image["frame_index"])["instance"]
        for ann in coco.loadAnns(coco.getAnnIds(imgIds=image["id"])):
            assert np.array_equal(coco.annToMask(ann).astype(bool), instance == ann["instance_id"])
            assert ann["area"] == int((instance == ann["instance_id"]).sum())
    videos = {v["id"]: v for v in load_json(out / "coco" / "annotations" / "instances_train.json")["videos"]}
    for ann in coco.loadAnns(coco.getAnnIds()):                        # COCO-video track ids follow our instances
        image = coco.loadImgs(ann["image_id"])[0]
        assert ann["track_id"] == image["video_id"] * 65536 + ann["instance_id"]
        assert videos[image["video_id"]]["name"] == image["sample_id"]
    captions = load_json(out / "coco" / "annotations" / "captions_train.json")
    assert {c["lang"] for c in captions["annotations"]} == {"en", "ko"}


def test_same_seed_same_labels_and_resume_redoes_only_what_is_missing(rendered_run, tmp_path):
    again = tmp_path / "again"
    first = run_cli(*RUN_ARGS[:-1], "n=3", RUN_ARGS[-1], f"out={again}")
    assert first.returncode == 0, first.stderr[-2000:]
    for k in range(3):
        name = f"samples/{k:06d}/labels.json"
        assert (again / name).read_bytes() == (rendered_run / name).read_bytes()
    # simulate a crash: one finished sample lost, one half-written sample left behind
    import shutil
    shutil.rmtree(again / "samples" / "000001")
    (again / "samples" / ".tmp-000002").mkdir()
    (again / "samples" / ".tmp-000002" / "rgb.png").write_bytes(b"torn")
    resumed = run_cli(*RUN_ARGS[:-1], "n=3", RUN_ARGS[-1], f"out={again}")
    assert resumed.returncode == 0 and "1 rendered now, 2 already done" in resumed.stdout
    assert not list((again / "samples").glob(".tmp-*"))
    assert (again / "samples/000001/labels.json").read_bytes() == (rendered_run / "samples/000001/labels.json").read_bytes()
    # a different configuration may not be mixed into the same folder
    clash = run_cli(*RUN_ARGS[:-1], "n=3", "seed=99", RUN_ARGS[-1], f"out={again}")
    assert clash.returncode == 2 and "another configuration" in clash.stderr
    # nor may a run shrink: its exports would silently leave finished samples out
    exported = (again / "coco" / "annotations" / "instances_train.json").read_bytes()
    shrunk = run_cli(*RUN_ARGS[:-1], "n=2", RUN_ARGS[-1], f"out={again}")
    assert shrunk.returncode == 2 and "n=3 or more" in shrunk.stderr and len(shrunk.stderr.strip().splitlines()) == 1
    assert (again / "coco" / "annotations" / "instances_train.json").read_bytes() == exported


def test_different_seeds_render_different_scenes(rendered_run, tmp_path):
    other = tmp_path / "other"
    result = run_cli("render=preview", "n=1", "seed=4", "render.resolution=[112,84]", f"out={other}")
    assert result.returncode == 0
    assert (other / "samples/000000/scene.json").read_bytes() != (rendered_run / "samples/000000/scene.json").read_bytes()
