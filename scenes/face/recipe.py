"""The face recipe: (config, streams, sample index) -> SceneSpec. A procedural person's head and shoulders (the people
generator's body, close-up: finer head, eye sockets) with eyeballs and lids (generators.eyes), facing a camera set as a
webcam, a phone or a TV-top camera would be, in a room lit by its window, its ceiling lamps or the screen. Over a clip
the head drifts and nods, the chest breathes, the skin pulses (its albedo, keyframed), the eyes fixate and saccade
between targets (points on the screen under the camera, the lens, the room) and blink; the lids follow the gaze."""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from types import SimpleNamespace

import numpy as np

from engine.geometry import look_at, skinned
from engine.spec import SENSOR_WIDTH_MM, Camera, Material, Mesh, SceneObject, SceneSpec
from engine.streams import Streams, child
from engine.taxonomy import load_taxonomy
from generators import actors, eyes, physiology
from generators.faces import eye_centres
from generators.materials import material, pick
from generators.shapes import MeshBuilder, box
from generators.sky import environment
from scenes.motion.context import Keepout
from scenes.motion.room import build_room

# camera kind -> (distance m, horizontal field of view deg, elevation above the eyes deg, screen under it (w, h) m)
CAMERAS = {"webcam": ((0.45, 1.0), (60.0, 78.0), (0.0, 12.0), (0.5, 0.3)),
           "phone": ((0.3, 0.5), (65.0, 78.0), (-8.0, 10.0), (0.07, 0.15)),
           "tv": ((1.1, 1.5), (70.0, 90.0), (4.0, 18.0), (1.2, 0.68))}
# key light -> (the windows' glow, the lamps', the screen's radiance W/m^2/sr, the pupil's base diameter mm)
LIGHTS = {"window": (1.6, 0.3, 1.5, (2.5, 4.0)), "ceiling": (0.25, 1.2, 1.5, (3.0, 5.0)),
          "screen": (0.08, 0.1, 6.0, (4.5, 7.0))}
EYE_YAW, EYE_UP, EYE_DOWN = 35.0, 25.0, 30.0     # how far eyes turn in the head (deg)
TARGETS = ("screen", "camera", "room")
PPG_WEIGHTS = (0.35, 1.0, 0.55)                  # how much each channel's albedo follows the blood volume (green most)
EYE_PARTS = ("sclera", "iris", "pupil", "cornea", "eyelid")
NOSE_SIDE = {"left": 1.0, "right": -1.0}          # the left eye (-X) has the nose on its +X side


@dataclass
class FaceTimeline:
    """What happens per frame (scene.json keeps it; labels are read from it and the posed objects)."""
    camera_kind: str
    key_light: str
    screen: dict                       # centre_world, right_world, up_world, size_m
    ids: dict                          # {"skin": id, ..., "left": {part: id}, "right": {part: id}}
    fixations: list                    # [{start_s, kind, point_world}]
    eye_target: list = field(default_factory=list)    # per frame: the point both eyes turn to (world)
    on_target: list = field(default_factory=list)     # per frame, per eye: not held back by how far eyes turn
    saccade: list = field(default_factory=list)       # per frame: the eyes are between fixations
    openness: list = field(default_factory=list)      # per frame: 1 open .. 0 closed (blinks)
    lids_deg: list = field(default_factory=list)      # per frame, per eye: [upper, lower] edge elevations (deg)
    pupil_mm: list = field(default_factory=list)
    blinks_s: list = field(default_factory=list)
    physiology: dict = field(default_factory=dict)
    dims: dict = field(default_factory=dict)          # the head's proportions (generators.faces)


