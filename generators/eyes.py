"""Eyes for close-ups (scene=face): an eyeball whose clear cornea bulges over a flat iris and pupil, lids that blink
and follow the gaze, and how eyes behave over time (fixations and saccades, blinks, pupil size). Pure numpy.

The eye's frame has the head's axes (X to the person's right... as the body's: left is -X; Y forward; Z up) with its
origin at the eyeball's centre; an eyeball looks along its own +Y. Sizes are fractions of the eyeball's radius EYE_R:
the iris lies in the plane IRIS_PLANE R in front of the centre (its radius is the sphere's there, 0.51 R: a 12 mm
iris), the cornea's apex is at CORNEA_APEX R (a cap of radius 0.65 R, as the human 7.8 mm on 12 mm), and the lids are
a shell between LID_IN R and LID_OUT R round the eyeball, split by two edges that meet at the eye's corners."""
from __future__ import annotations

import numpy as np

from engine.spec import Mesh

EYE_R = 0.012                       # eyeball radius (m)
IRIS_PLANE, CORNEA_APEX = 0.86, 1.1
PUPIL_LIFT = 0.00005                # the pupil's disc just in front of the iris (m)
LID_IN, LID_OUT = 1.13, 1.2
MEDIAL_DEG, LATERAL_DEG = 33.0, 50.0   # the eye's corners: this far to the nose's side and the other, at eye level
UPPER_OPEN, LOWER_OPEN = 22.0, -27.0       # edge elevations (deg) at the middle of an open eye looking ahead
UPPER_FOLLOW, LOWER_FOLLOW = 0.75, 0.3     # share of the eye's pitch each lid follows (the upper lid drops looking down)
CLOSED_OVERLAP = 2.0                # a closed upper lid comes this far (deg) past the lower one: no gap
LID_COLUMNS, LID_ROWS = 41, 10
LASH_M = 0.0022                     # the upper lashes: a dark fringe this long along the upper lid's margin
LASH_FACES = 2 * (LID_COLUMNS - 1)  # the last faces of lid_faces are the lashes
SACCADE_S, SACCADE_S_PER_DEG = 0.021, 0.0022    # main sequence: a saccade's duration grows with its amplitude
BLINK_CLOSE_S, BLINK_HOLD_S, BLINK_OPEN_S = 0.08, 0.04, 0.18


def iris_radius() -> float:
    return EYE_R * float(np.sqrt(1.0 - IRIS_PLANE ** 2))


def _revolve(radius: np.ndarray, y: np.ndarray, segments: int = 48):
    """A surface of revolution about +Y: rings at (radius[k], y[k]); degenerate faces (at a pole) dropped."""
    psi = 2 * np.pi * np.arange(segments) / segments
    v = np.stack([np.outer(radius, np.cos(psi)), np.repeat(y[:, None], segments, 1), np.outer(radius, np.sin(psi))], -1)
    k, j = np.meshgrid(np.arange(len(radius) - 1), np.arange(segments), indexing="ij")
    a, b = k * segments + j, k * segments + (j + 1) % segments
    faces = np.concatenate([np.stack([a, b, a + segments], -1).reshape(-1, 3),
                            np.stack([b, b + segments, a + segments], -1).reshape(-1, 3)])
    vertices = v.reshape(-1, 3)
    area = np.linalg.norm(np.cross(vertices[faces[:, 1]] - vertices[faces[:, 0]], vertices[faces[:, 2]] - vertices[faces[:, 0]]), axis=1)
    return vertices, faces[area > 1e-14]


def _outward(vertices: np.ndarray, faces: np.ndarray, outward: np.ndarray) -> np.ndarray:
    """Faces wound so their normals point along `outward` (per face): the normal labels' side."""
    n = np.cross(vertices[faces[:, 1]] - vertices[faces[:, 0]], vertices[faces[:, 2]] - vertices[faces[:, 0]])
    flip = np.einsum("ij,ij->i", n, outward) < 0
    faces = faces.copy()
    faces[flip] = faces[flip][:, ::-1]
    return faces


def eyeball() -> dict:
    """The eye's parts, each its own mesh in the eye's frame: sclera (the sphere behind the iris plane), iris (a disc,
    material 1 its darker limbal ring), pupil (a unit disc in the XZ plane: its pose scales it to the pupil's radius),
    cornea (the clear cap)."""
    R, hi, ri = EYE_R, IRIS_PLANE * EYE_R, iris_radius()
    theta = np.linspace(np.arccos(IRIS_PLANE), np.pi, 25)
    parts = {"sclera": _revolve(R * np.sin(theta), R * np.cos(theta)),
             "iris": _revolve(np.linspace(0.0, ri, 12), np.full(12, hi)),
             "pupil": _revolve(np.linspace(0.0, 1.0, 4), np.zeros(4))}
    h = CORNEA_APEX * R - hi
    rc = (h * h + ri * ri) / (2 * h)
    yc = CORNEA_APEX * R - rc
    t = np.linspace(0.0, np.arcsin(ri / rc), 12)
    parts["cornea"] = _revolve(rc * np.sin(t), yc + rc * np.cos(t))
    centres = {"sclera": np.zeros(3), "cornea": np.array([0.0, yc, 0.0])}
    meshes = {}
    for name, (v, f) in parts.items():
        middle = v[f].mean(axis=1)
        out = middle - centres[name] if name in centres else np.tile([0.0, 1.0, 0.0], (len(f), 1))
        f = _outward(v, f, out)
        material = (np.linalg.norm(middle[:, [0, 2]], axis=1) > 0.88 * ri).astype(np.int64) if name == "iris" \
            else np.zeros(len(f), np.int64)
        meshes[name] = Mesh(v, f, material)
    return meshes


