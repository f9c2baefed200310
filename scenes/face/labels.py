"""scene=face's labels, read back from the posed objects and the timeline (never from pixels): per frame the head's
pose, each eye's gaze, pupil, iris contour, lids and corners, the combined gaze and where it meets the screen, face
landmarks; per clip the pulse and breathing waveforms. Camera coordinates are OpenCV's (x right, y down, z forward,
metres); pixels have their centres at +0.5. A point's visibility is COCO's (2 seen, 1 hidden behind a surface,
0 outside the image), by casting a ray from the camera against every surface but the clear corneas."""
from __future__ import annotations

import numpy as np

from engine.geometry import project
from generators import eyes
from generators.faces import eye_centres, landmarks
from scenes.face.recipe import NOSE_SIDE
from scenes.motion.gaze import yaw_pitch_roll

LANDMARKS = ["chin", "right_brow_outer", "right_brow_inner", "left_brow_inner", "left_brow_outer", "nose_tip",
             "right_eye_outer", "right_eye_inner", "left_eye_inner", "left_eye_outer", "right_mouth_corner",
             "upper_lip", "left_mouth_corner", "lower_lip", "right_pupil", "left_pupil", "right_ear", "left_ear"]
# where our landmarks sit in the common 68-point (iBUG 300-W) layout, 0-based; the pupils and ears are not in it
IBUG68 = {"chin": 8, "right_brow_outer": 17, "right_brow_inner": 21, "left_brow_inner": 22, "left_brow_outer": 26,
          "nose_tip": 30, "right_eye_outer": 36, "right_eye_inner": 39, "left_eye_inner": 42, "left_eye_outer": 45,
          "right_mouth_corner": 48, "upper_lip": 51, "left_mouth_corner": 54, "lower_lip": 57}
IRIS_POINTS, LID_POINTS = 16, 9
OCCLUSION_M = 0.0008               # a point counts as seen when nothing lies this far in front of it
# eye points in camera coordinates keep 10 nm (8 decimals): a line of sight through two points 10 mm apart stays
# true to 1e-6


def ellipse(points: np.ndarray) -> dict:
    """The ellipse through 2D points (a circle's exact projection): centre, semi-axes (major first), angle (deg) of
    the major axis from +x, by an algebraic conic fit."""
    mean, scale = points.mean(axis=0), points.std() or 1.0
    x, y = ((points - mean) / scale).T
    _, _, vt = np.linalg.svd(np.stack([x * x, x * y, y * y, x, y, np.ones_like(x)], 1))
    a, b, c, d, e, f = vt[-1]
    centre = np.linalg.solve([[2 * a, b], [b, 2 * c]], [-d, -e])
    m = np.array([[a, b / 2], [b / 2, c]])
    k = -(f + d * centre[0] / 2 + e * centre[1] / 2)
    values, vectors = np.linalg.eigh(m / k)
    axes = 1.0 / np.sqrt(np.abs(values)) * scale
    major = int(np.argmax(axes))
    angle = float(np.rad2deg(np.arctan2(vectors[1, major], vectors[0, major]))) % 180.0
    return {"centre_px": np.round(centre * scale + mean, 4).tolist(), "semi_axes_px": np.round(sorted(axes)[::-1], 4).tolist(),
            "angle_deg": round(angle, 4)}


