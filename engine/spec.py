"""SceneSpec: the pure-data description of one sample's scene (no bpy here).

The spec is the single source of truth: the backend builds exactly this, the annotator derives labels from it plus the
render passes, and `to_dict()` is saved next to the sample as its provenance.

World frame: metres, Z up, +Y north, +X east (Blender's). Object meshes are in object-local coordinates and placed per
frame by a 4x4 pose; a still is a clip of one frame.
"""
from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field

import numpy as np

from engine.geometry import (SENSOR_WIDTH_MM, blender_to_opencv_world_to_camera, intrinsics, lens_fit_px,
                             skinned)


@dataclass
class Material:
    name: str                       # human-readable, e.g. "red lacquered wood"
    base_color: tuple               # scene-linear RGB in [0, 1]
    roughness: float = 0.6
    metallic: float = 0.0
    kind: str = ""                  # material family: stone, wood, metal, ... (a tag; the photo look's recipe)
    color_name: str = ""            # named colour the base colour was drawn from (a tag)
    seed: int = 0                   # where the photo look's procedural patterns start (no two objects alike)
    wear: float = 0.0               # 0..1: weathering where the recipe has it (rain streaks, patina)
    wet_below: float | None = None  # world height (m) under which the surface is wet: darker and glossier (a shore)
    emission: float = 0.0           # a light's glowing surface (lamp, window): radiance in the base colour (W/m^2/sr)
    pattern: str = ""               # a printed or woven motif where the recipe has one (fabric: stripes, checks, heather)
    albedo_gain: list | None = None  # per frame [r, g, b] multipliers of the albedo (skin's blood-volume pulse), keyframed


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
class Articulation:
    """An object that moves against itself (actors: people, vehicles). Rigid parts (a car): the mesh holds every part's
    faces with vertices in that part's own frame and `part_poses` places each part in the object's frame per frame.
    Skinned (a person): the mesh is in its rest pose and every vertex follows its bones by linear-blend skinning
    (`skin` weights over the bones, `bind` their rest transforms); bones are the skeleton's parts, then any inner
    bones (fingers). `face_part` names the labelled part of each face either way."""
    skeleton: str                   # skeleton name in the taxonomy (joint and part names live there)
    face_part: np.ndarray           # (F,) part index of each face of the object's mesh
    part_poses: np.ndarray          # (T, B, 4, 4) part- (bone-) to-object transforms per frame
    joints: np.ndarray              # (T, J, 3) keypoints in the object's frame per frame
    skin: np.ndarray | None = None  # (V, B) linear-blend weights (rows sum to 1); None: rigid parts
    bind: np.ndarray | None = None  # (B, 4, 4) rest-pose bone-to-object transforms of a skinned mesh

    def vertex_part(self, faces: np.ndarray, n_vertices: int) -> np.ndarray:
        part = np.zeros(n_vertices, dtype=np.int64)
        part[faces.ravel()] = np.repeat(self.face_part, 3)      # parts share no vertices
        return part

    def part_pose(self, frame: int) -> np.ndarray:
        return self.part_poses[min(frame, len(self.part_poses) - 1)]


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
    articulation: Articulation | None = None
    morph: np.ndarray | None = None  # (T, V, 3) the mesh's vertices (object frame) per frame; `mesh` holds the rest pose

    @property
    def deforming(self) -> bool:
        """Its vertices move against each other over the frames (a skinned body, a morphing eyelid)."""
        return self.morph is not None or (self.articulation is not None and self.articulation.skin is not None)

    def pose(self, frame: int) -> np.ndarray:
        return np.asarray(self.poses[min(frame, len(self.poses) - 1)], dtype=np.float64)

    def mesh_at(self, frame: int) -> Mesh:
        """The mesh in the object's frame at `frame` (articulated parts posed; rigid objects: the mesh itself)."""
        art, m = self.articulation, self.mesh
        if self.morph is not None:
            return Mesh(np.asarray(self.morph[min(frame, len(self.morph) - 1)], np.float64), m.faces, m.face_material)
        if art is None:
            return m
        if art.skin is not None:
            return Mesh(skinned(m.vertices, art.skin, art.part_pose(frame) @ np.linalg.inv(art.bind)), m.faces,
                        m.face_material)
        t = art.part_pose(frame)[art.vertex_part(m.faces, len(m.vertices))]                   # (V, 4, 4)
        vertices = np.einsum("vij,vj->vi", t[:, :3, :3], m.vertices) + t[:, :3, 3]
        return Mesh(vertices, m.faces, m.face_material)

    def part_world(self, frame: int) -> np.ndarray:
        """(P, 4, 4) part-to-world transforms; one row (the object's pose) for a rigid object."""
        parts = self.articulation.part_pose(frame) if self.articulation is not None else np.eye(4)[None]
        return self.pose(frame) @ parts

    def world_vertices(self, frame: int) -> np.ndarray:
        m = self.pose(frame)
        return self.mesh_at(frame).vertices @ m[:3, :3].T + m[:3, 3]

    def box_3d(self, frame: int) -> dict:
        """Oriented 3D box: the local axis-aligned bounds carried by the pose (tight for upright objects; for actors
        the bounds of the posed parts in the actor's heading frame)."""
        m = self.pose(frame)
        vertices = self.mesh_at(frame).vertices
        lo, hi = vertices.min(axis=0), vertices.max(axis=0)
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
    sensor_width_mm: float = SENSOR_WIDTH_MM   # sensor fit horizontal
    clip_start: float = 0.1
    clip_end: float = 5000.0
    model: str = "perspective"      # "equirectangular" (a 360-degree panorama; lens and sensor unused), or
                                    # "distorted" (a pinhole with radial lens distortion)
    distortion: tuple | None = None  # distorted: OpenCV k1, k2

    def K(self):
        """Pinhole intrinsics (of the undistorted lens); None for panoramas."""
        return (intrinsics(self.lens_mm, self.sensor_width_mm, self.width, self.height)
                if self.model in ("perspective", "distorted") else None)

    def to_labels(self, frame: int) -> dict:
        K = self.K()
        lens = {"distortion": [*map(float, self.distortion), 0.0, 0.0, 0.0],      # OpenCV k1 k2 p1 p2 k3
                "distortion_fit_px": round(lens_fit_px(self.distortion, K, self.width, self.height), 4)
                } if self.model == "distorted" else {}
        return {"model": self.model, "K": None if K is None else K.tolist(), **lens,
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
    haze_height_m: float = 0.0      # scale height of the haze above z = 0 (fog lies low); 0 = the same everywhere
    # the photo look (engine.lighting): which sky, how much of the clear-sky sun gets through, how much light an
    # overcast dome passes on, and the exposure key (0.18: middle grey; lower for low-key scenes such as dusk)
    sky_model: str = "gradient"     # physical | overcast | gradient (sky_zenith/horizon, e.g. a concept's colours)
    sun_factor: float = 1.0
    dome_factor: float = 0.4
    exposure_key: float = 0.18
    cloud_cover: float = 0.0        # share of the sky under cloud (photo look; 0: a clear sky)
    cloud_seed: int = 0


@dataclass
class SceneSpec:
    family: str
    category: str
    objects: list
    camera: Camera
    environment: Environment
    n_frames: int = 1
    fps: float = 1.0
    tags: dict = field(default_factory=dict)          # the family's descriptive tags (labels: scene.tags)
    subject_instance_id: int | None = None            # the object the sample is about (QA checks it is seen)
    timeline: object | None = None                    # clips: a family's dataclass of what happens per frame (motion:
                                                      # per-actor actions, trajectories) that clip layers derive from
    cuts: list = field(default_factory=list)          # frames after which the camera cuts to another shot (no flow
                                                      # across a cut)
    scene_key: str | None = None                      # samples with the same key share everything but the camera
                                                      # (views of one scene): the backend builds it once

    def labelled_tags(self) -> dict:
        """The tags as labels carry them: the family's, plus the subject's instance id."""
        return {**self.tags, "subject_instance_id": self.subject_instance_id} if self.subject_instance_id is not None else self.tags

    def object_by_id(self, instance_id: int) -> SceneObject:
        return next(o for o in self.objects if o.instance_id == instance_id)

    def to_dict(self) -> dict:
        return {
            "family": self.family, "category": self.category, "tags": self.labelled_tags(),
            "timeline": {k: v for k, v in asdict(self.timeline).items() if v is not None} if self.timeline else {},
            "n_frames": self.n_frames, "fps": self.fps, **({"cuts": self.cuts} if self.cuts else {}),
            "camera": {"model": self.camera.model, "width": self.camera.width, "height": self.camera.height,
                       "lens_mm": self.camera.lens_mm, "distortion": self.camera.distortion,
                       "sensor_width_mm": self.camera.sensor_width_mm, "clip_start": self.camera.clip_start,
                       "clip_end": self.camera.clip_end, "poses_blender": [np.asarray(p).tolist() for p in self.camera.poses]},
            "environment": {k: (list(v) if isinstance(v, tuple) else v) for k, v in vars(self.environment).items()},
            "objects": [{"instance_id": o.instance_id, "class_path": o.class_path, "name": o.name,
                         "attributes": o.attributes, "source": o.source, "mesh": o.mesh.summary(),
                         "materials": [vars(m) | {"base_color": list(m.base_color)} for m in o.materials],
                         "poses": [np.asarray(p).tolist() for p in o.poses],
                         **({"articulation": {"skeleton": o.articulation.skeleton,
                                              "part_poses": np.round(o.articulation.part_poses, 6).tolist()}}
                            if o.articulation is not None else {}),
                         **({"morph_frames": len(o.morph)} if o.morph is not None else {})} for o in self.objects],
        }