def build(cfg, streams: Streams, index: int, width: int, height: int) -> SceneSpec:
    parts = load_taxonomy().skeletons["humanoid"]["parts"]
    n, fps = int(cfg.frames), float(cfg.fps)
    times = np.arange(n) / fps
    body = actors.humanoid(child(streams["subject"]), parts, close_up=True)
    signals, physio = _physiology(streams["physiology"], cfg, times)
    kind = pick(streams["camera"], list(cfg.cameras))
    light = pick(streams["light"], list(cfg.lights))
    centres = eye_centres(body.dims, eyes.EYE_R)
    rest = actors.humanoid_pose(body, {})[1]["head"]
    face = np.mean([rest[:3, :3] @ c + rest[:3, 3] for c in centres.values()], axis=0)
    camera, screen = _camera(streams["camera"], cfg, kind, face, n, width, height)
    poses = _head_motion(streams["head"], cfg, times, signals, body, np.asarray(camera.poses[0])[:3, 3] - face)
    head = np.stack([p["head"] for p in poses])
    timeline = FaceTimeline(kind, light, screen, {}, [], dims=body.dims, physiology=physio)
    rng = streams["eyes"]
    timeline.fixations = [{"start_s": round(t, 5), **target} for t, target in
                          eyes.fixations(rng, n / fps, lambda r: _target(r, cfg, camera, screen, face))]
    openness, timeline.blinks_s = eyes.blink_openness(rng, times, float(rng.uniform(*cfg.blinks_per_min)))
    base = float(np.clip(rng.uniform(*LIGHTS[light][3]), *cfg.pupil_mm))
    pupil = np.clip(eyes.pupil_diameters(rng, times, base), cfg.pupil_mm[0], cfg.pupil_mm[1])
    objects = _subject(body, poses, physio["albedo_gain"], timeline)
    _eyes(body, head, centres, times, openness, pupil, timeline, objects)
    objects.append(_screen(streams["context"], screen, LIGHTS[light][2], len(objects) + 1))
    keepout = Keepout([SimpleNamespace(positions=np.zeros((1, 2)))], camera, 1)
    ctx = build_room(child(streams["context"]), keepout, camera, objects)
    _key_light(objects, light)
    background = pick(streams["scene"], list(cfg.backgrounds))
    if background == "screens":
        _screen_wall(streams["scene"], objects)
    env, env_tags = environment(streams["environment"], pick(streams["environment"], ["morning", "noon", "afternoon"]), "clear")
    tags = {"camera_kind": kind, "key_light": light, "distance_m": round(float(np.linalg.norm(camera.poses[0][:3, 3] - face)), 4),
            "heart_rate_bpm": physio["heart_rate_bpm"], "breathing_rate_per_min": physio["breathing_rate_per_min"],
            **{k: body.params[k] for k in ("age_group", "hair", "eye_color", "glasses", "top", "top_color")},
            "background": background, **ctx, **env_tags, "fps": fps, "duration_s": round(n / fps, 4), "eye_patches": bool(cfg.eye_patches)}
    return SceneSpec(family="face", category=f"{kind}/{light}", objects=objects, camera=camera, environment=env,
                     n_frames=n, fps=fps, tags=tags, subject_instance_id=timeline.ids["skin"], timeline=timeline)


def _physiology(rng, cfg, times: np.ndarray):
    heart, breaths = float(rng.uniform(*cfg.heart_bpm)), float(rng.uniform(*cfg.breaths_per_min))
    duration = float(times[-1]) + 1.0 / cfg.fps
    signals = physiology.draw(rng, heart, breaths, duration, float(cfg.heart_variability))
    fine = np.arange(int(round(duration * cfg.signal_hz))) / cfg.signal_hz
    ppg = signals.pulse(times)
    gain = 1.0 - cfg.ppg_amplitude * np.outer(ppg, PPG_WEIGHTS)          # more blood: darker skin, green most
    return signals, {
        "heart_rate_bpm": round(signals.heart_rate(0.0, duration), 4),
        "breathing_rate_per_min": round(signals.breathing_rate(0.0, duration), 4),
        "ppg_frames": np.round(ppg, 6).tolist(), "breath_frames": np.round(signals.breath(times), 6).tolist(),
        "signal_hz": float(cfg.signal_hz), "ppg": np.round(signals.pulse(fine), 6).tolist(),
        "breath": np.round(signals.breath(fine), 6).tolist(),
        "beats_s": [round(float(b), 5) for b in signals.beats_s if 0.0 <= b < duration],
        "ppg_amplitude": float(cfg.ppg_amplitude), "ppg_channel_weights": list(PPG_WEIGHTS),
        "albedo_gain": np.round(gain, 6).tolist()}


