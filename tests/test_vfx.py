"""VFX deliverables on a real run (scene=asset, 6-frame turntables): EXR layers and metadata, Cryptomatte mattes that
decode to our masks, a .blend that re-renders the same image, and assets whose glTF matches their card."""
import json
import subprocess
import sys

import numpy as np
import OpenEXR
import pytest
import trimesh
from conftest import load_json, read_frame, run_cli
from PIL import Image

from engine.export3d import Z_UP_TO_Y_UP
from engine.geometry import back_project, project
from engine.vfx import cryptomatte_coverage, cryptomatte_hash

pytestmark = pytest.mark.render
ARGS = ["scene=asset", "render=preview", "n=3", "render.resolution=[96,72]", "scene.frames=6",
        "scene.kinds=[landmark,tree,boulder]", "output.exr=true", "output.blend=true"]


@pytest.fixture(scope="module")
def asset_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("vfx") / "assets"
    result = run_cli(*ARGS, f"out={out}")
    assert result.returncode == 0, result.stderr[-2000:]
    return out


def _samples(out):
    return sorted(p for p in (out / "samples").iterdir() if p.is_dir())


def _exr(path):
    with OpenEXR.File(str(path)) as f:
        channels = {k: c.pixels for p in f.parts for k, c in p.channels.items()}
        headers = [dict(p.header) for p in f.parts]
    return channels, headers


def _manifest(headers, layer):
    key = next(k for k, v in headers[0].items() if k.endswith("/name") and v == layer)
    return json.loads(headers[0][key.replace("/name", "/manifest")])


def test_exr_has_the_layers_and_metadata(asset_run):
    sample = _samples(asset_run)[0]
    channels, headers = _exr(sample / "0000" / "render.exr")
    assert channels["ViewLayer.Combined"].dtype == np.float16                     # half by default ...
    for name in ("ViewLayer.Depth.Z", "ViewLayer.Position.X", "ViewLayer.CryptoObject00.r"):
        assert channels[name].dtype == np.float32                                 # ... data stays float32
    for name in ("ViewLayer.Normal.X", "ViewLayer.Diffuse Color", "ViewLayer.CryptoMaterial00.r"):
        assert name in channels
    labels = load_json(sample / "labels.json")
    assert headers[0]["engine/sample_id"] == labels["sample_id"]
    assert json.loads(headers[0]["engine/camera"]) == labels["frames"][0]["camera"]
    assert "scene-linear" in headers[0]["engine/colorspace"]
    depth = read_frame(sample)["depth"]
    finite = np.isfinite(depth)
    assert np.allclose(channels["ViewLayer.Depth.Z"][finite], depth[finite])


def test_cryptomatte_mattes_decode_to_our_instance_and_class_masks(asset_run):
    for sample in _samples(asset_run):
        labels = load_json(sample / "labels.json")
        for frame in labels["frames"]:
            channels, headers = _exr(sample / f"{frame['index']:04d}" / "render.exr")
            objects = _manifest(headers, "ViewLayer.CryptoObject")
            assert all(int(h, 16) == cryptomatte_hash(n) for n, h in objects.items())   # Blender's ids, our rule
            passes = read_frame(sample, frame["index"])
            for obj in frame["objects"]:
                assert obj["name"] in objects
                if obj["pixel_count"] == 0:
                    continue
                matte = cryptomatte_coverage(channels, "ViewLayer.CryptoObject", obj["name"]) >= 0.5
                ours = passes["instance"] == obj["instance_id"]
                assert (matte & ours).sum() / (matte | ours).sum() >= 0.995
            materials = _manifest(headers, "ViewLayer.CryptoMaterial")
            subject = frame["objects"][0]
            matte = sum(cryptomatte_coverage(channels, "ViewLayer.CryptoMaterial", m) for m in materials
                        if m.startswith(subject["class_path"] + "/")) >= 0.5
            ours = passes["semantic"] == subject["class_id"]
            assert (matte & ours).sum() / (matte | ours).sum() >= 0.995


def test_blend_file_re_renders_the_same_image(asset_run, tmp_path):
    sample = _samples(asset_run)[1]
    png = tmp_path / "again.png"
    script = ("import bpy, sys; bpy.ops.wm.open_mainfile(filepath=sys.argv[1]); s = bpy.context.scene; "
              "s.render.filepath = sys.argv[2]; s.frame_set(1); bpy.ops.render.render(write_still=True)")
    result = subprocess.run([sys.executable, "-c", script, str(sample / "scene.blend"), str(png)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    again = np.asarray(Image.open(png).convert("RGB"), dtype=np.float64)
    saved = np.asarray(Image.open(sample / "0000" / "rgb.png").convert("RGB"), dtype=np.float64)
    assert again.shape == saved.shape and np.abs(again - saved).mean() < 2.0       # dither only


def test_asset_gltf_matches_its_card(asset_run):
    for sample in _samples(asset_run):
        card = load_json(sample / "asset" / "card.json")
        scene = trimesh.load(sample / "asset" / "model.glb")
        mesh = scene.to_geometry() if hasattr(scene, "to_geometry") else scene.dump(concatenate=True)
        mesh.apply_transform(np.linalg.inv(Z_UP_TO_Y_UP))
        assert len(mesh.faces) == card["polycount"]
        assert np.allclose(mesh.bounds, card["bounds_m"], atol=1e-3)
        assert card["license"].startswith("CC0") and card["seed"] and card["class_path"]
        assert (sample / "asset" / "thumbnail.png").is_file()


def test_exr_motion_vectors_equal_the_geometric_flow_of_the_clip(asset_run):
    """Blender's Vector layer (X, Y towards the previous frame; Z, W from the next frame; y up) against the flow
    computed from our depth and cameras: back-project each object pixel, project it with the next/previous camera."""
    sample = _samples(asset_run)[0]
    labels = load_json(sample / "labels.json")
    channels, _ = _exr(sample / "0001" / "render.exr")
    vec = np.stack([channels[f"ViewLayer.Vector.{a}"] for a in "XYZW"], axis=-1)
    passes = read_frame(sample, 1)
    pixels = np.argwhere(passes["instance"] > 0)
    cams = [labels["frames"][k]["camera"] for k in (0, 1, 2)]
    world = back_project(passes["depth"], cams[1]["K"], np.array(cams[1]["world_to_camera"]), pixels)
    here = pixels[:, ::-1] + 0.5
    (uv_next, z_next), (uv_prev, z_prev) = (project(world, np.array(cams[k]["K"]), np.array(cams[k]["world_to_camera"]))
                                            for k in (2, 0))
    ahead = (z_next > 0.5) & (z_prev > 0.5)       # points that stay in front of both neighbouring cameras
    to_next, to_prev, v = uv_next[ahead] - here[ahead], uv_prev[ahead] - here[ahead], vec[pixels[ahead, 0], pixels[ahead, 1]]
    assert ahead.mean() > 0.5
    assert np.abs(to_next).max() > 5                                       # the camera really moves
    for ours, theirs in ((np.column_stack([-v[:, 2], v[:, 3]]), to_next), (np.column_stack([v[:, 0], -v[:, 1]]), to_prev)):
        assert np.mean(np.all(np.abs(ours - theirs) <= 0.05, axis=1)) > 0.99
