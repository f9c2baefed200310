"""KITTI object format: image_2, label_2, calib; objects only (surfaces left out), 3D boxes in a level camera frame
(see level_frame) with P2 projecting them exactly; pinhole frames only."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from engine.exports.common import ExportOptions, detectable, export_frames, fresh_folder, image_path, is_stuff, link
from engine.layout import RunLayout


def level_frame(world_to_camera: np.ndarray) -> np.ndarray:
    """KITTI's labels assume a level camera. Our cameras pitch and roll, so labels use a level frame at the camera:
    y down along gravity, z the camera's forward direction made horizontal, x = y cross z. Returns world -> level."""
    cam_to_world = np.linalg.inv(world_to_camera)
    forward = cam_to_world[:3, 2].copy()
    forward[2] = 0.0
    if np.linalg.norm(forward) < 1e-9:                        # looking straight down/up: use the camera's up instead
        forward = -cam_to_world[:3, 1].copy()
        forward[2] = 0.0
    z = forward / np.linalg.norm(forward)
    y = np.array([0.0, 0.0, -1.0])
    x = np.cross(y, z)
    R = np.stack([x, y, z])                                   # rows: level axes in world coordinates
    m = np.eye(4)
    m[:3, :3], m[:3, 3] = R, -R @ cam_to_world[:3, 3]
    return m


def write_kitti(run: RunLayout, all_labels, taxonomy, options: ExportOptions) -> Path:
    """KITTI object format (pinhole frames only). Labels are in the level frame of `level_frame`; calib's P2 =
    K [R_level_to_camera | 0] projects them to pixels exactly, so tools that project with P2 draw our boxes."""
    root = fresh_folder(run.export("kitti"))
    for sub in ("image_2", "label_2", "calib"):
        (root / sub).mkdir()
    for labels, frame, stem in export_frames(all_labels):
        cam = frame["camera"]
        if cam.get("model", "perspective") != "perspective":
            continue
        link(image_path(run, labels, frame), root / "image_2" / f"{stem}.png")
        w2c = np.array(cam["world_to_camera"])
        w2l = level_frame(w2c)
        level_to_cam = w2c[:3, :3] @ w2l[:3, :3].T
        P2 = np.array(cam["K"]) @ np.column_stack([level_to_cam, np.zeros(3)])
        plain = np.array(cam["K"]) @ np.eye(3, 4)
        rows = [("P0", plain), ("P1", plain), ("P2", P2), ("P3", plain), ("R0_rect", np.eye(3)),
                ("Tr_velo_to_cam", np.eye(3, 4)), ("Tr_imu_to_velo", np.eye(3, 4))]
        (root / "calib" / f"{stem}.txt").write_text("".join(f"{k}: {' '.join(repr(float(v)) for v in m.ravel())}\n"
                                                           for k, m in rows))
        lines = []
        for obj in frame["objects"]:
            if not detectable(obj, options.min_box_px) or is_stuff(obj["class_path"]):
                continue
            box = obj["bbox_3d"]
            R = w2l[:3, :3] @ np.array(box["rotation_world"])   # object axes in the level frame
            centre = w2l[:3, :3] @ np.array(box["center_world"]) + w2l[:3, 3]
            length, width, height = box["size"]                # object x, y, z extents; z is up
            bottom = centre + R[:, 2] * (-height / 2)          # KITTI's location: centre of the bottom face
            ry = float(np.arctan2(-R[2, 0], R[0, 0]))          # yaw of the object's x axis about the level y axis
            alpha = float((ry - np.arctan2(bottom[0], bottom[2]) + np.pi) % (2 * np.pi) - np.pi)
            occluded = 0 if obj["visible_fraction"] >= 0.9 else 1 if obj["visible_fraction"] >= 0.5 else 2
            x, y, bw, bh = obj["bbox_2d"]
            name = taxonomy.export_names[obj["class_id"]].replace(" ", "_").replace("/", "_")
            lines.append(f"{name} {float(obj['truncated']):.2f} {occluded} {alpha:.4f} {x:.2f} {y:.2f} {x + bw:.2f} "
                         f"{y + bh:.2f} {height:.4f} {width:.4f} {length:.4f} {bottom[0]:.4f} {bottom[1]:.4f} "
                         f"{bottom[2]:.4f} {ry:.4f}")
        (root / "label_2" / f"{stem}.txt").write_text("\n".join(lines) + ("\n" if lines else ""))
    return root
