"""The label contract: the schema of labels.json (TypedDicts, so the JSON on disk is exactly these dicts), the clip
layers a scene family derives, and the facts every stage reads from labels (tracks, accepted variants)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import NotRequired, TypedDict


class CameraLabels(TypedDict):
    model: str                          # perspective | equirectangular
    K: list | None                      # 3x3 pinhole intrinsics; None for panoramas
    world_to_camera: list               # 4x4, OpenCV axes: x right, y down, z forward
    width: int
    height: int


class Box3D(TypedDict):
    center_world: list
    size: list
    rotation_world: list                # 3x3
    corners_world: list                 # 8x3


class ObjectLabels(TypedDict):
    instance_id: int
    class_id: int
    class_path: str
    name: str
    attributes: dict
    bbox_2d: list | None                # [x, y, w, h] of the visible pixels (pixel edges); None when hidden
    bbox_2d_amodal: list                # the whole geometry's projection on the pixel grid, clipped to the image
    visible_fraction: float
    pixel_count: int
    amodal_pixel_count: int
    truncated: bool
    occluded_by: dict                   # class path -> share of the object's unoccluded area it covers
    raster_stray_pixels: int
    bbox_3d: Box3D
    mask_rle: dict                      # COCO RLE of the visible mask
    track_id: NotRequired[int]          # = instance_id (stable over a sample's frames)
    keypoints_2d: NotRequired[list]     # actors: [[x, y, v]] with COCO visibility
    keypoints_3d_world: NotRequired[list]
    num_keypoints: NotRequired[int]
    part_pixel_counts: NotRequired[dict]


class FrameLabels(TypedDict):
    index: int
    time_s: float
    camera: CameraLabels
    objects: list[ObjectLabels]


class Captions(TypedDict):
    en: list[str]
    ko: list[str]


class SceneLabels(TypedDict):
    family: str
    category: str
    tags: dict                          # the family's descriptive tags, plus subject_instance_id
    captions: Captions
    image_stats: dict


class Track(TypedDict):
    track_id: int
    class_path: str
    frames_in_view: list[int]           # frames whose labels list the object (some of it projects into the image)
    frames_visible: list[int]           # frames where at least one pixel shows it
    kind: NotRequired[str]              # clips with actors: the trajectory layer
    role: NotRequired[str]
    style: NotRequired[str]
    trajectory_world: NotRequired[list]
    heading_deg: NotRequired[list]


class ActionSegment(TypedDict):
    track_id: int
    action: str
    style: str
    start_frame: int
    end_frame: int                      # inclusive
    start_s: float
    end_s: float
    toward_track: int | None


class Event(TypedDict):
    type: str
    participants: list[int]
    start_frame: int
    end_frame: int
    start_s: float
    end_s: float


class Provenance(TypedDict):
    generator: str
    version: str
    config_hash: str
    seed: list[int]                     # (run seed, sample index, QA attempt): the key of the sample's random streams
    assets: list
    augment: dict | None
    statement: str
    camera_effects: dict                # render.sensor_noise and render.vignetting applied to the RGB (0: off)


class SampleLabels(TypedDict):
    sample_id: str
    fps: float                          # frames per second of the sample (1 for stills)
    scene: SceneLabels
    taxonomy_version: str
    frames: list[FrameLabels]
    tracks: list[Track]
    actions: list[ActionSegment]
    events: list[Event]
    script: NotRequired[dict]           # {"en": [{start_s, end_s, text, ...}], "ko": [...]}
    augment: NotRequired[dict]          # diffusion variants, their seeds and consistency scores
    provenance: Provenance


@dataclass
class ClipLayers:
    """What a scene family derives for a clip beyond the per-frame labels (empty for stills)."""
    actions: list[ActionSegment] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    script: dict | None = None
    trajectories: dict = field(default_factory=dict)   # track_id -> kind, role, style, trajectory_world, heading_deg
    layers: dict = field(default_factory=dict)         # a family's own top-level label layers (scene=face: "face")


def tracks(frame_labels: list[FrameLabels]) -> list[Track]:
    """Instance ids are stable over a sample's frames, so each object is one track: the frames that list it (in view)
    and those where it shows. Marks every object with its track_id."""
    found: dict[int, Track] = {}
    for frame in frame_labels:
        for obj in frame["objects"]:
            obj["track_id"] = obj["instance_id"]
            t = found.setdefault(obj["instance_id"], {"track_id": obj["instance_id"], "class_path": obj["class_path"],
                                                      "frames_in_view": [], "frames_visible": []})
            t["frames_in_view"].append(frame["index"])
            if obj["pixel_count"]:
                t["frames_visible"].append(frame["index"])
    return list(found.values())


def accepted_variants(labels: SampleLabels) -> list[int]:
    """Indices of the sample's accepted diffusion variants (augment=controlnet), each a full copy of its frames."""
    return [v["variant"] for v in (labels.get("augment") or {}).get("variants", []) if v["accepted"]]

