"""A person's body as one continuous skinned mesh: torso, neck and limbs are tapered capsules and ellipsoids joined
smoothly in a signed-distance field, clothing is the same field offset outward over the garment's region (a real hem
step at cuffs and waists), and marching cubes meshes it in the rest pose (arms lowered 35 degrees from the sides).
Head, hands with fingers and shoes are rigid pieces on their bones. Every vertex gets linear-blend skin weights: its
nearest bone, blended with that bone's parent or child within BLEND_M of the joint, so a bent elbow bends the skin.

Pure numpy (+ scikit-image's marching cubes). Frames follow generators.actors: metres, Z up, the person faces +Y,
its right is +X; a limb bone's frame has its origin at the proximal joint and the limb along -Z."""
from __future__ import annotations

import numpy as np

from generators.shapes import frustum, place, sphere

VOXEL_M = 0.014                     # marching-cubes grid step: the body is smooth at this scale; fingers are not in it
BLEND_M = 0.035                     # skin weights blend between two bones over this distance difference
HEM_M = 0.012                       # a garment's edge thins to nothing over this length
JOINT_SMOOTH_M = 0.03               # the smooth union's radius where a limb meets its parent
REST = {"l_shoulder_abd": 35.0, "r_shoulder_abd": 35.0, "l_hip_abd": 3.0, "r_hip_abd": 3.0}
FINGERS = ("thumb", "index", "middle", "ring", "little")
LIMBS = ("upper_arm", "forearm", "thigh", "shin")
PARENT = {"head": "torso", "upper_arm": "torso", "forearm": "upper_arm", "thigh": "torso", "shin": "thigh",
          "foot": "shin"}
# garment thickness (m): a coat or a jacket stands off the body more than a shirt
THICKNESS = {"shirt": 0.004, "dress": 0.004, "sweater": 0.008, "jacket": 0.012, "coat": 0.016, "trousers": 0.005}


def finger_bones() -> list:
    """Bones beyond the labelled parts: two per finger (proximal; middle and tip together), left hand then right."""
    return [f"{side}_{finger}_{seg}" for side in ("left", "right") for finger in FINGERS for seg in (1, 2)]


def parent_part(name: str) -> str | None:
    """The labelled part a part hangs from ('left_forearm' -> 'left_upper_arm'); None for the torso."""
    side, _, kind = name.partition("_") if name.startswith(("left_", "right_")) else ("", "", name)
    up = PARENT.get(kind)
    return None if up is None else (up if up in ("torso", "head") else f"{side}_{up}")


# ---- rotations (degrees) and frames -------------------------------------------------------------------------------
def rx(deg):
    a = np.deg2rad(deg)
    c, s = np.cos(a), np.sin(a)
    return np.array([[1, 0, 0], [0, c, -s], [0, s, c]])


def ry(deg):
    a = np.deg2rad(deg)
    c, s = np.cos(a), np.sin(a)
    return np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]])


def rz(deg):
    a = np.deg2rad(deg)
    c, s = np.cos(a), np.sin(a)
    return np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]])


def frame(rotation, position) -> np.ndarray:
    m = np.eye(4)
    m[:3, :3], m[:3, 3] = rotation, position
    return m


# ---- signed distances (negative inside) ------------------------------------------------------------------------------
def _capsule(p, length, r_top, r_bottom):
    """A tapered capsule from the origin down to z=-length in the bone's frame; returns (distance, share along)."""
    t = np.clip(-p[:, 2] / length, 0.0, 1.0)
    axis = np.stack([p[:, 0], p[:, 1], p[:, 2] + t * length], axis=1)
    return np.linalg.norm(axis, axis=1) - (r_top + (r_bottom - r_top) * t), t


def _ellipsoid(p, centre, radii):
    q = (p - centre) / radii
    k0, k1 = np.linalg.norm(q, axis=1), np.linalg.norm(q / radii, axis=1)
    return k0 * (k0 - 1.0) / np.maximum(k1, 1e-9)


def _smin(a, b, k):
    h = np.clip(0.5 + 0.5 * (b - a) / k, 0.0, 1.0)
    return b * (1 - h) + a * h - k * h * (1 - h)


def _torso(p, d, r):
    """Pelvis, waist and chest ellipsoids smoothly joined (torso frame: origin at the pelvis, +Z up the spine)."""
    t = d["torso"]
    pelvis = _ellipsoid(p, np.array([0, 0, 0.03 * t]), np.array([d["hip_half"] + r(0.035), r(0.08), 0.26 * t]))
    waist = _ellipsoid(p, np.array([0, 0, 0.42 * t]), np.array([d["hip_half"] + r(0.03), r(0.072), 0.3 * t]))
    chest = _ellipsoid(p, np.array([0, 0.005, 0.74 * t]),
                       np.array([d["shoulder_half"] + r(0.005), r(0.08), 0.28 * t]))
    return _smin(_smin(pelvis, waist, 0.06), chest, 0.06)


