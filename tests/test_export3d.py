"""The 3D export of landscape samples: glTF, fused point cloud and COLMAP cameras agree with each other and the labels."""
import json
import struct

import numpy as np
import open3d as o3d
import pytest
import trimesh
from conftest import RUNS, load_json, read_frame

from engine.export3d import Z_UP_TO_Y_UP
from engine.geometry import back_project
from engine.streams import Streams
from job.config import compose
from scenes import FAMILIES

pytestmark = pytest.mark.render


def _samples(out):
    return sorted(p for p in (out / "samples").iterdir() if p.is_dir())


EXPORTING = ["landscape", "panorama"]   # the runs made with output.scene3d=true


def _spec(run, labels):
    cfg = compose(RUNS[run])
    seed, index, attempt = labels["provenance"]["seed"]
    return FAMILIES["landscape"].build(cfg.scene, Streams((seed, index, attempt)), index, *cfg.render.resolution)


def _world_mesh(glb_path):
    """All geometry of the glTF in our Z-up world."""
    scene = trimesh.load(glb_path)
    mesh = scene.to_geometry() if hasattr(scene, "to_geometry") else scene.dump(concatenate=True)
    mesh.apply_transform(np.linalg.inv(Z_UP_TO_Y_UP))
    return scene, mesh


@pytest.mark.parametrize("run", EXPORTING)
def test_gltf_reloads_with_every_object_and_the_same_bounds(rendered_runs, run):
    for sample in _samples(rendered_runs[run]):
        spec = _spec(run, load_json(sample / "labels.json"))
        scene, mesh = _world_mesh(sample / "scene3d" / "scene.glb")
        assert {o.name for o in spec.objects} <= set(scene.graph.nodes)
        world = np.vstack([o.world_vertices(0) for o in spec.objects])
        assert np.allclose(mesh.bounds, [world.min(axis=0), world.max(axis=0)], atol=1e-2)
        glb = (sample / "scene3d" / "scene.glb").read_bytes()
        doc = json.loads(glb[20:20 + struct.unpack("<I", glb[12:16])[0]])
        ids = sorted(n["extras"]["instance_id"] for n in doc["nodes"] if "extras" in n)
        assert ids == [o.instance_id for o in spec.objects]
        cameras = [n for n in doc["nodes"] if "camera" in n]
        assert len(cameras) == (spec.n_frames if spec.camera.model == "perspective" else 0)


@pytest.mark.parametrize("run", EXPORTING)
def test_fused_points_lie_on_the_exported_surfaces(rendered_runs, run):
    for sample in _samples(rendered_runs[run]):
        _, mesh = _world_mesh(sample / "scene3d" / "scene.glb")
        cloud = o3d.t.io.read_point_cloud(str(sample / "scene3d" / "points.ply"))
        xyz = cloud.point.positions.numpy().astype(np.float64)
        assert len(xyz) > 1000 and {"class_id", "instance_id", "colors"} <= set(dict(cloud.point.items()).keys())
        raycast = o3d.t.geometry.RaycastingScene()
        raycast.add_triangles(o3d.core.Tensor(mesh.vertices.astype(np.float32)), o3d.core.Tensor(mesh.faces.astype(np.uint32)))
        distance = raycast.compute_distance(o3d.core.Tensor(xyz.astype(np.float32))).numpy()
        cameras = load_json(sample / "scene3d" / "cameras.json")["frames"]
        centres = np.array([-np.array(c["world_to_camera"])[:3, :3].T @ np.array(c["world_to_camera"])[:3, 3] for c in cameras])
        range_m = np.min(np.linalg.norm(xyz[:, None] - centres[None], axis=2), axis=1)
        assert np.mean(distance <= 0.01 + 2e-4 * range_m) >= 0.99


def test_colmap_cameras_reproject_pixels_like_the_native_labels(rendered_runs):
    for sample in _samples(rendered_runs["landscape"]):
        labels = load_json(sample / "labels.json")
        colmap = sample / "scene3d" / "colmap"
        cam_line = [l for l in (colmap / "cameras.txt").read_text().splitlines() if not l.startswith("#")][0].split()
        fx, fy, cx, cy = map(float, cam_line[4:8])
        images = [l.split() for l in (colmap / "images.txt").read_text().splitlines() if l and not l.startswith("#")]
        assert len(images) == len(labels["frames"])
        for row, frame in zip(images, labels["frames"]):
            qw, qx, qy, qz, tx, ty, tz = map(float, row[1:8])
            R = np.array([[1 - 2 * (qy * qy + qz * qz), 2 * (qx * qy - qz * qw), 2 * (qx * qz + qy * qw)],
                          [2 * (qx * qy + qz * qw), 1 - 2 * (qx * qx + qz * qz), 2 * (qy * qz - qx * qw)],
                          [2 * (qx * qz - qy * qw), 2 * (qy * qz + qx * qw), 1 - 2 * (qx * qx + qy * qy)]])
            passes = read_frame(sample, frame["index"])
            # known 3D points: object pixels back-projected with the native K, world_to_camera and depth
            K, w2c = np.array(frame["camera"]["K"]), np.array(frame["camera"]["world_to_camera"])
            pixels = np.argwhere(passes["instance"] > 0)[::97]
            world = back_project(passes["depth"], K, w2c, pixels)
            cam = world @ R.T + [tx, ty, tz]
            uv = cam[:, :2] / cam[:, 2:3] * [fx, fy] + [cx, cy]
            assert np.allclose(uv, pixels[:, ::-1] + 0.5, atol=1e-2)
            assert row[9] == f"{frame['index']:04d}/rgb.png" and (sample / row[9]).is_file()
    for sample in _samples(rendered_runs["panorama"]):          # COLMAP has no equirectangular model
        assert not (sample / "scene3d" / "colmap").exists()
        assert load_json(sample / "scene3d" / "cameras.json")["frames"][0]["model"] == "equirectangular"