def _direction(azimuth_deg, elevation_deg) -> np.ndarray:
    az, el = np.deg2rad(azimuth_deg), np.deg2rad(elevation_deg)
    return np.stack([np.cos(el) * np.sin(az), np.cos(el) * np.cos(az), np.sin(el)], -1)


def corners_deg(nose: float) -> tuple:
    """Azimuths (deg) of an eye's corners, from -X to +X; `nose` is +1 where the nose is on the eye's +X side (the
    left eye), -1 where it is on its -X side."""
    return (-MEDIAL_DEG, LATERAL_DEG) if nose < 0 else (-LATERAL_DEG, MEDIAL_DEG)


def lid_edges(upper_deg: float, lower_deg: float, azimuth_deg: np.ndarray, nose: float) -> tuple:
    """Elevations (deg) of the upper and lower lid edges at these azimuths: full at the middle, meeting at the
    corners (corners_deg) and closed beyond."""
    lo, hi = corners_deg(nose)
    reach = np.where(np.asarray(azimuth_deg) < 0, -lo, hi)
    s = np.cos(np.pi / 2 * np.clip(np.abs(azimuth_deg) / reach, 0.0, 1.0)) ** 0.8
    return upper_deg * s, lower_deg * s


def lid_apertures(openness: float, pitch_deg: float) -> tuple:
    """The lid edges' middle elevations (deg) for an openness 0 (closed) .. 1 (open) and the eye's pitch (up +)."""
    lower = LOWER_OPEN + LOWER_FOLLOW * pitch_deg
    closed = lower - CLOSED_OVERLAP
    return closed + (UPPER_OPEN + UPPER_FOLLOW * pitch_deg - closed) * float(openness), lower


def _lid_grid(edge: np.ndarray, end_deg: float, radius: float) -> np.ndarray:
    azimuth = np.linspace(-90.0, 90.0, LID_COLUMNS)
    rows = edge[:, None] + (end_deg - edge[:, None]) * np.linspace(0.0, 1.0, LID_ROWS)[None]   # (columns, rows)
    return radius * _direction(azimuth[:, None], rows)


def lid_vertices(upper_deg: float, lower_deg: float, nose: float) -> np.ndarray:
    """Both lids of one eye at these edge elevations (lid_apertures), in the eye's frame: for each lid an outer and an
    inner shell from its edge to the far end, joined along the edge (the lid's margin). Fixed topology: lid_faces."""
    azimuth = np.linspace(-90.0, 90.0, LID_COLUMNS)
    edges = lid_edges(upper_deg, lower_deg, azimuth, nose)
    out = []
    for edge, end in zip(edges, (85.0, -85.0)):
        out += [_lid_grid(edge, end, LID_OUT * EYE_R), _lid_grid(edge, end, LID_IN * EYE_R)]
    # the lashes: from the upper margin outwards and up the lid, longest in the middle, none past the corners
    base = out[0][:, 0]
    el = np.deg2rad(edges[0])[:, None]
    up = np.stack([-np.sin(el[:, 0]) * np.sin(np.deg2rad(azimuth)), -np.sin(el[:, 0]) * np.cos(np.deg2rad(azimuth)),
                   np.cos(el[:, 0])], 1)
    reach = lid_edges(1.0, 0.0, azimuth, nose)[0][:, None]
    tip = base + LASH_M * reach * (base / np.linalg.norm(base, axis=1, keepdims=True) + 0.6 * up) / np.sqrt(1.36)
    return np.concatenate([g.reshape(-1, 3) for g in out] + [base, tip])


def _grid_faces(columns: int, rows: int, offset: int) -> np.ndarray:
    c, r = np.meshgrid(np.arange(columns - 1), np.arange(rows - 1), indexing="ij")
    a = offset + c * rows + r
    return np.concatenate([np.stack([a, a + rows, a + 1], -1).reshape(-1, 3),
                           np.stack([a + 1, a + rows, a + rows + 1], -1).reshape(-1, 3)])


