"""Where people look: a pass after the simulation turns each person's head (neck yaw and pitch, at a human rate and
within a neck's reach) towards what matters in their situation, and the gaze and head-pose labels read back from the
posed bodies.

What a person looks at: a point the situation names (the parcel while it changes hands), else the actor their
behaviour is aimed at (the one they walk up to, greet, hand a parcel to, chase), else a car driving past within
CAR_NOTICE_M, else the nearest other person within GATHER_M; else ahead, as the motion program holds the head. The aim
is a person's face height (its neck joint, which the target's own head turns do not move, plus 10 cm), a car's
middle, or the named point.
"""
from __future__ import annotations

import numpy as np

from engine.geometry import pose
from generators import actors
from scenes.motion.simulation import GATHER_M

LOOK_RATE = 300.0                      # deg/s a head turns towards a new target (a brisk glance)
YAW_LIMIT, PITCH_UP, PITCH_DOWN = 75.0, 30.0, 45.0     # how far a neck turns, looks up and down (degrees)
CAR_NOTICE_M, CAR_MOVING_MPS = 12.0, 1.0   # a car moving nearer than this draws the eyes of anyone not busy with someone
REACHED_DEG = 1.0                      # the head is on its target when both angles are this close
# the head facing straight into the lens, upright: head axes (right, forward, up) in OpenCV camera axes
FRONTAL = np.array([[-1.0, 0.0, 0.0], [0.0, 0.0, -1.0], [0.0, -1.0, 0.0]])


def _target(cast: list, k: int, f: int, points: dict):
    if points.get(k) and points[k][f] is not None:
        return points[k][f][0]
    a = cast[k]
    b = a.behaviours[a.behaviour_index[f]]
    if isinstance(b.target, tuple) and b.target[0] == "actor" and cast[b.target[1]].kind == "person":
        return b.target[1]
    away = [(float(np.linalg.norm(o.positions[f] - a.positions[f])), i, o) for i, o in enumerate(cast) if i != k]
    cars = [(d, i) for d, i, o in away if o.kind == "car" and o.speeds[f] > CAR_MOVING_MPS and d <= CAR_NOTICE_M]
    near = [(d, i) for d, i, o in away if o.kind == "person" and d <= GATHER_M]
    return min(cars)[1] if cars else (min(near)[1] if near else None)


def _to_actor(a, f: int, point) -> np.ndarray:
    m = pose((*a.positions[f], 0.0), yaw=np.deg2rad(a.headings[f]))
    return m[:3, :3].T @ (np.asarray(point) - m[:3, 3])


def _aim(cast: list, target, f: int, point) -> np.ndarray:
    if isinstance(target, str):
        return np.asarray(point[1], float)
    t = cast[target]
    m = pose((*t.positions[f], 0.0), yaw=np.deg2rad(t.headings[f]))
    if t.kind == "car":
        return m[:3, :3] @ ((t.joints[f]["front_centre"] + t.joints[f]["rear_centre"]) / 2) + m[:3, 3]
    return m[:3, :3] @ t.joints[f]["neck"] + m[:3, 3] + [0.0, 0.0, 0.1]


def _neck_angles(joints: dict, parts: dict, aim_local) -> tuple[float, float]:
    """Neck yaw and pitch (degrees, pitch down +) that point the head's forward axis from between the eyes at a point
    (actor frame), as humanoid_pose turns the head: the spine's frame, then yaw about its up axis, then pitch."""
    eyes = (joints["left_eye"] + joints["right_eye"]) / 2
    d = parts["torso"][:3, :3].T @ (aim_local - eyes)
    return float(np.rad2deg(np.arctan2(-d[0], d[1]))), float(np.rad2deg(np.arctan2(-d[2], np.hypot(d[0], d[1]))))