class _Frame:
    """One frame's camera and its occluders."""

    def __init__(self, spec, f: int):
        import open3d as o3d
        self.K, self.w2c, cam = spec.camera.K(), spec.camera.world_to_camera(f), spec.camera
        self.size, self.eye = (cam.width, cam.height), np.linalg.inv(self.w2c)[:3, 3]
        tris = [o.world_vertices(f)[o.mesh.faces] for o in spec.objects if o.class_path != "eye/cornea"]
        tris = np.concatenate(tris).reshape(-1, 3).astype(np.float32)
        self.scene = o3d.t.geometry.RaycastingScene()
        self.scene.add_triangles(tris, np.arange(len(tris), dtype=np.uint32).reshape(-1, 3))

    def camera(self, points_world) -> np.ndarray:
        p = np.atleast_2d(points_world)
        return p @ self.w2c[:3, :3].T + self.w2c[:3, 3]

    def pixels(self, points_world) -> list:
        """[[x, y, v]] for world points: projection and visibility."""
        import open3d as o3d
        p = np.atleast_2d(np.asarray(points_world, float))
        uv, z = project(p, self.K, self.w2c)
        ray = p - self.eye
        dist = np.linalg.norm(ray, axis=1)
        rays = np.concatenate([np.repeat(self.eye[None], len(p), 0), ray / dist[:, None]], 1).astype(np.float32)
        hit = self.scene.cast_rays(o3d.core.Tensor(rays))["t_hit"].numpy()
        inside = (z > 0) & (uv[:, 0] >= 0) & (uv[:, 0] < self.size[0]) & (uv[:, 1] >= 0) & (uv[:, 1] < self.size[1])
        v = np.where(inside, np.where(hit >= dist - OCCLUSION_M, 2, 1), 0)
        return [[round(float(a), 4), round(float(b), 4), int(c)] for (a, b), c in zip(uv, v)]


def _eye(spec, fr: _Frame, f: int, side: str, ids: dict, lids: list) -> dict:
    eye, pupil, socket = (spec.object_by_id(ids[k]).pose(f) for k in ("sclera", "pupil", "eyelid"))
    centre, gaze = eye[:3, 3], eye[:3, 1]
    radius = float(np.linalg.norm(pupil[:3, 0]))
    psi = 2 * np.pi * np.arange(IRIS_POINTS) / IRIS_POINTS
    ring = np.stack([np.cos(psi), np.zeros_like(psi), np.sin(psi)], 1)
    limbus = (ring * eyes.iris_radius() + [0.0, eyes.IRIS_PLANE * eyes.EYE_R, 0.0]) @ eye[:3, :3].T + centre
    rim = ring @ pupil[:3, :3].T + pupil[:3, 3]
    pupil_outline = ellipse(project(rim, fr.K, fr.w2c)[0])
    edge = eyes.lid_landmarks(*lids, NOSE_SIDE[side])
    upper, lower = (edge[k] @ socket[:3, :3].T + socket[:3, 3] for k in ("upper", "lower"))
    nose_last = NOSE_SIDE[side] > 0                    # the left eye's inner corner is its +X end: the last point
    corners = {"medial": upper[-1] if nose_last else upper[0], "lateral": upper[0] if nose_last else upper[-1]}
    middle = LID_POINTS // 2
    return {"centre_camera": np.round(fr.camera(centre)[0], 8).tolist(),
            "gaze_camera": np.round(fr.w2c[:3, :3] @ gaze, 8).tolist(),
            "pupil_centre_camera": np.round(fr.camera(pupil[:3, 3])[0], 8).tolist(),
            "pupil_centre_px": fr.pixels(pupil[:3, 3])[0], "pupil_diameter_mm": round(2000.0 * radius, 4),
            "pupil_ellipse": pupil_outline, "pupil_diameter_px": round(2 * pupil_outline["semi_axes_px"][0], 4),
            "iris_diameter_mm": round(2000.0 * eyes.iris_radius(), 4),
            "iris_ellipse": ellipse(project(limbus, fr.K, fr.w2c)[0]), "iris_landmarks_px": fr.pixels(limbus),
            "iris_landmarks_camera": np.round(fr.camera(limbus), 8).tolist(),
            "lid_upper_px": fr.pixels(upper), "lid_lower_px": fr.pixels(lower),
            "corners_px": {k: fr.pixels(v)[0] for k, v in corners.items()},
            "lid_edges_deg": [round(float(x), 4) for x in lids],
            "aperture_mm": round(1000.0 * float(np.linalg.norm(upper[middle] - lower[middle])) * float(lids[0] > lids[1]), 4)}, corners