def _limb_radii(d, r):
    return {"upper_arm": (d["upper_arm"], r(0.034), r(0.026)), "forearm": (d["forearm"] + 0.01, r(0.026), r(0.019)),
            "thigh": (d["thigh"], r(0.058), r(0.037)), "shin": (d["shin"] - 0.01, r(0.038), r(0.024))}


def _fields(p, d, r, frames, dress):
    """Per-bone skin distances (B, N), each limb's share along itself, and the body's field with clothing (N,) and
    which layer makes it (0 skin, 1 top, 2 bottom) at every point (rest pose, object frame)."""
    names = list(frames)
    local = {n: (p - frames[n][:3, 3]) @ frames[n][:3, :3] for n in names}
    dist, share = {}, {}
    dist["torso"], share["torso"] = _torso(local["torso"], d, r), np.clip(local["torso"][:, 2] / d["torso"], -1, 2)
    neck_top = d["neck"] + 0.5 * d["head_r"]
    dist["head"], _ = _capsule(local["head"] - [0, 0, neck_top], neck_top + 0.03, r(0.03), r(0.032))
    share["head"] = np.zeros(len(p))
    radii = _limb_radii(d, r)
    for n in names:
        kind = n.split("_", 1)[1] if n.startswith(("left_", "right_")) else n
        if kind in radii:
            dist[n], share[n] = _capsule(local[n], *radii[kind])
    bones = [n for n in names if n in dist]
    skin = np.full(len(p), np.inf)
    for n in bones:
        up = parent_part(n)
        skin = np.minimum(skin, _smin(dist[n], dist[up], JOINT_SMOOTH_M) if up else dist[n])
    nearest = np.argmin(np.stack([dist[n] for n in bones]), axis=0)
    s = np.stack([share[n] for n in bones])[nearest, np.arange(len(p))]
    kinds = ["torso", "head", *LIMBS, "foot"]
    kind = np.array([kinds.index(n.split("_", 1)[1] if n.startswith(("left_", "right_")) else n) for n in bones])[nearest]
    lengths = {"torso": d["torso"], **{k: v[0] for k, v in radii.items()}}
    torso, upper_arm, forearm, thigh, shin = (kind == kinds.index(k) for k in ("torso", *LIMBS))

    def band(on, lo, hi, part):        # 1 inside [lo, hi] (shares along the part), easing to 0 over HEM_M at the ends
        length = lengths[part]
        return on * np.clip((s - lo) * length / HEM_M, 0, 1) * np.clip((hi - s) * length / HEM_M, 0, 1)
    sleeve = 0.95 if dress["long_sleeves"] else 0.45
    top = band(torso, dress["top_hem"], 9, "torso") + band(upper_arm, -9, 9 if dress["long_sleeves"] else sleeve, "upper_arm")
    if dress["long_sleeves"]:
        top = top + band(forearm, -9, sleeve, "forearm")
    if dress["top"] in ("jacket", "coat"):        # down over the hips, where the thighs are the nearest bones
        top = top + band(thigh, -9, 0.12, "thigh")
    bottom = band(torso, -9, 0.32, "torso")
    if not dress["skirt"]:
        bottom = bottom + band(thigh, -9, 0.72 if dress["shorts"] else 9, "thigh")
        if not dress["shorts"]:
            bottom = bottom + band(shin, -9, 0.97, "shin")
    layers = [skin, np.where(top > 0, skin - THICKNESS[dress["top"]] * top, np.inf),
              np.where(bottom > 0, skin - THICKNESS["trousers"] * bottom, np.inf)]
    stack = np.stack(layers)
    return {n: dist[n] for n in bones}, stack.min(axis=0), np.argmin(stack, axis=0)