def _head_motion(rng, cfg, times: np.ndarray, signals, body, to_camera: np.ndarray) -> list:
    """Bone frames per frame: the head turned part of the way to the camera (people face the screen they use), small
    slow turns and nods round that (Ornstein-Uhlenbeck, spread cfg.head_motion_deg, ~2 s), an occasional nod, and the
    breath lifting the chest (spine pitch, shoulders)."""
    share = float(rng.uniform(0.4, 0.9))
    aim_yaw = -share * float(np.rad2deg(np.arctan2(to_camera[0], to_camera[1])))        # neck yaw turns +Y towards -X
    aim_pitch = -share * float(np.rad2deg(np.arctan2(to_camera[2], np.hypot(to_camera[0], to_camera[1]))))
    spread, tau = float(cfg.head_motion_deg), 2.0
    dt = float(times[1] - times[0]) if len(times) > 1 else 1.0
    state = rng.normal(0.0, spread, 3)
    walk = []
    for _ in times:
        walk.append(state.copy())
        state += -state * dt / tau + spread * np.sqrt(2 * dt / tau) * rng.normal(size=3)
    walk = np.asarray(walk)
    nods = [float(t) for t in rng.uniform(0, times[-1] + dt, rng.poisson(len(times) * dt / 8.0))]
    breath = signals.breath(times)
    poses = []
    for f, t in enumerate(times):
        nod = sum(6.0 * np.sin(np.pi * np.clip((t - s) / 0.6, 0, 1)) for s in nods)
        angles = {"neck_yaw": aim_yaw + walk[f, 0], "neck_pitch": aim_pitch + walk[f, 1] + nod, "spine_roll": 0.3 * walk[f, 2],
                  "spine_pitch": 0.15 * breath[f], "l_shoulder_abd": 4.0 + 0.6 * breath[f],
                  "r_shoulder_abd": 4.0 + 0.6 * breath[f]}
        poses.append(actors.humanoid_pose(body, angles)[1])
    return poses


def _camera(rng, cfg, kind: str, face: np.ndarray, n: int, width: int, height: int):
    """The camera in front of the face (small angles), and the screen it sits on (just under it, facing the face)."""
    (near, far), fov, elevation, size = CAMERAS[kind]
    lo, hi = max(near, cfg.distance_m[0]), min(far, cfg.distance_m[1])
    distance = float(rng.uniform(lo, hi)) if lo <= hi else float(np.clip((near + far) / 2, *cfg.distance_m))
    az, el = np.deg2rad(rng.uniform(-15.0, 15.0)), np.deg2rad(rng.uniform(*elevation))
    position = face + distance * np.array([np.sin(az) * np.cos(el), np.cos(az) * np.cos(el), np.sin(el)])
    aim = face + rng.uniform(-0.02, 0.02, 3) * distance / 0.5
    pose = look_at(position, aim)
    hfov = np.deg2rad(rng.uniform(*fov))
    lens = SENSOR_WIDTH_MM / 2 / np.tan(hfov / 2)
    right, up, back = pose[:3, 0], pose[:3, 1], pose[:3, 2]
    centre = position - (size[1] / 2 + 0.015) * up + 0.01 * back
    screen = {"centre_world": np.round(centre, 6).tolist(), "right_world": np.round(right, 6).tolist(),
              "up_world": np.round(up, 6).tolist(), "normal_world": np.round(-back, 6).tolist(), "size_m": list(size)}
    return Camera(width, height, round(float(lens), 4), [pose] * max(n, 1), clip_start=0.05), screen


