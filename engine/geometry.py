"""Camera and transform maths shared by recipes, backend and annotator (numpy only)."""
from __future__ import annotations

import numpy as np

# Blender cameras look down -Z with +Y up; OpenCV cameras look down +Z with +Y down.
BLENDER_TO_OPENCV = np.diag([1.0, -1.0, -1.0, 1.0])
SENSOR_WIDTH_MM = 36.0     # every camera's sensor (full frame, horizontal fit): focal lengths read as on a 35 mm camera


def intrinsics(lens_mm: float, sensor_width_mm: float, width: int, height: int) -> np.ndarray:
    """Pinhole K for Blender's horizontal sensor fit, square pixels, principal point at the image centre."""
    f = lens_mm / sensor_width_mm * width
    return np.array([[f, 0.0, width / 2.0], [0.0, f, height / 2.0], [0.0, 0.0, 1.0]])


def blender_to_opencv_world_to_camera(camera_to_world_blender: np.ndarray) -> np.ndarray:
    return BLENDER_TO_OPENCV @ np.linalg.inv(camera_to_world_blender)


def look_at(position, target, up=(0.0, 0.0, 1.0)) -> np.ndarray:
    """Blender camera-to-world matrix for a camera at `position` looking at `target`."""
    position, target = np.asarray(position, float), np.asarray(target, float)
    forward = target - position
    forward /= np.linalg.norm(forward)
    right = np.cross(forward, up)
    if np.linalg.norm(right) < 1e-9:          # looking straight up/down: any right vector will do
        right = np.array([1.0, 0.0, 0.0])
    right /= np.linalg.norm(right)
    cam_up = np.cross(right, forward)
    m = np.eye(4)
    m[:3, 0], m[:3, 1], m[:3, 2], m[:3, 3] = right, cam_up, -forward, position
    return m


def pose(translation=(0.0, 0.0, 0.0), yaw: float = 0.0, scale: float = 1.0) -> np.ndarray:
    """Object-to-world matrix: uniform scale, rotation about Z (radians), then translation."""
    c, s = np.cos(yaw), np.sin(yaw)
    m = np.eye(4)
    m[:3, :3] = np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]]) * scale
    m[:3, 3] = translation
    return m


def to_camera(points_world: np.ndarray, world_to_camera: np.ndarray) -> np.ndarray:
    """World points (..., 3) -> camera-space points (OpenCV axes)."""
    return points_world @ world_to_camera[:3, :3].T + world_to_camera[:3, 3]


def pinhole(points_camera: np.ndarray, K: np.ndarray) -> np.ndarray:
    """Camera-space points (..., 3) -> pixel coordinates (..., 2); pixel centres sit at (i + 0.5, j + 0.5). The one
    pinhole projection every stage uses (labels, rasteriser, flow, recipes)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return points_camera[..., :2] / points_camera[..., 2:3] * [K[0, 0], K[1, 1]] + [K[0, 2], K[1, 2]]


def project(points_world: np.ndarray, K: np.ndarray, world_to_camera: np.ndarray):
    """World points -> (pixel coords (N, 2), depth along the view axis (N,))."""
    cam = to_camera(points_world, world_to_camera)
    return pinhole(cam, K), cam[:, 2]


def pixel_rays(model: str, K, width: int, height: int, pixels_vu: np.ndarray) -> np.ndarray:
    """Camera-space (OpenCV) rays through pixel centres, scaled so that point = ray * depth:
    perspective: z = 1 (depth is planar, along the view axis); equirectangular: unit length (depth is the distance).
    Equirectangular as Blender renders it: longitude 0 at the image centre growing to the right, latitude +90 deg at
    the top row."""
    v, u = pixels_vu[:, 0] + 0.5, pixels_vu[:, 1] + 0.5
    if model == "perspective":
        K = np.asarray(K)
        return np.stack([(u - K[0, 2]) / K[0, 0], (v - K[1, 2]) / K[1, 1], np.ones(len(u))], axis=1)
    lon = u / width * 2 * np.pi - np.pi
    lat = np.pi / 2 - v / height * np.pi
    return np.stack([np.cos(lat) * np.sin(lon), -np.sin(lat), np.cos(lat) * np.cos(lon)], axis=1)


def back_project(depth: np.ndarray, K, world_to_camera: np.ndarray, pixels_vu: np.ndarray,
                 model: str = "perspective") -> np.ndarray:
    """Pixels (row, col) with their depth -> world points."""
    rays = pixel_rays(model, K, depth.shape[1], depth.shape[0], pixels_vu)
    cam = rays * depth[pixels_vu[:, 0], pixels_vu[:, 1]].astype(np.float64)[:, None]
    camera_to_world = np.linalg.inv(world_to_camera)
    return cam @ camera_to_world[:3, :3].T + camera_to_world[:3, 3]


def compass_name(azimuth_deg: float) -> str:
    """Eight-point compass direction for an azimuth measured clockwise from north (+Y)."""
    names = ["north", "north-east", "east", "south-east", "south", "south-west", "west", "north-west"]
    return names[int(((azimuth_deg % 360) + 22.5) // 45) % 8]
