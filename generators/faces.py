"""The person's head in detail: a face (eyes with sclera, iris and pupil, brows, nose, mouth, ears), hair styles and
hats, and COCO's face points on them, in the head's frame (generators.actors; the feet's points are on the shoes,
generators.body). Pure numpy/trimesh."""
from __future__ import annotations

import numpy as np
import trimesh

from engine.spec import Material
from generators.materials import material, pick
from generators.shapes import box, frustum, place, sphere

HAIR_STYLES = ("short", "long", "bun", "bald", "hat")
HAIR_SHARES = {"short": 0.34, "long": 0.26, "bun": 0.12, "bald": 0.1, "hat": 0.18}   # of the people who may have each
EYE_COLORS = ("brown", "dark_grey", "blue", "green", "ochre")
FUNNEL_M = 0.008           # a close-up's skin sinks under the lids over this distance (the eye socket's slope)


def _face_surface(d: dict, x: float, dz: float) -> float:
    """How far forward (+Y) the head's ellipsoid (semi-axes 0.9, 1.0, 1.05 head radii) reaches at x, and dz above
    its centre: where the face's features sit."""
    r = d["head_r"]
    return r * float(np.sqrt(max(0.0, 1.0 - (x / (0.9 * r)) ** 2 - (dz / (1.05 * r)) ** 2)))


def face_points(d: dict) -> dict:
    """The face's keypoints in the head's frame (origin at the neck joint, +Y forward): the nose tip, the front of each
    pupil and the outer side of each ear, as `face_and_hair` builds them (left is -X, as the body's)."""
    r, cz = d["head_r"], d["neck"] + d["head_r"]
    eye_r = 0.12 * r
    points = {"nose": (0.0, _face_surface(d, 0.0, -0.18 * r) + 0.2 * r, cz - 0.18 * r)}
    for side, sx in (("left", -1.0), ("right", 1.0)):
        x = sx * 0.33 * r
        points[f"{side}_eye"] = (x, _face_surface(d, x, 0.05 * r) - 0.45 * eye_r + 1.15 * eye_r, cz + 0.05 * r)
        points[f"{side}_ear"] = (sx * 0.97 * r, -0.05 * r, cz - 0.05 * r)
    return points


def eye_centres(d: dict, eye_r: float) -> dict:
    """Where a close-up's eyeballs (radius eye_r, generators.eyes) sit in the head's frame: under the brows, their
    fronts a little proud of the face's surface (so that the lids' corners are too)."""
    r, cz = d["head_r"], d["neck"] + d["head_r"]
    return {side: np.array([sx * 0.33 * r, _face_surface(d, sx * 0.33 * r, 0.05 * r) - 0.8 * eye_r, cz + 0.05 * r])
            for side, sx in (("left", -1.0), ("right", 1.0))}


def sockets(vertices: np.ndarray, faces: np.ndarray, d: dict, eye_r: float, socket_r: float, rim_r: float) -> tuple:
    """The head's surface opened round a close-up's eyes: faces with a corner nearer an eye's centre than `socket_r`
    (the lids' outer shell) go, and the hole's rim is drawn in to `rim_r` (under the lids' inner shell), so skin runs
    under the lids without a crack to see through, sinking smoothly from FUNNEL_M away. Returns (vertices, faces)."""
    vertices, keep = np.array(vertices, float), np.ones(len(faces), bool)
    centres = list(eye_centres(d, eye_r).values())
    for centre in centres:
        keep &= ~(np.linalg.norm(vertices - centre, axis=1) < socket_r)[faces].any(axis=1)
    faces = np.asarray(faces)[keep]
    kept = np.unique(faces)
    for centre in centres:          # a funnel: the skin within `FUNNEL_M` of the shell sinks smoothly to the rim
        away = vertices[kept] - centre
        dist = np.linalg.norm(away, axis=1)
        near = dist < socket_r + FUNNEL_M
        sunk = rim_r + (dist[near] - socket_r) * (socket_r + FUNNEL_M - rim_r) / FUNNEL_M
        vertices[kept[near]] = centre + away[near] / dist[near, None] * sunk[:, None]
    return vertices, faces