def skin_surface(d: dict, build: float, height: float, frames: dict, dress: dict):
    """The continuous body in the rest pose: (vertices, faces, layer per face (0 skin, 1 top, 2 bottom), each labelled
    bone's distance per vertex {bone: (V,)}). `frames`: rest bone-to-object transforms of the labelled parts; `dress`:
    top, top_hem, long_sleeves, shorts, skirt (a skirt itself is a rigid piece on the torso, generators.actors: the
    thighs swing inside it, so no seam joins them to it)."""
    from skimage.measure import marching_cubes
    r = lambda k: k * height * build                                             # noqa: E731
    origins = np.array([f[:3, 3] for f in frames.values()])
    lo = origins.min(axis=0) - 0.15 * height
    hi = origins.max(axis=0) + 0.12 * height
    lo[2] = max(lo[2], d["ankle"] - 0.05)
    shape = np.ceil((hi - lo) / VOXEL_M).astype(int) + 1
    grid = np.stack(np.meshgrid(*[lo[i] + VOXEL_M * np.arange(shape[i]) for i in range(3)], indexing="ij"), -1)
    _, field, _ = _fields(grid.reshape(-1, 3), d, r, frames, dress)
    vertices, faces, _, _ = marching_cubes(field.reshape(shape), 0.0, spacing=(VOXEL_M,) * 3)
    vertices = vertices + lo
    faces = faces[:, ::-1]                                           # outward: marching cubes winds them inward here
    centroids = vertices[faces].mean(axis=1)
    _, _, face_layer = _fields(centroids, d, r, frames, dress)
    bone_dist, _, _ = _fields(vertices, d, r, frames, dress)
    return vertices, faces.astype(np.int64), face_layer, bone_dist


def skin_weights(bone_dist: dict, bones: list) -> np.ndarray:
    """(V, len(bones)) linear-blend weights: the nearest labelled bone, blended with its parent or a child (whichever
    is nearer) as the two distances approach each other; never with a bone it does not join (left and right thighs
    touch at the crotch but do not pull on each other)."""
    names = list(bone_dist)
    dist = np.stack([bone_dist[n] for n in names], axis=1)                # (V, b)
    first = np.argmin(dist, axis=1)
    joins = np.full((len(names), len(names)), np.inf)
    for i, n in enumerate(names):
        up = parent_part(n)
        if up in names:
            joins[i, names.index(up)] = joins[names.index(up), i] = 0.0
    rows = np.arange(len(dist))
    other = dist + joins[first]                                            # only bones joined to the first
    other[rows, first] = np.inf
    second = np.argmin(other, axis=1)
    with np.errstate(invalid="ignore"):
        w2 = np.nan_to_num(0.5 * np.clip(1.0 - (other[rows, second] - dist[rows, first]) / BLEND_M, 0.0, 1.0))
    weights = np.zeros((len(dist), len(bones)), np.float32)
    col = np.array([bones.index(n) for n in names])
    weights[rows, col[first]] = 1.0 - w2
    weights[rows, col[second]] += w2
    return weights


