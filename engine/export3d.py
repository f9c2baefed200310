"""3D export of a sample's space (output.scene3d=true): the scene as glTF binary, a labelled point cloud fused from
the rendered depth, and the cameras as JSON and COLMAP text.

    scene3d/scene.glb        every object as a node named like the labels, extras {instance_id, class_id, class_path},
                             PBR materials, shared meshes reused, one glTF camera per frame; glTF's Y-up axes
    scene3d/points.ply       x y z, red green blue, class_id, instance_id (world metres, Z up), one point per voxel
    scene3d/cameras.json     per frame: K, world_to_camera (OpenCV), width, height, image path
    scene3d/colmap/          cameras.txt (PINHOLE), images.txt (world-to-camera quaternion + translation), points3D.txt
                             (perspective cameras only: COLMAP and glTF have no equirectangular model)
"""
from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np
import trimesh

from engine.geometry import back_project
from engine.layout import SampleLayout
from engine.passes import FramePasses

# our world is Z up (Blender); glTF is Y up: (x, y, z) -> (x, z, -y)
Z_UP_TO_Y_UP = np.array([[1.0, 0, 0, 0], [0, 0, 1, 0], [0, -1, 0, 0], [0, 0, 0, 1]])


def _material(m) -> trimesh.visual.material.PBRMaterial:
    # glTF colour factors are linear, as our base colours are
    return trimesh.visual.material.PBRMaterial(name=m.name, baseColorFactor=[*m.base_color, 1.0],
                                               metallicFactor=float(m.metallic), roughnessFactor=float(m.roughness))


def scene_glb(spec, taxonomy, cameras: bool = True) -> bytes:
    scene = trimesh.Scene()
    parts = {}   # id(mesh) -> [(geometry name, faces of one material)], built once per shared mesh
    for obj in spec.objects:
        key = id(obj.mesh)
        if key not in parts:
            parts[key] = []
            for k, mat in enumerate(obj.materials):
                faces = obj.mesh.faces[obj.mesh.face_material == k]
                if not len(faces):
                    continue
                geom = trimesh.Trimesh(obj.mesh.vertices, faces, process=False)
                geom.remove_unreferenced_vertices()
                geom.visual = trimesh.visual.TextureVisuals(material=_material(mat))
                name = f"{obj.name}:{k}"
                scene.geometry[name] = geom          # geometry only; nodes below reference it (shared meshes)
                parts[key].append(name)
        extras = {"instance_id": obj.instance_id, "class_id": taxonomy[obj.class_path].id, "class_path": obj.class_path}
        scene.graph.update(frame_to=obj.name, frame_from=scene.graph.base_frame,
                           matrix=Z_UP_TO_Y_UP @ obj.pose(0), metadata=extras)
        for name in parts[key]:
            scene.graph.update(frame_to=f"{obj.name}/{name.split(':')[-1]}", frame_from=obj.name, geometry=name)
    glb = scene.export(file_type="glb")
    return _add_cameras(glb, spec) if cameras else glb


def _add_cameras(glb: bytes, spec) -> bytes:
    """Append one perspective camera node per frame to a GLB (trimesh writes none of ours)."""
    json_len = struct.unpack("<I", glb[12:16])[0]
    doc = json.loads(glb[20:20 + json_len])
    rest = glb[20 + json_len:]
    cam = spec.camera
    if cam.model != "perspective":
        return glb                  # glTF cameras are pinholes; a panorama's camera is in cameras.json
    yfov = 2 * np.arctan(cam.sensor_width_mm * cam.height / cam.width / 2 / cam.lens_mm)
    doc["cameras"] = [{"type": "perspective", "perspective": {"yfov": float(yfov), "aspectRatio": cam.width / cam.height,
                                                               "znear": cam.clip_start, "zfar": cam.clip_end}}]
    for frame in range(spec.n_frames):
        pose = Z_UP_TO_Y_UP @ np.asarray(cam.poses[min(frame, len(cam.poses) - 1)])   # glTF cameras look down -Z too
        doc["nodes"].append({"name": f"camera_{frame:04d}", "camera": 0, "matrix": pose.T.ravel().tolist()})
        doc["scenes"][0]["nodes"].append(len(doc["nodes"]) - 1)
    text = json.dumps(doc, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 4)
    body = struct.pack("<II", len(text), 0x4E4F534A) + text + rest
    return struct.pack("<III", 0x46546C67, 2, 12 + len(body)) + body


def fuse_points(frames: list[FramePasses], frame_labels: list[dict], voxel_m: float) -> dict:
    """Back-project every object pixel of every frame; keep one point per voxel (the first seen)."""
    xyz, rgb, cls, inst = [], [], [], []
    for passes, labels in zip(frames, frame_labels):
        pixels = np.argwhere(passes.instance > 0)
        c = labels["camera"]
        xyz.append(back_project(passes.depth, c["K"], np.array(c["world_to_camera"]), pixels, c["model"],
                                c.get("distortion", [0, 0])[:2]))
        rgb.append(passes.rgb[pixels[:, 0], pixels[:, 1]])
        cls.append(passes.semantic[pixels[:, 0], pixels[:, 1]])
        inst.append(passes.instance[pixels[:, 0], pixels[:, 1]])
    points = {"xyz": np.concatenate(xyz), "rgb": np.concatenate(rgb), "class_id": np.concatenate(cls),
              "instance_id": np.concatenate(inst)}
    if voxel_m > 0 and len(points["xyz"]):
        _, first = np.unique(np.floor(points["xyz"] / voxel_m).astype(np.int64), axis=0, return_index=True)
        points = {k: v[np.sort(first)] for k, v in points.items()}
    return points