def face_and_hair(rng: np.random.Generator, d: dict, skin: Material, first: int, styles: list, close_up: bool = False):
    """Eyes (sclera, iris, pupil), brows, nose, mouth and ears on the head ellipsoid, and a hair style: pieces of the
    head part [(mesh, material index)], their new materials (indices from `first`) and the choices made. A `close_up`
    brings its own eyes (generators.eyes: the eye materials stay, the pieces go) and rounds the features finer."""
    r, cz = d["head_r"], d["neck"] + d["head_r"]
    share = np.array([HAIR_SHARES[k] for k in styles])
    hair, eye_color = styles[int(rng.choice(len(styles), p=share / share.sum()))], pick(rng, list(EYE_COLORS))
    lips = Material("lips", tuple(np.round(np.multiply(skin.base_color, [0.85, 0.55, 0.55]), 5).tolist()), 0.45, kind="skin")
    mats = [material(rng, "paint", "white"), material(rng, "paint", eye_color), Material("pupil", (0.01, 0.01, 0.01), 0.1), lips]
    sclera, iris, pupil, mouth = first, first + 1, first + 2, first + 3
    eye_r, k = 0.12 * r, 3 if close_up else 1          # k: the features' subdivision
    pieces = _close_up_features(d, mouth) if close_up else [
        (place(sphere(1.0, k), (0, _face_surface(d, 0, -0.18 * r) + 0.1 * r, cz - 0.18 * r), scale=(0.11 * r, 0.1 * r, 0.2 * r)), 0),   # nose
        (place(sphere(1.0, k), (0, _face_surface(d, 0, -0.5 * r) - 0.03 * r, cz - 0.5 * r), scale=(0.22 * r, 0.06 * r, 0.05 * r)), mouth)]
    for sx in (-1.0, 1.0):
        x = sx * 0.33 * r
        eye = np.array([x, _face_surface(d, x, 0.05 * r) - 0.45 * eye_r, cz + 0.05 * r])
        if not close_up:
            pieces += [(place(sphere(eye_r, 1), eye), sclera), (place(sphere(0.5 * eye_r, 1), eye + [0, 0.65 * eye_r, 0]), iris),
                       (place(sphere(0.22 * eye_r, 1), eye + [0, 0.93 * eye_r, 0]), pupil)]
        if not close_up:
            pieces.append((box((0.32 * r, 0.06 * r, 0.06 * r), (x, _face_surface(d, x, 0.3 * r) - 0.01 * r, cz + 0.3 * r)), 4))  # brow
        pieces += [(place(sphere(1.0, k), (sx * 0.88 * r, -0.05 * r, cz - 0.05 * r), scale=(0.09 * r, 0.2 * r, 0.3 * r)), 0)]
    if hair == "long":
        pieces.append((place(sphere(1.0, 1), (0, -0.5 * r, cz - 0.35 * r), scale=(0.85 * r, 0.5 * r, 0.95 * r)), 4))
    elif hair == "bun":
        pieces.append((place(sphere(0.35 * r, 1), (0, -0.85 * r, cz + 0.6 * r)), 4))
    elif hair == "hat":
        mats.append(material(rng, "fabric", pick(rng, ["black", "grey", "brown", "blue", "red"])))
        pieces += [(place(frustum(0.98 * r, 0.9 * r, 0.9 * r, 16), (0, -0.02 * r, cz + 0.3 * r), scale=(1.0, 1.08, 1.0)),
                    first + 4), (place(frustum(1.45 * r, 1.45 * r, 0.03 * r, 20), (0, 0.0, cz + 0.3 * r)), first + 4)]
    glasses = bool(rng.random() < 0.2)
    if glasses:
        pieces += _glasses(d, first + len(mats))
        mats.append(material(rng, "paint", pick(rng, ["black", "dark_grey", "brown"])))
    return pieces, mats, {"hair": hair, "eye_color": eye_color, "glasses": glasses}


def _glasses(d: dict, frame: int) -> list:
    """Rims round the eyes (open rings: the eyes show through), a bridge and temples back to the ears."""
    r, cz = d["head_r"], d["neck"] + d["head_r"]
    front = max(face_points(d)[f"{side}_eye"][1] for side in ("left", "right")) + 0.1 * r
    upright = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, -1.0], [0.0, 1.0, 0.0]])         # the ring's axis along +Y
    pieces = [(box((0.2 * r, 0.03 * r, 0.03 * r), (0.0, front, cz + 0.08 * r)), frame)]
    for sx in (-1.0, 1.0):
        ring = trimesh.creation.torus(0.2 * r, 0.025 * r, major_sections=16, minor_sections=6)
        pieces += [(place(ring, (sx * 0.33 * r, front, cz + 0.05 * r), rotation=upright), frame),
                   (box((0.03 * r, front + 0.05 * r, 0.04 * r), (sx * 0.9 * r, (front - 0.05 * r) / 2, cz + 0.1 * r)), frame)]
    return pieces