def lowest_candidates(vertices: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """The vertices that can be lowest in a pose: every blended one, and of those that move rigidly with one bone, the
    corners of their convex hull (a rigid set's lowest point is always one), so posing these finds the exact minimum."""
    from scipy.spatial import ConvexHull
    rigid = weights.max(axis=1) == 1.0
    keep = [np.nonzero(~rigid)[0]]
    for j in range(weights.shape[1]):
        group = np.nonzero(rigid & (weights[:, j] == 1.0))[0]
        keep.append(group[ConvexHull(vertices[group]).vertices] if len(group) > 8 else group)
    return np.unique(np.concatenate(keep))


# ---- rigid pieces: hands and shoes -----------------------------------------------------------------------------------
def hand_dims(d: dict, height: float, build: float) -> dict:
    h = height
    return {"palm_len": 0.054 * h, "palm_w": 0.047 * h * build ** 0.3, "palm_t": 0.016 * h * build ** 0.3,
            "finger_r": 0.0048 * h * build ** 0.3,
            "lengths": {"thumb": 0.034 * h, "index": 0.046 * h, "middle": 0.05 * h, "ring": 0.047 * h, "little": 0.037 * h}}


def hand_frames(wrist: np.ndarray, side_x: float, hd: dict, grip: float) -> dict:
    """Finger bone frames from the forearm's frame at the wrist (palm facing the body, -side_x in the forearm's
    frame): `grip` 0 is an open hand, 0.3 relaxed, 0.7 holding, 1 a fist."""
    frames = {}
    for i, finger in enumerate(FINGERS):
        if finger == "thumb":    # from the palm's front edge, angled across the palm; it curls across it
            base = [-side_x * 0.2 * hd["palm_t"], 0.5 * hd["palm_w"], -0.35 * hd["palm_len"]]
            r1 = ry(side_x * (15.0 + 35.0 * grip)) @ rx(35.0 - 95.0 * grip)
        else:
            base = [0.0, (0.36 - 0.24 * (i - 1)) * hd["palm_w"], -hd["palm_len"]]
            r1 = ry(side_x * (5.0 + 80.0 * grip))
        first = wrist @ frame(r1, base)
        seg = hd["lengths"][finger] * (0.5 if finger != "thumb" else 0.55)
        frames[f"{finger}_1"] = first
        frames[f"{finger}_2"] = first @ frame(ry(side_x * (8.0 + 95.0 * grip)), [0, 0, -seg])
    return frames


def hand_pieces(hd: dict) -> dict:
    """Meshes per hand bone, in the bone's frame: the palm (one mesh, on the forearm below the wrist) and a list of
    pieces for each of a finger's two segments."""
    pieces = {"palm": place(sphere(1.0, 2), (0, 0, -0.55 * hd["palm_len"]),
                            scale=(0.5 * hd["palm_t"], 0.5 * hd["palm_w"], 0.55 * hd["palm_len"]))}
    for finger in FINGERS:
        length, rf = hd["lengths"][finger], hd["finger_r"] * (1.15 if finger == "thumb" else 1.0)
        seg1 = length * (0.5 if finger != "thumb" else 0.55)
        seg2 = length - seg1
        pieces[f"{finger}_1"] = [place(frustum(0.92 * rf, rf, seg1, 8), (0, 0, -seg1))]
        pieces[f"{finger}_2"] = [place(frustum(0.8 * rf, 0.92 * rf, seg2 - 0.8 * rf, 8), (0, 0, -seg2 + 0.8 * rf)),
                                 place(sphere(0.8 * rf, 1), (0, 0, -seg2 + 0.8 * rf)), place(sphere(0.92 * rf, 1), (0, 0, 0))]
    return pieces


def shoe(d: dict, height: float):
    """A shoe in the foot's frame (origin at the ankle, +Y to the toes): an upper that falls from the collar round the
    ankle to a rounded toe box, on a slightly wider sole; (upper, sole) meshes and the foot points on the upper
    (heel, and toes on the inner and outer side of the toe box for the left foot; mirror x for the right)."""
    import trimesh
    a, half_w = d["ankle"], d["foot_w"] / 2
    back, front = -0.045 * height, 0.115 * height
    angles = np.linspace(0, 2 * np.pi, 24, endpoint=False)
    mid = (front + back) / 2
    # the sole's outline: an egg, narrower at the heel
    x = half_w * np.cos(angles) * np.where(np.sin(angles) > 0, 1.0, 0.8)
    y = mid + np.sin(angles) * (front - back) / 2
    toe = np.clip((y - mid) / (front - mid), 0.0, 1.0)
    top = np.where(y > mid, -0.2 * a - 0.4 * a * toe, 0.05 * a)
    upper = trimesh.convex.convex_hull(np.vstack([np.stack([x, y, np.full_like(x, z)], 1) for z in (-a, -0.55 * a)] +
                                                 [np.stack([0.8 * x, mid + 0.9 * (y - mid), top], 1)]))
    sole = trimesh.convex.convex_hull(np.vstack([np.stack([1.06 * x, mid + 1.03 * (y - mid), np.full_like(x, z)], 1)
                                                 for z in (-a - 0.002, -a + 0.014)]))
    v = np.asarray(upper.vertices)
    pick = lambda target: v[np.argmin(np.linalg.norm(v - target, axis=1))]             # noqa: E731  on the mesh
    points = {"heel": pick([0.0, back, -0.55 * a]), "big_toe": pick([0.5 * half_w, front, -0.55 * a]),
              "small_toe": pick([-0.6 * half_w, front - 0.1 * (front - mid), -0.55 * a])}
    return upper, sole, points


def backpack(skin: np.ndarray, torso: np.ndarray, d: dict, height: float, mat: int) -> list:
    """A pack against the back of the clothed torso (torso frame), placed on the skin surface itself (`skin`: its
    rest vertices, `torso`: the torso's rest frame). No straps yet: flat bands over curved shoulders stood off them."""
    local = (skin - torso[:3, 3]) @ torso[:3, :3]
    size = np.array([1.2 * d["shoulder_half"], 0.07 * height, 0.42 * d["torso"]])
    z = 0.6 * d["torso"]
    band = local[(np.abs(local[:, 0]) < size[0] / 2) & (np.abs(local[:, 2] - z) < size[2] / 2)]
    back = -band[:, 1].min()
    # a soft pack: a rounded block (a superellipsoid) pressed 2 cm into the back's curve, so no corner stands off it
    pack = sphere(1.0, 3)
    unit = np.asarray(pack.vertices)
    centre = np.array([0.0, -back - size[1] / 2 + 0.02, z])
    pack.vertices = centre + size / 2 * unit / ((unit ** 4).sum(axis=1, keepdims=True) ** 0.25)
    return [(pack, mat)]