def lid_faces(vertices: np.ndarray) -> np.ndarray:
    """Faces of lid_vertices' layout (wound outward on an open lid: skin out, inner shell towards the eye, margin
    towards the opening); the last LASH_FACES are the lashes."""
    n = LID_COLUMNS * LID_ROWS
    faces, outward = [], []
    for lid in range(2):
        outer, inner = 2 * lid * n, (2 * lid + 1) * n
        for start, sign in ((outer, 1.0), (inner, -1.0)):
            f = _grid_faces(LID_COLUMNS, LID_ROWS, start)
            faces.append(f)
            outward.append(sign * vertices[f].mean(axis=1))
        c = np.arange(LID_COLUMNS - 1) * LID_ROWS
        margin = np.concatenate([np.stack([outer + c, outer + c + LID_ROWS, inner + c], -1),
                                 np.stack([inner + c, outer + c + LID_ROWS, inner + c + LID_ROWS], -1)])
        faces.append(margin)
        outward.append(np.tile([0.0, 0.0, -1.0 if lid == 0 else 1.0], (len(margin), 1)))
    c = 4 * n + np.arange(LID_COLUMNS - 1)
    lashes = np.concatenate([np.stack([c, c + 1, c + LID_COLUMNS], -1), np.stack([c + 1, c + LID_COLUMNS + 1, c + LID_COLUMNS], -1)])
    faces.append(lashes)
    outward.append(np.tile([0.0, 0.0, 1.0], (len(lashes), 1)))
    return _outward(vertices, np.concatenate(faces), np.concatenate(outward))


def lid_landmarks(upper_deg: float, lower_deg: float, nose: float, count: int = 9) -> dict:
    """Points on the lids' margins (outer edge) from corner to corner (-X to +X), in the eye's frame: `count` along
    each lid; the first and last are the corners, shared by both lids."""
    azimuth = np.linspace(*corners_deg(nose), count)
    upper, lower = lid_edges(upper_deg, lower_deg, azimuth, nose)
    return {"upper": LID_OUT * EYE_R * _direction(azimuth, upper), "lower": LID_OUT * EYE_R * _direction(azimuth, lower)}


def turn_towards(direction: np.ndarray) -> np.ndarray:
    """The eyeball's rotation (3x3) that turns its +Y onto `direction` by the shortest way (no twist about the line
    of sight: Listing's law, near enough for the small turns of the eyes)."""
    d = np.asarray(direction, float) / np.linalg.norm(direction)
    y = np.array([0.0, 1.0, 0.0])
    axis, c = np.cross(y, d), float(y @ d)
    s = float(np.linalg.norm(axis))
    if s < 1e-12:
        return np.eye(3)
    k = axis / s
    kx = np.array([[0, -k[2], k[1]], [k[2], 0, -k[0]], [-k[1], k[0], 0]])
    return np.eye(3) + s * kx + (1 - c) * kx @ kx


def yaw_pitch(direction) -> tuple:
    """A direction in the head's frame as (yaw, pitch) degrees: yaw to the person's right (+X) positive, pitch up."""
    d = np.asarray(direction, float) / np.linalg.norm(direction)
    return float(np.rad2deg(np.arctan2(d[0], d[1]))), float(np.rad2deg(np.arcsin(np.clip(d[2], -1, 1))))


def fixations(rng: np.random.Generator, duration: float, pick_target, mean_s: float = 0.7) -> list:
    """Fixations [(start_s, target)] over the clip: durations log-normal round `mean_s`; `pick_target(rng)` names
    a point to look at (what and where)."""
    out, t = [], 0.0
    while t < duration:
        out.append((t, pick_target(rng)))
        t += float(np.clip(rng.lognormal(np.log(mean_s), 0.45), 0.2, 3.0))
    return out


def minimum_jerk(s: np.ndarray) -> np.ndarray:
    s = np.clip(s, 0.0, 1.0)
    return s ** 3 * (10 - 15 * s + 6 * s * s)


def blink_openness(rng: np.random.Generator, times: np.ndarray, per_min: float) -> tuple:
    """Openness (1 open .. 0 closed) at `times` from blinks at a Poisson rate (at least 1.2 s apart): a fast close,
    a short hold, a slower opening. Returns (openness, blink start times)."""
    starts, t = [], float(rng.exponential(60.0 / per_min)) * 0.5
    while t < times[-1] + 1.0:
        starts.append(t)
        t += max(1.2, float(rng.exponential(60.0 / per_min)))
    closed = np.zeros_like(times)
    for s in starts:
        u = times - s
        closing = np.clip(u / BLINK_CLOSE_S, 0, 1)
        opening = np.clip((u - BLINK_CLOSE_S - BLINK_HOLD_S) / BLINK_OPEN_S, 0, 1)
        closed = np.maximum(closed, np.where((u >= 0) & (opening < 1), minimum_jerk(closing) * (1 - minimum_jerk(opening)), 0))
    return 1.0 - closed, [round(s, 4) for s in starts if s <= times[-1]]


def pupil_diameters(rng: np.random.Generator, times: np.ndarray, base_mm: float) -> np.ndarray:
    """Pupil diameter (mm) over time: the light's base size with hippus (slow unrest, ~0.1-0.4 Hz, +-0.25 mm)."""
    wobble = sum(a * np.sin(2 * np.pi * f * times + p) for a, f, p in
                 zip(rng.uniform(0.05, 0.15, 3), rng.uniform(0.1, 0.4, 3), rng.uniform(0, 2 * np.pi, 3)))
    return base_mm + wobble