def _combined(spec, fr: _Frame, f: int, timeline, per_eye: dict) -> dict:
    """Both eyes' gaze as one ray: from between the eyeballs' centres to the point both eyes are turned to (the mean
    of their directions if either is held back by how far eyes turn), and where it meets the screen's plane."""
    centres = [np.asarray(per_eye[s]["centre_camera"]) for s in ("left", "right")]
    origin = np.mean(centres, axis=0)
    target = fr.camera(timeline.eye_target[f])[0]
    on = all(timeline.on_target[f])
    direction = target - origin if on else np.sum([per_eye[s]["gaze_camera"] for s in ("left", "right")], axis=0)
    direction = direction / np.linalg.norm(direction)
    sc = timeline.screen
    normal, centre = fr.w2c[:3, :3] @ np.asarray(sc["normal_world"]), fr.camera(sc["centre_world"])[0]
    screen = None
    denom = float(direction @ normal)
    if denom < -1e-9:
        hit = origin + direction * float((centre - origin) @ normal) / denom
        world = np.linalg.inv(fr.w2c) @ np.append(hit, 1.0)
        offset = world[:3] - np.asarray(sc["centre_world"])
        uv = [float(offset @ np.asarray(sc["right_world"])), float(offset @ np.asarray(sc["up_world"]))]
        screen = {"point_camera": np.round(hit, 8).tolist(), "screen_m": np.round(uv, 8).tolist(),
                  "on_screen": bool(abs(uv[0]) <= sc["size_m"][0] / 2 and abs(uv[1]) <= sc["size_m"][1] / 2)}
    kind = next(fx["kind"] for fx in reversed(timeline.fixations) if fx["start_s"] <= f / spec.fps + 1e-9)
    return {"origin_camera": np.round(origin, 8).tolist(), "direction_camera": np.round(direction, 8).tolist(),
            "target_camera": np.round(target, 8).tolist(), "target_kind": kind, "on_target": on,
            "saccade": bool(timeline.saccade[f]), "screen": screen}


def face_layer(spec) -> dict:
    timeline = spec.timeline
    skin = spec.object_by_id(timeline.ids["skin"])
    points = landmarks(timeline.dims)
    frames = []
    for f in range(spec.n_frames):
        fr = _Frame(spec, f)
        head = _head_pose(spec, f)
        per_eye, corners = {}, {}
        for i, side in enumerate(("left", "right")):
            per_eye[side], c = _eye(spec, fr, f, side, timeline.ids[side], timeline.lids_deg[f][i])
            per_eye[side]["openness"] = timeline.openness[f]
            corners[f"{side}_eye_inner"], corners[f"{side}_eye_outer"] = c["medial"], c["lateral"]
        world = {name: head[:3, :3] @ xyz + head[:3, 3] for name, xyz in points.items()}
        world.update(corners)
        for side in ("left", "right"):
            world[f"{side}_pupil"] = spec.object_by_id(timeline.ids[side]["pupil"]).pose(f)[:3, 3]
        marks = np.array([world[n] for n in LANDMARKS])
        rotation = fr.w2c[:3, :3] @ head[:3, :3]
        frames.append({"frame": f, "time_s": round(f / spec.fps, 6), "eyes": per_eye,
                       "gaze": _combined(spec, fr, f, timeline, per_eye), "openness": timeline.openness[f],
                       "head": {"rotation_camera": np.round(rotation, 6).tolist(),
                                "yaw_pitch_roll_deg": np.round(yaw_pitch_roll(rotation), 4).tolist(),
                                "translation_camera": np.round(fr.camera(head[:3, 3])[0], 6).tolist()},
                       "landmarks_2d": fr.pixels(marks), "landmarks_3d_camera": np.round(fr.camera(marks), 6).tolist()})
    physio = {k: v for k, v in timeline.physiology.items() if k != "albedo_gain"}
    return {"layout": {"landmarks": LANDMARKS, "ibug68": IBUG68, "iris_points": IRIS_POINTS, "lid_points": LID_POINTS},
            "subject_instance_id": skin.instance_id, "blinks_s": timeline.blinks_s, "fixations": timeline.fixations,
            "physiology": physio, "frames": frames}


def _head_pose(spec, f: int) -> np.ndarray:
    """The head's bone frame (world) at frame f: the eyelids' sockets carry its rotation; its origin is the neck."""
    socket = spec.object_by_id(spec.timeline.ids["left"]["eyelid"]).pose(f)
    centre = np.asarray(socket[:3, 3])
    offset = eye_centres(spec.timeline.dims, eyes.EYE_R)["left"]
    head = np.eye(4)
    head[:3, :3], head[:3, 3] = socket[:3, :3], centre - socket[:3, :3] @ offset
    return head