def _target(rng, cfg, camera: Camera, screen: dict, face: np.ndarray) -> dict:
    """A fixation's target: a point on the screen, the camera's lens, or a point in the room in front of the person."""
    shares = np.asarray(cfg.target_shares, float)
    kind = TARGETS[int(rng.choice(3, p=shares / shares.sum()))]
    if kind == "screen":
        uv = rng.uniform(-0.45, 0.45, 2) * np.asarray(screen["size_m"])
        point = np.asarray(screen["centre_world"]) + uv[0] * np.asarray(screen["right_world"]) + uv[1] * np.asarray(screen["up_world"])
    elif kind == "camera":
        point = np.asarray(camera.poses[0])[:3, 3]
    else:
        towards = np.asarray(camera.poses[0])[:3, 3] - face
        yaw = np.arctan2(towards[0], towards[1]) + np.deg2rad(rng.uniform(-30, 30))
        pitch = np.deg2rad(rng.uniform(-20, 15))
        point = face + rng.uniform(1.0, 2.5) * np.array([np.sin(yaw) * np.cos(pitch), np.cos(yaw) * np.cos(pitch), np.sin(pitch)])
    return {"kind": kind, "point_world": np.round(point, 6).tolist()}


def _material_groups(body) -> dict:
    """The body's materials by what they are (masks): skin and lips, hair (and brows), glasses, the rest clothing."""
    mats, p = body.materials, body.params
    glasses = 10 + (p["hair"] == "hat") if p["glasses"] else None          # after sclera, iris, pupil, lips (and a hat)
    groups = {"skin": [i for i, m in enumerate(mats) if m.kind == "skin"],
              "hair": [i for i, m in enumerate(mats) if m.kind == "hair"], "glasses": [glasses] if glasses else []}
    taken = {i for g in groups.values() for i in g} | {6, 7, 8}
    groups["clothing"] = [i for i in range(len(mats)) if i not in taken]
    return groups


def _subject(body, poses: list, gain: list, timeline: FaceTimeline) -> list:
    """The body as one object per mask class (skin, hair, clothing, glasses), each morphing with the skinning."""
    matrices = [actors.skin_matrices(body, p) for p in poses]
    frames = np.stack([skinned(body.mesh.vertices, body.weights, m) for m in matrices]).astype(np.float32)
    mats = list(body.materials)
    for i, m in enumerate(mats):
        if m.kind == "skin":
            mats[i] = replace(m, albedo_gain=gain)
    objects = []
    for group, indices in _material_groups(body).items():
        faces = np.isin(body.mesh.face_material, indices)
        if not faces.any():
            continue
        used = np.unique(body.mesh.faces[faces])
        remap = np.zeros(len(body.mesh.vertices), np.int64)
        remap[used] = np.arange(len(used))
        mesh = Mesh(body.mesh.vertices[used], remap[body.mesh.faces[faces]], body.mesh.face_material[faces])
        iid = len(objects) + 1
        timeline.ids[group] = iid
        attributes = {k: body.params[k] for k in ("age_group", "height_m", "hair", "eye_color", "glasses")} if group == "skin" else {}
        objects.append(SceneObject(iid, f"face/{group}", f"subject_{group}", mesh, mats, [np.eye(4)], attributes,
                                   {"generator": "humanoid", "close_up": True}, morph=frames[:, used]))
    return objects


