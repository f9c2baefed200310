"""The motion camera: static, pan, dolly or tracking, placed so the actors it must keep stay in frame and none comes
closer than MIN_EYE_M."""
from __future__ import annotations

import numpy as np

from engine.geometry import SENSOR_WIDTH_MM, look_at, pinhole, to_camera
from engine.spec import Camera
from scenes.motion.simulation import Actor, world_joints

CAMERA_MODES = ("static", "pan", "dolly", "tracking")
MIN_EYE_M = 2.5                                              # no actor comes closer to the camera


def smooth(points: np.ndarray, width: int = 7) -> np.ndarray:
    """A moving average over `width` frames per column, the ends held."""
    pad = np.pad(points, ((width // 2, width // 2), (0, 0)), mode="edge")
    kernel = np.ones(width) / width
    return np.stack([np.convolve(pad[:, k], kernel, mode="valid") for k in range(points.shape[1])], axis=1)


def _in_frame(camera: Camera, actors_kept: list, n_frames: int, margin: float = 0.04) -> bool:
    K = camera.K()
    for f in range(n_frames):
        w2c = camera.world_to_camera(f)
        for a in actors_kept:
            pts = world_joints(a, f)
            cam = to_camera(pts, w2c)
            if np.any(cam[:, 2] < 1.0):
                return False
            uv = pinhole(cam, K)
            lo, hi = np.array([camera.width, camera.height]) * margin, np.array([camera.width, camera.height]) * (1 - margin)
            if np.any(uv < lo) or np.any(uv > hi):
                return False
    return True


def place_camera(rng, cfg, mode: str, main: list, subject: Actor, cast: list, n_frames: int, width: int, height: int):
    """A camera of `mode` that keeps the subject (static, dolly: every main actor) in frame and every actor at least
    MIN_EYE_M away; tries a few azimuths, backing off from each until the actors fit."""
    focal = float(rng.uniform(*cfg.focal_mm))
    vfov_half = np.arctan(SENSOR_WIDTH_MM * height / width / 2 / focal)
    fill = float(rng.uniform(*cfg.fill))
    elevation = np.deg2rad(rng.uniform(*cfg.elevation_deg))
    sway = float(rng.uniform(0.15, 0.3)) * rng.choice([-1, 1])
    all_xy = np.array([p for act in main for p in act.positions])
    centre = np.array([*((all_xy.min(axis=0) + all_xy.max(axis=0)) / 2), 0.9])
    track = np.column_stack([smooth(np.array(subject.positions)), np.full(n_frames, 0.9)])
    keep = main if mode in ("static", "dolly") else [subject]
    everyone = np.stack([np.array(a.positions) for a in cast], axis=1)          # (T, A, 2)
    first = float(rng.uniform(0, 360))
    for azimuth in first + np.arange(8) * 135.0:
        a = np.deg2rad(azimuth)
        direction = np.array([np.cos(elevation) * np.sin(a), np.cos(elevation) * np.cos(a), np.sin(elevation)])
        distance = max(3.0, subject.model.height / fill / (2 * np.tan(vfov_half)))
        for _ in range(25):
            eye = centre + direction * distance
            if mode == "static":
                poses = [look_at(eye, centre)] * n_frames
            elif mode == "pan":
                poses = [look_at(eye, track[f]) for f in range(n_frames)]
            elif mode == "dolly":
                right = np.cross(direction, [0, 0, 1.0])
                right /= np.linalg.norm(right)
                poses = [look_at(eye + right * sway * distance * (f / max(1, n_frames - 1) - 0.5), centre)
                         for f in range(n_frames)]
            else:   # tracking: the camera keeps its offset from the (smoothed) subject
                poses = [look_at(track[f] + direction * distance, track[f]) for f in range(n_frames)]
            camera = Camera(width=width, height=height, lens_mm=round(focal, 3), poses=poses, sensor_width_mm=SENSOR_WIDTH_MM)
            if _in_frame(camera, keep, n_frames):
                break
            distance *= 1.15
        eyes = np.array([np.asarray(p)[:2, 3] for p in poses])
        if np.min(np.linalg.norm(everyone - eyes[:, None], axis=2)) >= MIN_EYE_M:
            break
    view = {"mode": mode, "azimuth_deg": round(float(azimuth % 360), 2), "elevation_deg": round(float(np.rad2deg(elevation)), 2),
            "distance_m": round(float(distance), 2), "focal_mm": round(focal, 3)}
    return camera, view
