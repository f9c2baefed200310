"""SceneSpec: the pure-data description of one sample's scene (no bpy here).

The spec is the single source of truth: the backend builds exactly this, the annotator derives labels from it plus the
render passes, and `to_dict()` is saved next to the sample as its provenance.

World frame: metres, Z up, +Y north, +X east (Blender's). Object meshes are in object-local coordinates and placed per
frame by a 4x4 pose; a still is a clip of one frame.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np

from engine.geometry import blender_to_opencv_world_to_camera, intrinsics


@dataclass
class Material:
    name: str                       # human-readable, e.g. "red lacquered wood"
    base_color: tuple               # scene-linear RGB in [0, 1]
    roughness: float = 0.6
    metallic: float = 0.0
    kind: str = ""                  # material family: stone, wood, metal, ... (a tag)
    color_name: str = ""            # named colour the base colour was drawn from (a tag)


@dataclass
class Mesh:
    vertices: np.ndarray            # (V, 3) float64, object-local metres
    faces: np.ndarray               # (F, 3) int64 triangles
    face_material: np.ndarray       # (F,) int index into the object's materials

    def summary(self) -> dict:
        digest = hashlib.sha1()
        for a in (self.vertices.astype(np.float64), self.faces.astype(np.int64), self.face_material.astype(np.int64)):
            digest.update(np.ascontiguousarray(a).tobytes())
        lo, hi = self.vertices.min(axis=0), self.vertices.max(axis=0)
        return {"n_vertices": int(len(self.vertices)), "n_faces": int(len(self.faces)), "sha1": digest.hexdigest(),
                "bounds_local": [lo.tolist(), hi.tolist()]}


@dataclass
class SceneObject:
    instance_id: int                # >= 1, stable over the frames of a sample; 0 is background
    class_path: str                 # taxonomy path, e.g. "landmark/tower/pagoda"
    name: str
    mesh: Mesh
    materials: list
    poses: list                     # one 4x4 object-to-world matrix per frame (or a single one for all frames)
    attributes: dict = field(default_factory=dict)
    source: dict = field(default_factory=dict)   # generator name and parameters that rebuild the mesh

    def pose(self, frame: int) -> np.ndarray:
        return np.asarray(self.poses[min(frame, len(self.poses) - 1)], dtype=np.float64)

    def world_vertices(self, frame: int) -> np.ndarray:
        m = self.pose(frame)
        return self.mesh.vertices @ m[:3, :3].T + m[:3, 3]

    def box_3d(self, frame: int) -> dict:
        """Oriented 3D box: the local axis-aligned bounds carried by the pose (tight for upright objects)."""
        m = self.pose(frame)
        lo, hi = self.mesh.vertices.min(axis=0), self.mesh.vertices.max(axis=0)
        scale = np.linalg.norm(m[:3, :3], axis=0)
        rotation = m[:3, :3] / scale
        size = (hi - lo) * scale
        center = m[:3, :3] @ ((lo + hi) / 2) + m[:3, 3]
        signs = np.array([[sx, sy, sz] for sx in (-1, 1) for sy in (-1, 1) for sz in (-1, 1)], dtype=np.float64)
        corners = center + (signs * size / 2) @ rotation.T
        return {"center_world": center.tolist(), "size": size.tolist(), "rotation_world": rotation.tolist(),
                "corners_world": corners.tolist()}


@dataclass
class Camera:
    width: int
    height: int
    lens_mm: float
    poses: list                     # one 4x4 Blender camera-to-world matrix per frame (camera looks down its -Z)
    sensor_width_mm: float = 36.0   # sensor fit horizontal
    clip_start: float = 0.1
    clip_end: float = 5000.0
    model: str = "perspective"      # or "equirectangular" (a 360-degree panorama; lens and sensor unused)

    def K(self):
        """Pinhole intrinsics; None for panoramas."""
        return intrinsics(self.lens_mm, self.sensor_width_mm, self.width, self.height) if self.model == "perspective" else None

    def to_labels(self, frame: int) -> dict:
        K = self.K()
        return {"model": self.model, "K": None if K is None else K.tolist(),
                "world_to_camera": self.world_to_camera(frame).tolist(), "width": self.width, "height": self.height}

    def world_to_camera(self, frame: int) -> np.ndarray:
        """OpenCV convention: x right, y down, z forward."""
        return blender_to_opencv_world_to_camera(np.asarray(self.poses[min(frame, len(self.poses) - 1)]))


@dataclass
class Environment:
    sun_direction: tuple            # unit vector from the ground towards the sun
    sun_color: tuple                # linear RGB
    sun_strength: float             # W/m^2 (Blender sun strength)
    sun_angle_deg: float            # angular diameter: softness of shadows
    sky_zenith: tuple               # linear RGB radiance of the sky gradient
    sky_horizon: tuple
    sky_ground: tuple
    sky_strength: float
    haze_density: float = 0.0       # 1/m extinction of the aerial-perspective haze (0 = clear)
    haze_color: tuple = (0.7, 0.75, 0.8)


@dataclass
class SceneSpec:
    family: str
    category: str
    objects: list
    camera: Camera
    environment: Environment
    n_frames: int = 1
    fps: float = 1.0
    tags: dict = field(default_factory=dict)

    def object_by_id(self, instance_id: int) -> SceneObject:
        return next(o for o in self.objects if o.instance_id == instance_id)

    def to_dict(self) -> dict:
        return {
            "family": self.family, "category": self.category, "tags": self.tags,
            "n_frames": self.n_frames, "fps": self.fps,
            "camera": {"model": self.camera.model, "width": self.camera.width, "height": self.camera.height,
                       "lens_mm": self.camera.lens_mm,
                       "sensor_width_mm": self.camera.sensor_width_mm, "clip_start": self.camera.clip_start,
                       "clip_end": self.camera.clip_end, "poses_blender": [np.asarray(p).tolist() for p in self.camera.poses]},
            "environment": {k: (list(v) if isinstance(v, tuple) else v) for k, v in vars(self.environment).items()},
            "objects": [{"instance_id": o.instance_id, "class_path": o.class_path, "name": o.name,
                         "attributes": o.attributes, "source": o.source, "mesh": o.mesh.summary(),
                         "materials": [vars(m) | {"base_color": list(m.base_color)} for m in o.materials],
                         "poses": [np.asarray(p).tolist() for p in o.poses]} for o in self.objects],
        }