def _eyes(body, head: np.ndarray, centres: dict, times, openness, pupil_mm, timeline: FaceTimeline, objects: list):
    """Both eyes' objects: each eyeball turned to the frame's target (clamped to how far eyes turn), its pupil
    scaled to the frame's diameter, its lids morphing with the blink and the eye's pitch."""
    mats, meshes = body.materials, eyes.eyeball()
    skin = next(o for o in objects if o.class_path == "face/skin").materials[0]
    # the iris and pupil lie behind the cornea, which gives the eye its gloss: matte themselves, or a screen next to
    # the lens would mirror in them; the sclera a wet off-white
    iris = replace(mats[7], roughness=1.0)
    ring = replace(iris, name="limbal ring", base_color=tuple(np.round(np.multiply(iris.base_color, 0.3), 5).tolist()))
    sclera, pupil = Material("sclera", (0.6, 0.56, 0.52), 0.3, kind="paint"), Material("pupil", (0.005, 0.005, 0.005), 1.0)
    looks = [_look(timeline.fixations, t) for t in times]
    timeline.eye_target = [np.round(p, 6).tolist() for p, _ in looks]
    timeline.saccade = [s for _, s in looks]
    timeline.openness = np.round(openness, 6).tolist()
    timeline.pupil_mm = np.round(pupil_mm, 6).tolist()
    lid_frames = {side: [] for side in centres}
    poses = {side: {k: [] for k in EYE_PARTS} for side in centres}
    on_target = []
    for f, (target, _) in enumerate(looks):
        row = []
        for side, c in centres.items():
            centre = head[f, :3, :3] @ c + head[f, :3, 3]
            wanted = head[f, :3, :3].T @ (np.asarray(target) - centre)
            yaw, pitch = eyes.yaw_pitch(wanted)
            held = (float(np.clip(yaw, -EYE_YAW, EYE_YAW)), float(np.clip(pitch, -EYE_DOWN, EYE_UP)))
            row.append(held == (yaw, pitch))
            direction = np.array([np.sin(np.deg2rad(held[0])) * np.cos(np.deg2rad(held[1])),
                                  np.cos(np.deg2rad(held[0])) * np.cos(np.deg2rad(held[1])), np.sin(np.deg2rad(held[1]))])
            socket = np.eye(4)
            socket[:3, :3], socket[:3, 3] = head[f, :3, :3], centre
            eye = socket.copy()
            eye[:3, :3] = head[f, :3, :3] @ eyes.turn_towards(direction)
            lift = np.diag([pupil_mm[f] / 2000.0, 1.0, pupil_mm[f] / 2000.0, 1.0])
            lift[1, 3] = eyes.IRIS_PLANE * eyes.EYE_R + eyes.PUPIL_LIFT
            for k in ("sclera", "iris", "cornea"):
                poses[side][k].append(eye)
            poses[side]["pupil"].append(eye @ lift)
            poses[side]["eyelid"].append(socket)
            lid_frames[side].append(eyes.lid_apertures(openness[f], held[1]))
        on_target.append(row)
    timeline.on_target = on_target
    timeline.lids_deg = [[list(np.round(lid_frames[s][f], 5)) for s in centres] for f in range(len(times))]
    cornea = Material("cornea", (1.0, 1.0, 1.0), 0.03, kind="cornea")
    lashes = replace(mats[4], name="lashes", base_color=tuple(np.round(np.multiply(mats[4].base_color, 0.4), 5).tolist()))
    for side in centres:
        timeline.ids[side] = {}
        nose = NOSE_SIDE[side]
        morph = np.stack([eyes.lid_vertices(*lid_frames[side][f], nose) for f in range(len(times))])
        lid_faces = eyes.lid_faces(morph[0])
        lid_mesh = Mesh(morph[0], lid_faces, (np.arange(len(lid_faces)) >= len(lid_faces) - eyes.LASH_FACES).astype(np.int64))
        parts = {"sclera": (meshes["sclera"], [sclera]), "iris": (meshes["iris"], [iris, ring]),
                 "pupil": (meshes["pupil"], [pupil]), "cornea": (meshes["cornea"], [cornea]), "eyelid": (lid_mesh, [skin, lashes])}
        for k, (mesh, m) in parts.items():
            iid = len(objects) + 1
            timeline.ids[side][k] = iid
            objects.append(SceneObject(iid, f"eye/{k}", f"{side}_{k}", mesh, m, poses[side][k], {"side": side},
                                       {"generator": "eyes"}, morph=morph if k == "eyelid" else None))