def _close_up_anchors(d: dict) -> dict:
    """Where a close-up's nose, lips and brows sit (head frame): the points their pieces and landmarks share."""
    r, cz = d["head_r"], d["neck"] + d["head_r"]
    tip = np.asarray(face_points(d)["nose"], float)
    mouth = np.array([0.0, _face_surface(d, 0, -0.5 * r) - 0.03 * r, cz - 0.5 * r])
    brows = {}
    for side, sx in (("left", -1.0), ("right", 1.0)):
        x = np.linspace(0.17, 0.5, 6) * r
        z = cz + 0.26 * r + 0.05 * r * np.sin(np.pi * (x / r - 0.17) / 0.33 * 0.8)      # arched, highest outside the middle
        brows[side] = np.stack([sx * x, [_face_surface(d, xi, zi - cz) + 0.004 * r for xi, zi in zip(x, z)], z], 1)
    return {"tip": tip, "bridge_top": np.array([0.0, _face_surface(d, 0, 0.02 * r) - 0.01 * r, cz + 0.02 * r]),
            "mouth": mouth, "brows": brows, "r": r}


def _close_up_features(d: dict, mouth_material: int) -> list:
    """A close-up's nose (bridge, tip, wings), lips (upper and lower) and brows (arched strands of hair)."""
    a = _close_up_anchors(d)
    r, tip, top, m = a["r"], a["tip"], a["bridge_top"], a["mouth"]
    bottom = tip - [0.0, 0.06 * r, -0.03 * r]
    axis = (bottom - top) / np.linalg.norm(bottom - top)
    tilt = np.arctan2(axis[1], -axis[2])                  # the bridge leans forward from the brow to the tip
    c, s = np.cos(tilt), np.sin(tilt)
    pieces = [(place(sphere(1.0, 3), (top + bottom) / 2, scale=(0.06 * r, 0.07 * r, np.linalg.norm(bottom - top) / 2),
                     rotation=np.array([[1, 0, 0], [0, c, -s], [0, s, c]])), 0),
              (place(sphere(0.075 * r, 3), tip - [0.0, 0.075 * r, 0.0]), 0),
              (place(sphere(1.0, 3), m + [0.0, 0.005 * r, 0.028 * r], scale=(0.2 * r, 0.06 * r, 0.032 * r)), mouth_material),
              (place(sphere(1.0, 3), m + [0.0, 0.0, -0.03 * r], scale=(0.17 * r, 0.062 * r, 0.036 * r)), mouth_material)]
    for sx in (-1.0, 1.0):
        pieces.append((place(sphere(1.0, 3), tip + [sx * 0.065 * r, -0.095 * r, -0.045 * r], scale=(0.045 * r, 0.05 * r, 0.035 * r)), 0))
    for strand in a["brows"].values():
        pieces += [(place(sphere(1.0, 2), p, scale=(0.06 * r, 0.025 * r, 0.024 * r)), 4) for p in strand]
    return pieces


def landmarks(d: dict) -> dict:
    """Named points of a close-up's face in the head's frame, on the features _close_up_features builds (the eyes'
    own points come from generators.eyes): brow ends, nose tip, mouth corners and lips' middles, chin, ears."""
    a = _close_up_anchors(d)
    r, cz, m = a["r"], d["neck"] + d["head_r"], a["mouth"]
    points = {"nose_tip": a["tip"], "chin": (0.0, _face_surface(d, 0.0, -0.85 * r), cz - 0.85 * r),
              "upper_lip": m + [0.0, 0.065 * r, 0.028 * r], "lower_lip": m + [0.0, 0.062 * r, -0.03 * r]}
    for side, sx in (("left", -1.0), ("right", 1.0)):
        strand = a["brows"][side]
        points.update({f"{side}_brow_inner": strand[0] + [0.0, 0.025 * r, 0.0], f"{side}_brow_outer": strand[-1] + [0.0, 0.025 * r, 0.0],
                       f"{side}_mouth_corner": m + [sx * 0.19 * r, 0.0, 0.0], f"{side}_ear": face_points(d)[f"{side}_ear"]})
    return {k: np.asarray(v, float) for k, v in points.items()}
