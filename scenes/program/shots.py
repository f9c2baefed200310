"""Cameras of a program's shots, one pose per rendered frame, framed on the characters by shot type (one lens for
the whole program; shot size is distance): establishing (high, wide, slowly pushing in), wide (every character),
medium (one character from the waist up), close-up (a face), over-the-shoulder (past one character's head at the
other's face) and insert (the hands: what they hold or do)."""
from __future__ import annotations

import numpy as np

from engine.geometry import SENSOR_WIDTH_MM, look_at
from engine.spec import Camera
from scenes.motion.camera import smooth
from scenes.motion.simulation import Actor, forward, world_joints

FRAMED_HEIGHT_M = {"medium": 1.1, "close_up": 0.42, "insert": 0.6}      # how much of the scene the frame's height shows


def _joint(a: Actor, f: int, name: str) -> np.ndarray:
    return world_joints(a, f)[list(a.joints[f]).index(name)]


def shot_poses(rng, shot, main: list, n_frames: int, focal_mm: float, width: int, height: int) -> tuple:
    """(camera-to-world poses for the shot's frames, what it shows {kind, focus track index or None})."""
    frames = range(shot.start, shot.end)
    vfov = 2 * np.arctan(SENSOR_WIDTH_MM * height / width / 2 / focal_mm)
    a = main[shot.focus % len(main)]
    b = main[(shot.focus + 1) % len(main)]
    if shot.kind in ("establishing", "wide"):
        xy = np.array([p for m in main for f in frames for p in [m.positions[f]]])
        centre = np.array([*(xy.min(axis=0) + xy.max(axis=0)) / 2, 0.9])
        extent = float(np.max(np.ptp(xy, axis=0))) + 3.0
        high = shot.kind == "establishing"
        elevation = np.deg2rad(rng.uniform(22, 32) if high else rng.uniform(4, 12))
        azimuth = rng.uniform(0, 2 * np.pi)
        direction = np.array([np.cos(elevation) * np.sin(azimuth), np.cos(elevation) * np.cos(azimuth), np.sin(elevation)])
        distance = max(6.0, extent * (2.2 if high else 1.3) / (2 * np.tan(vfov / 2)))
        push = np.linspace(1.0, 0.85 if high else 1.0, len(frames))          # the establishing shot creeps in
        return [look_at(centre + direction * distance * p, centre) for p in push], {"kind": shot.kind, "focus": None}
    if shot.kind == "over_the_shoulder":
        poses = []
        for f in frames:
            head_a, head_b = _joint(a, f, "head"), _joint(b, f, "head")
            towards = head_b - head_a
            towards[2] = 0.0
            towards /= max(np.linalg.norm(towards), 1e-6)
            side = np.cross(towards, [0, 0, 1.0])
            eye = head_a - towards * 0.9 + side * 0.45 + np.array([0, 0, 0.12])
            poses.append(look_at(eye, head_b))
        return poses, {"kind": shot.kind, "focus": shot.focus}
    # medium, close-up, insert: from the focus character's front, a little to one side, following it smoothly
    size = FRAMED_HEIGHT_M[shot.kind]
    distance = max(0.9, size / (2 * np.tan(vfov / 2)))
    side = np.deg2rad(rng.uniform(15, 35) * rng.choice([-1, 1]))
    name = "head" if shot.kind == "close_up" else "chest"
    hands = lambda f: (_joint(a, f, "left_wrist") + _joint(a, f, "right_wrist")) / 2        # noqa: E731
    targets = np.array([hands(f) if shot.kind == "insert" else _joint(a, f, name) for f in frames])
    targets = smooth(targets, 5)
    facing = smooth(np.array([forward(a.headings[f]) for f in frames]), 9)
    poses = []
    for k, f in enumerate(frames):
        h = facing[k] / max(np.linalg.norm(facing[k]), 1e-6)
        look = np.array([h[0] * np.cos(side) - h[1] * np.sin(side), h[0] * np.sin(side) + h[1] * np.cos(side), 0.0])
        lift = 0.35 if shot.kind == "insert" else 0.05
        poses.append(look_at(targets[k] + look * distance + np.array([0, 0, lift * distance]), targets[k]))
    return poses, {"kind": shot.kind, "focus": shot.focus}


def program_camera(rng, shots: list, main: list, n_frames: int, focal_mm: float, width: int,
                   height: int) -> tuple:
    """The scene's camera over all its frames, shot after shot; returns (Camera, per-shot view tags)."""
    poses, views = [], []
    for shot in shots:
        p, view = shot_poses(rng, shot, main, n_frames, focal_mm, width, height)
        poses += p
        views.append(view)
    return Camera(width=width, height=height, lens_mm=focal_mm, poses=poses, sensor_width_mm=SENSOR_WIDTH_MM), views