def _look(fixations: list, t: float):
    """The point the eyes are turned to at time t and whether they are mid-saccade: the fixation's target, or on a
    minimum-jerk path from the previous one during the saccade that starts the fixation."""
    i = max(k for k, fx in enumerate(fixations) if fx["start_s"] <= t + 1e-9)
    current = np.asarray(fixations[i]["point_world"])
    if i == 0:
        return current, False
    previous = np.asarray(fixations[i - 1]["point_world"])
    amplitude = np.rad2deg(np.arccos(np.clip(previous @ current / (np.linalg.norm(previous) * np.linalg.norm(current)), -1, 1)))
    duration = eyes.SACCADE_S + eyes.SACCADE_S_PER_DEG * amplitude
    s = (t - fixations[i]["start_s"]) / duration
    return previous + (current - previous) * float(eyes.minimum_jerk(np.array(s))), bool(s < 1.0)


def _screen(rng, screen: dict, radiance: float, iid: int) -> SceneObject:
    """The display the camera sits on: a thin dark body with a glowing face towards the person."""
    w, h = screen["size_m"]
    glow = Material("screen", (0.85, 0.9, 1.0), 0.1, kind="glass", emission=radiance)
    shell = material(rng, "rubber", "black", jitter=0.0)
    mesh = MeshBuilder().add(box((w + 0.02, 0.012, h + 0.02), (0.0, -0.007, 0.0)), 0).add(box((w, 0.002, h), (0.0, 0.0, 0.0)), 1).build()
    m = np.eye(4)
    m[:3, 0], m[:3, 1], m[:3, 2] = screen["right_world"], screen["normal_world"], screen["up_world"]   # glow: +Y
    m[:3, 3] = screen["centre_world"]
    return SceneObject(iid, "interior/screen", "screen", mesh, [shell, glow], [m], {"size_m": list(screen["size_m"])},
                       {"generator": "screen"})


SCREEN_COLOURS = [(0.55, 0.7, 1.0), (0.9, 0.92, 1.0), (0.4, 0.95, 0.9), (1.0, 0.55, 0.85), (1.0, 0.8, 0.5)]


def _screen_wall(rng, objects: list):
    """A screen-lit background: two or three glowing displays behind the person (a control room, a studio, a
    gaming corner), the room's own lights turned down to let them light the scene's back."""
    count = int(rng.integers(2, 4))
    widths = rng.uniform(0.6, 1.4, count)
    x = np.cumsum(widths + 0.05) - (widths.sum() + 0.05 * count) / 2 - widths / 2
    depth = -float(rng.uniform(0.8, 1.3))
    for w, cx in zip(widths, x):
        h = float(w * rng.uniform(0.5, 0.65))
        colour = SCREEN_COLOURS[int(rng.integers(len(SCREEN_COLOURS)))]
        screen = {"centre_world": [float(cx), depth, float(rng.uniform(1.2, 1.9))], "right_world": [1.0, 0.0, 0.0],
                  "up_world": [0.0, 0.0, 1.0], "normal_world": [0.0, 1.0, 0.0], "size_m": [float(w), h]}
        panel = _screen(rng, screen, float(rng.uniform(0.15, 0.5)), len(objects) + 1)
        panel.materials[1].base_color = colour
        objects.append(panel)
    for o in objects:
        for m in o.materials:
            if m.emission > 0 and o.class_path in ("interior/lamp", "interior/wall"):
                m.emission *= 0.15


def _key_light(objects: list, light: str):
    """The room's windows and lamps dimmed or brightened for the key light (the screen's own glow set already)."""
    window, lamp, _, _ = LIGHTS[light]
    done = set()
    for o in objects:
        for m in o.materials:
            if m.emission > 0 and id(m) not in done and o.class_path != "interior/screen":
                m.emission *= lamp if o.class_path == "interior/lamp" else window
                done.add(id(m))