def write_ply(path: Path, points: dict):
    import open3d as o3d
    cloud = o3d.t.geometry.PointCloud(o3d.core.Tensor(points["xyz"].astype(np.float32)))
    cloud.point.colors = o3d.core.Tensor(points["rgb"].astype(np.float32) / 255.0)
    cloud.point.class_id = o3d.core.Tensor(points["class_id"].astype(np.int32)[:, None])
    cloud.point.instance_id = o3d.core.Tensor(points["instance_id"].astype(np.int32)[:, None])
    if not o3d.t.io.write_point_cloud(str(path), cloud, write_ascii=False):
        raise OSError(f"open3d could not write {path}")


def _quaternion(R: np.ndarray) -> np.ndarray:
    """Rotation matrix -> unit quaternion (w, x, y, z), w >= 0."""
    w = np.sqrt(max(0.0, 1 + R[0, 0] + R[1, 1] + R[2, 2])) / 2
    x = np.copysign(np.sqrt(max(0.0, 1 + R[0, 0] - R[1, 1] - R[2, 2])) / 2, R[2, 1] - R[1, 2])
    y = np.copysign(np.sqrt(max(0.0, 1 - R[0, 0] + R[1, 1] - R[2, 2])) / 2, R[0, 2] - R[2, 0])
    z = np.copysign(np.sqrt(max(0.0, 1 - R[0, 0] - R[1, 1] + R[2, 2])) / 2, R[1, 0] - R[0, 1])
    q = np.array([w, x, y, z])
    return q / np.linalg.norm(q)


def _image_name(frame: int) -> str:
    """A frame's image relative to the sample folder."""
    return SampleLayout(Path()).rgb(frame).as_posix()


def write_cameras(folder: Path, frame_labels: list[dict], points: dict, max_points: int = 20000):
    cams = [{"frame": f["index"], "image": _image_name(f["index"]), **f["camera"]} for f in frame_labels]
    (folder / "cameras.json").write_text(json.dumps({"convention": "OpenCV: x right, y down, z forward; pixel centres "
                                                     "at (i + 0.5, j + 0.5); world metres, Z up", "frames": cams}))
    if frame_labels[0]["camera"]["model"] not in ("perspective", "distorted"):
        return                      # COLMAP has no equirectangular camera model
    colmap = folder / "colmap"
    colmap.mkdir()
    first = frame_labels[0]["camera"]
    K = np.array(first["K"])
    k1, k2 = first.get("distortion", [0.0, 0.0])[:2]            # COLMAP's OPENCV model: fx fy cx cy k1 k2 p1 p2
    model, extra = ("OPENCV", f" {k1!r} {k2!r} 0.0 0.0") if first["model"] == "distorted" else ("PINHOLE", "")
    (colmap / "cameras.txt").write_text(
        "# CAMERA_ID MODEL WIDTH HEIGHT PARAMS[fx fy cx cy (k1 k2 p1 p2)]\n"
        f"1 {model} {first['width']} {first['height']} {K[0, 0]!r} {K[1, 1]!r} {K[0, 2]!r} {K[1, 2]!r}{extra}\n")
    lines = ["# IMAGE_ID QW QX QY QZ TX TY TZ CAMERA_ID NAME (names relative to the sample folder)", "# POINTS2D[]"]
    for f in frame_labels:
        w2c = np.array(f["camera"]["world_to_camera"])
        q, t = _quaternion(w2c[:3, :3]), w2c[:3, 3]
        lines += [f"{f['index'] + 1} " + " ".join(repr(float(v)) for v in (*q, *t)) + f" 1 {_image_name(f['index'])}", ""]
    (colmap / "images.txt").write_text("\n".join(lines) + "\n")
    step = max(1, len(points["xyz"]) // max_points)
    rows = ["# POINT3D_ID X Y Z R G B ERROR TRACK[] (fused from the depth passes; no tracks)"]
    for i, (p, c) in enumerate(zip(points["xyz"][::step], points["rgb"][::step])):
        rows.append(f"{i + 1} {p[0]:.5f} {p[1]:.5f} {p[2]:.5f} {c[0]} {c[1]} {c[2]} 0")
    (colmap / "points3D.txt").write_text("\n".join(rows) + "\n")


def export_scene3d(folder: Path, spec, frames: list[dict], frame_labels: list[dict], taxonomy, voxel_m: float):
    folder.mkdir()
    (folder / "scene.glb").write_bytes(scene_glb(spec, taxonomy))
    points = fuse_points(frames, frame_labels, voxel_m)
    write_ply(folder / "points.ply", points)
    write_cameras(folder, frame_labels, points)
