"""Articulated actors and their motion: a procedural humanoid (one continuous skinned body in clothes, generators.body,
with a face and hair, hands with fingers and shoes; 12 labelled parts, 28 skeleton points: body joints, face and
feet) and a car (body and four wheels, rigid parts), posed frame by frame by parametric motion programs. Pure
numpy/trimesh, no bpy.

Actor frame: metres, Z up, the actor faces +Y and its right is +X; the origin is on the ground under the pelvis. A pose
gives every joint's position and every part's rigid transform in that frame; the scene places the actor in the world
with a ground position and a heading (yaw).

Motion programs map (seconds into the action, style) to joint angles plus a forward speed and a turn rate. A style
(neutral, happy, sad, angry, afraid) changes how an action is performed: tempo, amplitude, posture (lean, head) and
arm tension. Labels name the intended style, not a perceived emotion. Consecutive actions blend over BLEND_S seconds.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import trimesh

from engine.geometry import skinned
from engine.spec import Material, Mesh
from engine.streams import child
from generators import body as body_shape, eyes
from generators.body import frame as _frame, rx as _rx, ry as _ry, rz as _rz
from generators.faces import HAIR_STYLES, face_and_hair, sockets, face_points
from generators.materials import material, pick
from generators.shapes import box, frustum, place, sphere

BLEND_S = 0.3                      # cross-fade between consecutive actions
HUMAN_ACTIONS = ("stand", "walk", "run", "jump", "wave", "sit_down", "fall", "push", "carry", "dance", "turn",
                 "crouch", "reach")
# hands per action: 0 open, 0.3 relaxed, 0.75 holding (a parcel), 1 a fist
GRIPS = {"run": 0.6, "carry": 0.75, "push": 0.1, "reach": 0.15, "fall": 0.1, "jump": 0.45, "dance": 0.2, "wave": 0.3}
LOCOMOTION = {"walk": 1.35, "run": 3.4, "push": 0.55, "carry": 1.05}        # forward speed (m/s) at tempo 1


@dataclass(frozen=True)
class Style:
    tempo: float          # time and speed multiplier
    amplitude: float      # swing multiplier
    lean_deg: float       # spine pitch added (forward +)
    head_deg: float       # neck pitch added (down +)
    tension: float        # 0..1: arms held in, elbows bent


STYLES = {"neutral": Style(1.0, 1.0, 0.0, 0.0, 0.0), "happy": Style(1.15, 1.3, -4.0, -8.0, 0.0),
          "sad": Style(0.72, 0.55, 14.0, 24.0, 0.1), "angry": Style(1.2, 1.2, 10.0, 4.0, 0.6),
          "afraid": Style(1.3, 0.65, 18.0, 10.0, 0.9)}


# ---- the humanoid body ---------------------------------------------------------------------------------------------
TOPS = {"shirt": ("shirt", "셔츠"), "coat": ("coat", "코트"), "jacket": ("jacket", "재킷"), "sweater": ("sweater", "스웨터"),
        "dress": ("dress", "원피스")}             # a dress: a top and a skirt of one cloth
PATTERNS = {"": 0.5, "stripes": 0.2, "checks": 0.15, "heather": 0.15}     # a top's motif (trousers: plain or heather)
CLOTH_COLORS = ["red", "blue", "white", "grey", "dark_grey", "green", "yellow", "teal", "brown", "ochre", "black"]
# (age group, share of people, height range m, proportions as shares of height: shin, thigh, torso, neck, head radius,
# upper arm, forearm); a child's head is a larger share of its height and its legs a smaller one
AGE_GROUPS = [("adult", 0.7, (1.55, 1.95), (0.245, 0.245, 0.30, 0.035, 0.066, 0.17, 0.15)),
              ("child", 0.15, (1.0, 1.45), (0.225, 0.22, 0.30, 0.03, 0.08, 0.16, 0.14)),
              ("elderly", 0.15, (1.5, 1.85), (0.245, 0.245, 0.30, 0.035, 0.066, 0.17, 0.15))]
SKIN_TONES = [(0.80, 0.60, 0.48), (0.70, 0.50, 0.38), (0.56, 0.40, 0.30), (0.42, 0.29, 0.21), (0.88, 0.70, 0.58)]


@dataclass
class Body:
    """Proportions (metres) and clothing of one procedural person; no real person's likeness. The mesh is in the rest
    pose (generators.body.REST) in the actor frame; `weights` skin it to `bones` (the labelled parts, then the finger
    bones), whose rest transforms are `bind`."""
    height: float
    build: float
    params: dict
    mesh: Mesh
    materials: list
    part_names: list
    face_part: np.ndarray   # (F,) index into part_names: each face's dominant bone (a finger's: the forearm's)
    bones: list
    weights: np.ndarray     # (V, bones) linear-blend skin weights, rows sum to 1
    bind: np.ndarray        # (bones, 4, 4) rest-pose bone-to-actor transforms
    points: dict            # surface keypoints {name: (bone, xyz in the bone's frame)}
    support: np.ndarray | None = None   # vertices that can be the lowest in a pose (body.lowest_candidates)

    @property
    def dims(self):
        return self.params["dims"]


def humanoid(rng: np.random.Generator, part_names: list, close_up: bool = False) -> Body:
    """A person drawn from `rng`. `close_up` (scene=face): the head finer, sockets for generators.eyes' eyeballs and
    lids instead of painted-on eyes; the same draws, so the same person either way."""
    age = AGE_GROUPS[int(child(rng).choice(len(AGE_GROUPS), p=[share for _, share, _, _ in AGE_GROUPS]))]
    age_group, _, heights, shares = age
    height = float(rng.uniform(*heights))
    build = float(rng.uniform(0.85, 1.2))
    h, b = height, build
    shin, thigh, torso, neck, head_r, upper_arm, forearm = (k * h for k in shares)
    d = {"ankle": 0.045 * h, "shin": shin, "thigh": thigh, "torso": torso, "neck": neck,
         "head_r": head_r, "shoulder_half": 0.115 * h * b ** 0.5, "hip_half": 0.055 * h * b,
         "upper_arm": upper_arm, "forearm": forearm, "foot_w": 0.05 * h * b}
    top_kind = pick(rng, [k for k in TOPS if k != "dress"])
    top_color, bottom_color = pick(rng, CLOTH_COLORS), pick(rng, ["blue", "dark_grey", "black", "brown", "grey", "ochre"])
    skin = SKIN_TONES[int(rng.integers(len(SKIN_TONES)))]
    skin_mat = Material("skin", tuple(np.round(np.array(skin) ** 2.2, 5).tolist()), roughness=0.55, kind="skin")
    hair_colors = ["grey", "white", "dark_grey"] if age_group == "elderly" else ["black", "brown", "dark_grey", "ochre"]
    top_pattern, bottom_pattern = (list(PATTERNS)[int(child(rng).choice(len(PATTERNS), p=list(PATTERNS.values())))]
                                   for _ in range(2))
    mats = [skin_mat, replace(material(rng, "fabric", top_color), pattern=top_pattern),
            replace(material(rng, "fabric", bottom_color), pattern="heather" if bottom_pattern == "heather" else ""),
            material(rng, "leather", pick(rng, ["black", "brown", "white"])), material(rng, "hair", pick(rng, hair_colors)),
            material(rng, "rubber", pick(rng, ["black", "dark_grey", "white"]), jitter=0.0)]
    long_sleeves = top_kind != "shirt" or rng.random() < 0.5
    shorts = rng.random() < 0.2
    skirt = not shorts and top_kind != "coat" and child(rng).random() < 0.2
    if skirt and top_kind in ("shirt", "sweater") and child(rng).random() < 0.5:
        top_kind, bottom_color, mats[2] = "dress", top_color, mats[1]
    stoop = float(rng.uniform(6.0, 12.0)) if age_group == "elderly" else 0.0     # the spine bends forward with age
    params = {"age_group": age_group, "stoop_deg": round(stoop, 3), "height_m": round(height, 3),
              "build": round(build, 3), "top": top_kind, "top_color": top_color,
              "top_pattern": top_pattern or "plain", "bottom_color": bottom_color, "long_sleeves": bool(long_sleeves), "shorts": bool(shorts),
              "skirt": bool(skirt), "dims": {k: round(v, 4) for k, v in d.items()}}
    styles = [k for k in HAIR_STYLES if not (k == "bald" and age_group == "child")]
    face, face_mats, face_params = face_and_hair(child(rng), d, skin_mat, len(mats), styles, close_up)
    params.update(face_params)
    if child(rng).random() < 0.15:                  # a backpack, in its own fabric
        params["bag"] = "backpack"
        face_mats.append(material(rng, "fabric", pick(rng, ["black", "dark_grey", "blue", "red", "green", "ochre"])))
    dress = {"top": top_kind, "top_hem": 0.02 if top_kind in ("jacket", "coat") else 0.1, "long_sleeves": long_sleeves,
             "shorts": shorts, "skirt": skirt}
    return _assemble(height, build, params, d, dress, face, mats + face_mats, part_names, close_up)


def _assemble(height, build, params, d, dress, face, mats, part_names, close_up=False) -> Body:
    """The skinned surface of torso and limbs, and the rigid pieces (head, face and hair, hands, shoes) on their bones,
    joined into one mesh with skin weights."""
    d = {k: round(v, 4) for k, v in d.items()}           # as the labels record them, so the rest pose is exact
    hd = body_shape.hand_dims(d, height, build)
    stub = Body(height, build, {**params, "dims": d}, None, mats, part_names, None, [], None, None, {})
    _, rest = _kinematics(stub, body_shape.REST)
    bones = list(part_names) + body_shape.finger_bones()
    bind = np.stack([rest[n] for n in bones])
    vertices, faces, layer, bone_dist = body_shape.skin_surface(d, build, height, {n: rest[n] for n in part_names}, dress)
    layer_material = np.array([0, 1, 2])
    weights = body_shape.skin_weights(bone_dist, bones)
    parts = [(vertices, faces, layer_material[layer], weights)]
    upper, sole, foot_points = body_shape.shoe(d, height)
    head = place(sphere(d["head_r"], 5 if close_up else 2), (0, 0, d["neck"] + d["head_r"]), scale=(0.9, 1.0, 1.05))
    if close_up:
        head = trimesh.Trimesh(*sockets(head.vertices, head.faces, d, eyes.EYE_R, eyes.LID_OUT * eyes.EYE_R,
                                       0.5 * (1.0 + eyes.LID_IN) * eyes.EYE_R), process=False)
    rigid = {"head": [(head, 0)]}
    # hair: the head's own shape, 3 % larger, raised and set back so that it leaves the face below a hairline a third
    # of a head radius above the eyes
    if params["hair"] not in ("bald", "hat"):
        rigid["head"].append((place(sphere(d["head_r"] * 1.03, 4 if close_up else 2), (0, -0.08 * d["head_r"], d["neck"] + d["head_r"] * 1.35),
                                    scale=(0.9, 1.0, 1.05)), 4))
    rigid["head"] += face
    if params.get("bag") == "backpack":              # against the back, over the top
        rigid["torso"] = body_shape.backpack(vertices, bind[0], d, height, len(mats) - 1)
    if dress["top"] == "coat" or dress["skirt"]:     # a coat's skirts or a skirt hang from the waist over the thighs
        hem, colour = (0.75, 1) if dress["top"] == "coat" else (0.55, 2)
        r = build * height
        rigid["torso"] = rigid.get("torso", []) + [(place(frustum(2.2 * d["hip_half"], d["hip_half"] + 0.05 * r, hem * d["thigh"] + 0.1 * d["torso"], 20),
                                 (0, 0, -hem * d["thigh"]), scale=(1.0, 0.75, 1.0)), colour)]
    hand = body_shape.hand_pieces(hd)
    points = {name: ("head", np.asarray(xyz, float)) for name, xyz in face_points(d).items()}
    for side, sx in (("left", -1.0), ("right", 1.0)):
        mirror = np.diag([-sx, 1.0, 1.0])                   # the shoe is built for the left foot
        rigid[f"{side}_foot"] = [(place(upper, rotation=mirror), 3), (place(sole, rotation=mirror), 5)]
        rigid[f"{side}_forearm"] = [(place(hand["palm"], (0, 0, -d["forearm"])), 0)]
        for bone in hand:
            if bone != "palm":
                rigid[f"{side}_{bone}"] = [(p, 0) for p in hand[bone]]
        points.update({f"{side}_{name}": (f"{side}_foot", mirror @ xyz) for name, xyz in foot_points.items()})
    offset = len(vertices)
    for bone, pieces in rigid.items():
        j = bones.index(bone)
        for piece, mat in pieces:
            v = np.asarray(piece.vertices) @ bind[j, :3, :3].T + bind[j, :3, 3]
            w = np.zeros((len(v), len(bones)), np.float32)
            w[:, j] = 1.0
            parts.append((v, np.asarray(piece.faces, np.int64) + offset, np.full(len(piece.faces), mat), w))
            offset += len(v)
    vertices, faces, face_material, weights = (np.vstack([p[0] for p in parts]), np.vstack([p[1] for p in parts]),
                                               np.concatenate([p[2] for p in parts]), np.vstack([p[3] for p in parts]))
    # each face belongs to its dominant bone; a finger's faces to the forearm (the hand is part of it)
    owner = np.array([part_names.index(b if b in part_names else b.rsplit("_", 2)[0] + "_forearm") for b in bones])
    face_part = owner[np.argmax(weights[faces].sum(axis=1), axis=1)]
    mesh = Mesh(vertices, faces, face_material.astype(np.int64))
    return Body(height, build, {**params, "dims": d}, mesh, mats, part_names, face_part, bones, weights, bind, points,
                body_shape.lowest_candidates(vertices, weights))


def _join(pieces: dict, part_names: list):
    """Part pieces {part: [(trimesh, material)]} -> one Mesh (vertices in each part's frame) and each face's part."""
    vertices, faces, face_material, face_part, offset = [], [], [], [], 0
    for p, name in enumerate(part_names):
        for piece, mat in pieces[name]:
            vertices.append(np.asarray(piece.vertices, float))
            faces.append(np.asarray(piece.faces, np.int64) + offset)
            face_material.append(np.full(len(piece.faces), mat, np.int64))
            face_part.append(np.full(len(piece.faces), p, np.int64))
            offset += len(piece.vertices)
    return Mesh(np.vstack(vertices), np.vstack(faces), np.concatenate(face_material)), np.concatenate(face_part)


def _kinematics(body: Body, a: dict):
    """Forward kinematics, before the body is set on the ground: joints {name: xyz} and bone frames {name: 4x4}."""
    d, hd = body.dims, body_shape.hand_dims(body.dims, body.height, body.build)
    g = lambda k: a.get(k, 0.0)                                                  # noqa: E731
    pelvis = np.array([0.0, 0.0, d["ankle"] + d["shin"] + d["thigh"]])
    r_spine = _rx(-g("spine_pitch") - body.params.get("stoop_deg", 0.0)) @ _ry(g("spine_roll")) @ _rz(g("spine_twist"))
    r_head = r_spine @ _rz(g("neck_yaw")) @ _rx(-g("neck_pitch"))
    neck = pelvis + r_spine @ [0, 0, d["torso"]]
    joints = {"pelvis": pelvis, "chest": pelvis + r_spine @ [0, 0, 0.55 * d["torso"]], "neck": neck,
              "head": neck + r_head @ [0, 0, d["neck"] + d["head_r"]],
              "head_top": neck + r_head @ [0, 0, d["neck"] + 2 * d["head_r"] * 1.05]}
    parts = {"torso": _frame(r_spine, pelvis), "head": _frame(r_head, neck)}
    for side, sx in (("left", -1.0), ("right", 1.0)):
        s = side[0]
        shoulder = pelvis + r_spine @ [sx * d["shoulder_half"], 0, d["torso"] - 0.04 * body.height]
        r_upper = r_spine @ _rx(g(f"{s}_shoulder_flex")) @ _ry(-sx * g(f"{s}_shoulder_abd"))
        elbow = shoulder + r_upper @ [0, 0, -d["upper_arm"]]
        r_fore = r_upper @ _rx(g(f"{s}_elbow"))
        wrist = elbow + r_fore @ [0, 0, -d["forearm"]]
        hip = pelvis + [sx * d["hip_half"], 0, 0]
        r_thigh = _rx(g(f"{s}_hip_flex")) @ _ry(-sx * g(f"{s}_hip_abd"))
        knee = hip + r_thigh @ [0, 0, -d["thigh"]]
        r_shin = r_thigh @ _rx(-g(f"{s}_knee"))
        ankle = knee + r_shin @ [0, 0, -d["shin"]]
        r_foot = r_shin @ _rx(g(f"{s}_ankle"))
        joints.update({f"{side}_shoulder": shoulder, f"{side}_elbow": elbow, f"{side}_wrist": wrist, f"{side}_hip": hip,
                       f"{side}_knee": knee, f"{side}_ankle": ankle})
        parts.update({f"{side}_upper_arm": _frame(r_upper, shoulder), f"{side}_forearm": _frame(r_fore, elbow),
                      f"{side}_thigh": _frame(r_thigh, hip), f"{side}_shin": _frame(r_shin, knee),
                      f"{side}_foot": _frame(r_foot, ankle)})
        grip = a.get(f"{s}_grip", 0.3)
        wrist_frame = _frame(r_fore, wrist)
        parts.update({f"{side}_{k}": v for k, v in body_shape.hand_frames(wrist_frame, sx, hd, grip).items()})
    for name, (bone, xyz) in body.points.items():
        joints[name] = parts[bone][:3, :3] @ xyz + parts[bone][:3, 3]
    return joints, parts


def skin_matrices(body: Body, parts: dict) -> np.ndarray:
    """(bones, 4, 4) posed-from-rest transforms: a vertex bound to bone b moves by parts[b] @ inverse(bind[b])."""
    return np.stack([parts[n] for n in body.bones]) @ np.linalg.inv(body.bind)


def humanoid_pose(body: Body, a: dict):
    """Forward kinematics. `a`: joint angles in degrees (missing = 0; grips 0..1, missing = relaxed) plus body_pitch
    (a fall, about the feet) and lift (metres, airborne). Returns (joints {name: xyz}, bones {name: 4x4}) in the
    actor frame, the lowest point of the skinned mesh on z=0 (+ lift)."""
    joints, parts = _kinematics(body, a)
    tip = _frame(_rx(-a.get("body_pitch", 0.0)), [0, 0, 0])
    parts = {k: tip @ v for k, v in parts.items()}
    s = body.support
    lowest = float(skinned(body.mesh.vertices[s], body.weights[s], skin_matrices(body, parts))[:, 2].min())
    shift = np.array([0, 0, -lowest + a.get("lift", 0.0)])
    joints = {k: tip[:3, :3] @ v + shift for k, v in joints.items()}
    parts = {k: _frame(v[:3, :3], v[:3, 3] + shift) for k, v in parts.items()}
    return joints, parts


def _swing(t, freq):
    return np.sin(2 * np.pi * freq * t)


def _locomotion(a: dict, action: str, t: float, style: Style) -> float:
    """Gait angles of walk, run, push and carry (legs swinging, arms by action) added to `a`; returns the speed."""
    amp, tempo = style.amplitude, style.tempo
    freq = {"walk": 0.95, "run": 1.45, "push": 0.6, "carry": 0.85}[action]
    hip_amp = {"walk": 24, "run": 38, "push": 14, "carry": 20}[action] * amp ** 0.5
    ph = _swing(t, freq)
    a["l_hip_flex"], a["r_hip_flex"] = hip_amp * ph, -hip_amp * ph
    knee = {"walk": 40, "run": 85, "push": 30, "carry": 35}[action]
    a["l_knee"] = 8 + knee * max(0.0, -_swing(t + 0.12 / freq, freq))
    a["r_knee"] = 8 + knee * max(0.0, _swing(t + 0.12 / freq, freq))
    a["l_ankle"], a["r_ankle"] = -0.3 * a["l_hip_flex"], -0.3 * a["r_hip_flex"]
    if action in ("walk", "run"):
        arm = (0.7 if action == "walk" else 1.0) * hip_amp * amp
        a["l_shoulder_flex"] += -arm * ph
        a["r_shoulder_flex"] += arm * ph
        a["l_elbow"] += 15 if action == "walk" else 75
        a["r_elbow"] += 15 if action == "walk" else 75
        a["spine_pitch"] += 3 if action == "walk" else 12
    else:      # push: arms straight ahead; carry: forearms forward holding a parcel
        for s in "lr":
            a[f"{s}_shoulder_flex"] = 80 if action == "push" else 35
            a[f"{s}_elbow"] = 15 if action == "push" else 70
            a[f"{s}_shoulder_abd"] = 4
        a["spine_pitch"] += 18 if action == "push" else 2
    return LOCOMOTION[action] * tempo * min(1.3, amp ** 0.5)


def human_program(action: str, t: float, style: Style):
    """Joint angles (deg), forward speed (m/s) and turn rate (deg/s) of `action` at t seconds into it."""
    amp, tempo = style.amplitude, style.tempo
    t = t * tempo
    a = {"spine_pitch": style.lean_deg, "neck_pitch": style.head_deg}
    arms_in = style.tension
    for s in "lr":
        a[f"{s}_elbow"] = 8 + 50 * arms_in
        a[f"{s}_shoulder_abd"] = 6 - 4 * arms_in
        a[f"{s}_shoulder_flex"] = 10 * arms_in
        a[f"{s}_grip"] = GRIPS.get(action, 0.3) + 0.6 * arms_in * (1 - GRIPS.get(action, 0.3))   # tension clenches
    speed, turn = 0.0, 0.0
    if action == "stand":
        breathe = 1.5 * _swing(t, 0.25)
        a["l_shoulder_flex"] += breathe
        a["r_shoulder_flex"] -= breathe
    elif action in LOCOMOTION:
        speed = _locomotion(a, action, t, style)
    elif action == "jump":
        cycle = (t % 1.1) / 1.1                                    # crouch, take off, flight, land
        crouch = np.sin(np.pi * min(1.0, cycle / 0.3)) if cycle < 0.3 else 0.0
        flight = np.sin(np.pi * (cycle - 0.3) / 0.5) if 0.3 <= cycle < 0.8 else 0.0
        for s in "lr":
            a[f"{s}_hip_flex"] = 45 * crouch + 10 * flight
            a[f"{s}_knee"] = 80 * crouch + 20 * flight
            a[f"{s}_ankle"] = -25 * crouch
            a[f"{s}_shoulder_flex"] = -30 * crouch + 150 * flight * amp ** 0.5
        a["spine_pitch"] += 25 * crouch
        a["lift"] = 0.35 * amp * flight
    elif action == "wave":
        a["r_grip"] = 0.05                                         # the waving hand open
        a["r_shoulder_flex"], a["r_shoulder_abd"] = 20, 150 - 30 * style.tension
        a["r_elbow"] = 30 + 25 * amp * _swing(t, 1.8)
    elif action == "reach":
        a["r_shoulder_flex"], a["r_elbow"] = 70 * min(1.0, t / 0.5), 15
    elif action == "sit_down":                                     # onto the ground, legs forward
        k = min(1.0, t / 1.0)
        for s in "lr":
            a[f"{s}_hip_flex"] = 88 * k
            a[f"{s}_knee"] = 70 * k * (1 - k) * 2 + 10 * k
            a[f"{s}_shoulder_flex"] = -25 * k
            a[f"{s}_elbow"] = 10
        a["spine_pitch"] = style.lean_deg * 0.6 - 10 * k
    elif action == "fall":                                         # tips forward over ~0.6 s and lies there
        k = min(1.0, t / 0.6) ** 2
        a["body_pitch"] = 86 * k
        for s in "lr":
            a[f"{s}_shoulder_flex"] = 140 * k
            a[f"{s}_elbow"] = 30 * k
        a["spine_pitch"] = 0.0
        a["neck_pitch"] = -30 * k
    elif action == "dance":
        ph = _swing(t, 1.2)
        a["spine_roll"] = 10 * amp * ph
        a["l_shoulder_abd"], a["r_shoulder_abd"] = 90 + 50 * amp * ph, 90 - 50 * amp * ph
        a["l_elbow"] = a["r_elbow"] = 40
        a["l_hip_flex"], a["r_hip_flex"] = 15 * max(0.0, ph), 15 * max(0.0, -ph)
        a["l_knee"], a["r_knee"] = 30 * max(0.0, ph), 30 * max(0.0, -ph)
        a["lift"] = 0.05 * amp * abs(ph)
        turn = 90.0 * tempo
    elif action == "turn":
        ph = _swing(t, 1.2)
        a["l_hip_flex"], a["r_hip_flex"] = 10 * ph, -10 * ph
        a["l_knee"], a["r_knee"] = 15 * max(0.0, ph), 15 * max(0.0, -ph)
        turn = 150.0 * tempo
    elif action == "crouch":
        k = min(1.0, t / 0.6)
        for s in "lr":
            a[f"{s}_hip_flex"], a[f"{s}_knee"], a[f"{s}_ankle"] = 80 * k, 120 * k, -35 * k
            a[f"{s}_shoulder_flex"] = 30 * k
            a[f"{s}_elbow"] = 60 * k
        a["spine_pitch"] += 25 * k
    else:
        raise ValueError(f"unknown human action '{action}'")
    return a, speed, turn


def blend(a0: dict, a1: dict, w: float) -> dict:
    return {k: (1 - w) * a0.get(k, 0.0) + w * a1.get(k, 0.0) for k in set(a0) | set(a1)}


# ---- the car -------------------------------------------------------------------------------------------------------
@dataclass
class Car:
    params: dict
    mesh: Mesh
    materials: list
    face_part: np.ndarray
    wheel_r: float
    wheel_offsets: dict
    joints_local: dict
    bones: list             # the parts, in the order part poses are stacked


def car(rng: np.random.Generator, part_names: list) -> Car:
    length, width = float(rng.uniform(3.9, 4.8)), float(rng.uniform(1.7, 1.9))
    wheel_r, body_h, cabin_h = 0.33, float(rng.uniform(0.6, 0.75)), float(rng.uniform(0.45, 0.6))
    color = pick(rng, ["red", "blue", "white", "grey", "black", "yellow", "green", "teal"])
    mats = [material(rng, "paint", color), material(rng, "glass", "dark_grey", jitter=0.0),
            material(rng, "rubber", "black", jitter=0.0)]
    base = 0.22
    cabin_len = length * float(rng.uniform(0.45, 0.55))
    cab = np.array([[-1, -1, 0], [1, -1, 0], [1, 1, 0], [-1, 1, 0], [-0.9, -0.7, 1], [0.9, -0.7, 1], [0.9, 0.55, 1],
                    [-0.9, 0.55, 1]], float) * [width / 2 * 0.92, cabin_len / 2, cabin_h] + [0, -0.05 * length, base + body_h]
    cabin = trimesh.convex.convex_hull(cab)
    wheel = place(frustum(wheel_r, wheel_r, 0.22, 14), (-0.11, 0, 0), rotation=_ry(90))
    offsets = {f"{fr}_{side}_wheel": np.array([sx * (width / 2 - 0.12), sy * length * 0.34, wheel_r])
               for fr, sy in (("front", 1), ("rear", -1)) for side, sx in (("left", -1), ("right", 1))}
    pieces = {"body": [(box((width, length, body_h), (0, 0, base + body_h / 2)), 0), (cabin, 1)]}
    for name in offsets:
        pieces[name] = [(wheel, 2)]
    mesh, face_part = _join(pieces, part_names)
    top = base + body_h + cabin_h
    joints = {**offsets, "front_centre": np.array([0, length / 2, base + body_h / 2]),
              "rear_centre": np.array([0, -length / 2, base + body_h / 2]), "roof_centre": np.array([0, -0.05 * length, top])}
    params = {"length_m": round(length, 3), "width_m": round(width, 3), "height_m": round(top, 3), "color": color}
    return Car(params, mesh, mats, face_part, wheel_r, offsets, joints, list(part_names))


def car_pose(c: Car, distance_travelled: float):
    """Wheels roll with the distance travelled (no slip); the body does not move against the car's frame."""
    spin = np.rad2deg(distance_travelled / c.wheel_r)
    parts = {"body": np.eye(4)}
    for name, offset in c.wheel_offsets.items():
        parts[name] = _frame(_rx(spin), offset)
    return dict(c.joints_local), parts


def car_program(action: str, t: float, cruise: float):
    """Speed (m/s) of a car action at t seconds into it: drive at cruise, brake to a stop over 1.5 s, stop."""
    if action == "drive":
        return cruise
    if action == "brake":
        return cruise * max(0.0, 1 - t / 1.5)
    if action == "stop":
        return 0.0
    raise ValueError(f"unknown car action '{action}'")