def look_at(cast: list, fps: float, part_names: dict, points: dict | None = None):
    """Re-pose every person's head frame by frame towards its target (the body's joints and parts are replaced; the
    program's own neck angles hold where there is none) and record `looks`: the target (cast index, or the name of
    a point) on the frames where the head is on it, else None. `points`: {cast index: per frame None or (name, world
    point)}, what the situation asks that person to look at."""
    step, points = LOOK_RATE / fps, points or {}
    targets = [[_target(cast, k, f, points) for f in range(len(cast[0].positions))] for k in range(len(cast))]
    for k, a in enumerate(cast):
        if a.kind != "person":
            continue
        a.looks, current = [], None
        for f, angles in enumerate(a.angles):
            angles = dict(angles)
            target = targets[k][f]
            wanted = (angles.get("neck_yaw", 0.0), angles.get("neck_pitch", 0.0))
            if target is not None:
                joints, parts = a.joints[f], {"torso": a.parts[f][part_names["person"].index("torso")]}
                for _ in range(3):              # the eyes move with the head: settle the parallax
                    aim = _aim(cast, target, f, points.get(k, [None] * (f + 1))[f])
                    wanted = _neck_angles(joints, parts, _to_actor(a, f, aim))
                    wanted = (float(np.clip(wanted[0], -YAW_LIMIT, YAW_LIMIT)), float(np.clip(wanted[1], -PITCH_UP, PITCH_DOWN)))
                    joints, parts = actors.humanoid_pose(a.model, {**angles, "neck_yaw": wanted[0], "neck_pitch": wanted[1]})
            current = wanted if current is None else tuple(c + float(np.clip(w - c, -step, step)) for c, w in zip(current, wanted))
            angles["neck_yaw"], angles["neck_pitch"] = current
            joints, parts = actors.humanoid_pose(a.model, angles)
            a.joints[f], a.parts[f] = joints, np.stack([parts[n] for n in a.model.bones])
            on_target = target is not None and max(abs(c - w) for c, w in zip(current, wanted)) < REACHED_DEG
            clamped = target is not None and (abs(wanted[0]) >= YAW_LIMIT or not -PITCH_UP < wanted[1] < PITCH_DOWN)
            a.looks.append(target if on_target and not clamped else None)


def yaw_pitch_roll(rotation: np.ndarray) -> tuple[float, float, float]:
    """Head pose angles (degrees) of a head-to-camera rotation: R = Ry(yaw) Rx(pitch) Rz(roll) @ FRONTAL in OpenCV
    camera axes (x right, y down, z forward), i.e. turned from facing straight into the lens, upright."""
    r = rotation @ FRONTAL.T
    pitch = float(np.arcsin(np.clip(-r[1, 2], -1.0, 1.0)))
    return (float(np.rad2deg(np.arctan2(r[0, 2], r[2, 2]))), float(np.rad2deg(pitch)),
            float(np.rad2deg(np.arctan2(r[1, 0], r[1, 1]))))


def gaze_layer(spec, skeleton: dict) -> dict:
    """Per person track, per frame: the gaze ray (from between the eyes along the head's forward axis, world) and the
    track looked at (when the head is on it), and the head's pose in the camera frame (rotation, yaw/pitch/roll,
    translation of the head centre)."""
    head_part, joints = skeleton["parts"].index("head"), skeleton["joints"]
    eyes, centre = [joints.index("left_eye"), joints.index("right_eye")], joints.index("head")
    layer = {}
    for a in spec.timeline.actors:
        if a.kind != "person":
            continue
        obj, rows = spec.object_by_id(a.track_id), []
        for f in range(spec.n_frames):
            m = obj.pose(f)
            head = m @ obj.articulation.part_poses[f, head_part]
            world = obj.articulation.joints[f] @ m[:3, :3].T + m[:3, 3]
            w2c = spec.camera.world_to_camera(f)
            rotation = w2c[:3, :3] @ head[:3, :3]
            yaw, pitch, roll = yaw_pitch_roll(rotation)
            rows.append({"frame": f, "origin_world": np.round(world[eyes].mean(axis=0), 6).tolist(),
                         "direction_world": np.round(head[:3, 1], 6).tolist(), "target_track": a.look_track[f],
                         "head_rotation_camera": np.round(rotation, 6).tolist(),
                         "head_yaw_pitch_roll_deg": [round(yaw, 4), round(pitch, 4), round(roll, 4)],
                         "head_centre_camera": np.round(w2c[:3, :3] @ world[centre] + w2c[:3, 3], 6).tolist()})
        layer[a.track_id] = rows
    return layer
