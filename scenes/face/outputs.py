"""scene=face's own files: signals.csv (per frame: pulse, breathing, blinks, pupil, gaze on the screen; the rPPG
toolboxes' kind of ground truth), signals_hi.csv (the waveforms at scene.signal_hz), and eyes/: normalised eye crops
with their gaze, as MPIIGaze-style pipelines read them.

The normalisation (Zhang, Sugano and Bulling, "Revisiting data normalization for appearance-based gaze estimation",
2018): a virtual camera at NORMAL_DISTANCE_M from the eye's centre looks straight at it, its x axis along the head's
(the person's right to left), focal NORMAL_FOCAL_PX; the crop is the image warped into it (W = C_n S R K^-1) and the
gaze is rotated with it (g_n = R g). eyes/gaze.csv gives each crop's gaze as pitch = asin(-g_y), yaw = atan2(-g_x,
-g_z) (radians; looking straight into the virtual camera is 0, 0) and the head's forward axis the same way."""
from __future__ import annotations

import csv

import numpy as np
from PIL import Image

NORMAL_DISTANCE_M, NORMAL_FOCAL_PX, PATCH = 0.6, 960.0, (60, 36)      # MPIIGaze's


def write_signals(path, labels: dict):
    layer = labels["face"]
    physio = layer["physiology"]
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["frame", "time_s", "ppg", "breath", "heart_rate_bpm", "breathing_rate_per_min", "openness",
                    "pupil_left_mm", "pupil_right_mm", "saccade", "gaze_target", "screen_x_m", "screen_y_m"])
        for f, row in enumerate(layer["frames"]):
            screen = row["gaze"]["screen"]
            w.writerow([f, row["time_s"], physio["ppg_frames"][f], physio["breath_frames"][f], physio["heart_rate_bpm"],
                        physio["breathing_rate_per_min"], row["openness"], row["eyes"]["left"]["pupil_diameter_mm"],
                        row["eyes"]["right"]["pupil_diameter_mm"], int(row["gaze"]["saccade"]), row["gaze"]["target_kind"],
                        *(screen["screen_m"] if screen else ["", ""])])
    with open(path.with_name("signals_hi.csv"), "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["time_s", "ppg", "breath"])
        hz = physio["signal_hz"]
        for i, (p, b) in enumerate(zip(physio["ppg"], physio["breath"])):
            w.writerow([round(i / hz, 6), p, b])


def normalising(K: np.ndarray, centre: np.ndarray, head_rotation: np.ndarray) -> tuple:
    """(warp W from image to crop pixels, rotation R into the normalised camera) for an eye at `centre` (camera)."""
    distance = float(np.linalg.norm(centre))
    z = centre / distance
    x_head = head_rotation @ np.array([-1.0, 0.0, 0.0])        # the head's right-to-left axis (its +X is the right)
    y = np.cross(z, x_head)
    y /= np.linalg.norm(y)
    x = np.cross(y, z)
    R = np.stack([x, y, z])
    S = np.diag([1.0, 1.0, NORMAL_DISTANCE_M / distance])
    C = np.array([[NORMAL_FOCAL_PX, 0, PATCH[0] / 2], [0, NORMAL_FOCAL_PX, PATCH[1] / 2], [0, 0, 1.0]])
    return C @ S @ R @ np.linalg.inv(K), R


def warp(image: np.ndarray, W: np.ndarray, size: tuple) -> np.ndarray:
    """The crop: each crop pixel's centre mapped back through W^-1, sampled bilinearly (edges clamped)."""
    cols, rows = np.meshgrid(np.arange(size[0]) + 0.5, np.arange(size[1]) + 0.5)
    p = np.linalg.inv(W) @ np.stack([cols.ravel(), rows.ravel(), np.ones(cols.size)])
    u, v = p[0] / p[2] - 0.5, p[1] / p[2] - 0.5
    h, w = image.shape[:2]
    u0, v0 = np.clip(np.floor(u), 0, w - 2).astype(int), np.clip(np.floor(v), 0, h - 2).astype(int)
    a, b = np.clip(u - u0, 0, 1)[:, None], np.clip(v - v0, 0, 1)[:, None]
    img = image.astype(np.float64)
    out = (img[v0, u0] * (1 - a) * (1 - b) + img[v0, u0 + 1] * a * (1 - b) + img[v0 + 1, u0] * (1 - a) * b
           + img[v0 + 1, u0 + 1] * a * b)
    return np.clip(np.round(out), 0, 255).astype(np.uint8).reshape(size[1], size[0], -1)


def pitch_yaw(g: np.ndarray) -> tuple:
    return float(np.arcsin(-g[1])), float(np.arctan2(-g[0], -g[2]))


def write_eye_patches(folder, labels: dict, frames: list, K: np.ndarray):
    folder.mkdir()
    with open(folder / "gaze.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["file", "frame", "side", "gaze_pitch", "gaze_yaw", "head_pitch", "head_yaw", "openness"])
        for f, row in enumerate(labels["face"]["frames"]):
            head = np.asarray(row["head"]["rotation_camera"])
            for side in ("left", "right"):
                eye = row["eyes"][side]
                W, R = normalising(K, np.asarray(eye["centre_camera"]), head)
                name = f"{f:04d}_{side}.png"
                Image.fromarray(warp(frames[f].rgb, W, PATCH)).save(folder / name)
                g = R @ np.asarray(eye["gaze_camera"])
                # the head's normalised pose: its forward axis (out of the face) in the normalised camera, as pitch
                # and yaw the way the gaze's are (0, 0: facing the virtual camera)
                h = R @ head @ np.array([0.0, 1.0, 0.0])
                w.writerow([name, f, side, *np.round(pitch_yaw(g), 6), *np.round(pitch_yaw(h), 6), row["openness"]])
