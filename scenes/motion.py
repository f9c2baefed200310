"""scene=motion: people (and a passing car) performing actions in context, scripted into a situation, as a clip.

Pure recipe: (config, rng, sample index) -> SceneSpec. No bpy here. The recipe simulates the actors frame by frame
(behaviours: an action with a duration, an 'until near someone' condition or a target to walk to), then places the
camera so the actors it must keep stay in frame, then builds the context around them, keeping props off the actors'
paths and the camera's lines of sight. The spec's timeline keeps what the labels' clip layers are derived from:
per-frame actions and styles, trajectories, who holds the parcel. Events are derived from those trajectories and the
frames each participant is in view (clip_layers), so their timing is exact.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, List

import numpy as np
from omegaconf import MISSING

from engine.config import ConfigError, require_choices, require_range
from engine.geometry import look_at, pose
from engine.spec import Articulation, Camera, Mesh, SceneObject, SceneSpec
from engine.taxonomy import load_taxonomy
from generators import actors, context
from generators.landmarks import landmark
from generators.materials import COLORS, material, pick
from generators.shapes import MeshBuilder, box
from generators.sky import TIME_PHRASES, TIMES_OF_DAY, WEATHERS, environment
from scenes.text import a_an, has_batchim, obj

CONTEXTS = ("street", "park", "plaza", "interior")
SITUATIONS = ("solo", "approach", "meet_and_greet", "hand_over", "chase", "collision_fall", "group_gathering")
CAMERA_MODES = ("static", "pan", "dolly", "tracking")
SENSOR_WIDTH_MM = 36.0
MEET_M, CONTACT_M, GATHER_M, PASS_M = 1.6, 0.7, 2.4, 8.0     # event thresholds on ground distances
MIN_EYE_M = 2.5                                              # no actor comes closer to the camera
TURN_RATE = 240.0                                            # deg/s an actor can turn towards its target


@dataclass
class Config:
    name: str = MISSING
    contexts: List[str] = MISSING
    situations: List[str] = MISSING
    actions: List[str] = MISSING
    styles: List[str] = MISSING
    camera_modes: List[str] = MISSING
    frames: int = MISSING
    fps: float = MISSING
    bystanders: List[int] = MISSING
    vehicle_probability: float = MISSING
    times_of_day: List[str] = MISSING
    weathers: List[str] = MISSING
    focal_mm: List[float] = MISSING
    elevation_deg: List[float] = MISSING
    fill: List[float] = MISSING


def validate(cfg):
    require_choices(list(cfg.contexts), CONTEXTS, "scene.contexts")
    require_choices(list(cfg.situations), SITUATIONS, "scene.situations")
    require_choices(list(cfg.actions), actors.HUMAN_ACTIONS, "scene.actions")
    require_choices(list(cfg.styles), list(actors.STYLES), "scene.styles")
    require_choices(list(cfg.camera_modes), CAMERA_MODES, "scene.camera_modes")
    require_choices(list(cfg.times_of_day), list(TIMES_OF_DAY), "scene.times_of_day")
    require_choices(list(cfg.weathers), list(WEATHERS), "scene.weathers")
    if not 1 <= cfg.frames <= 2400:
        raise ConfigError(f"scene.frames: {cfg.frames} is not allowed; give 1..2400")
    if not 1 <= cfg.fps <= 120:
        raise ConfigError(f"scene.fps: {cfg.fps} is not allowed; give 1..120")
    if not 0.0 <= cfg.vehicle_probability <= 1.0:
        raise ConfigError(f"scene.vehicle_probability: {cfg.vehicle_probability} is not allowed; give 0..1")
    require_range(cfg.bystanders, 0, 6, "scene.bystanders")
    require_range(cfg.focal_mm, 8.0, 300.0, "scene.focal_mm")
    require_range(cfg.elevation_deg, -5.0, 60.0, "scene.elevation_deg")
    require_range(cfg.fill, 0.05, 0.9, "scene.fill")


# ---- behaviours and the simulation ---------------------------------------------------------------------------------
@dataclass
class Behaviour:
    action: str
    duration: float | None = None        # seconds; None: until `until` holds, or to the end of the clip
    until: tuple | None = None           # ("near", other actor index, metres)
    target: Any = None                   # (x, y) to walk to, or ("actor", index) to follow
    stop_radius: float = 0.0             # stop moving this close to the target


@dataclass
class Actor:
    kind: str                            # "person" | "car"
    role: str                            # main | bystander | vehicle
    style: str
    model: Any                           # actors.Body or actors.Car
    position: np.ndarray
    heading: float                       # degrees; the actor faces -sin, cos (yaw about Z from +Y)
    behaviours: list
    cruise: float = 0.0                  # cars: m/s
    # filled by the simulation, one entry per frame
    positions: list = field(default_factory=list)
    headings: list = field(default_factory=list)
    actions: list = field(default_factory=list)
    speeds: list = field(default_factory=list)
    behaviour_index: list = field(default_factory=list)
    joints: list = field(default_factory=list)
    parts: list = field(default_factory=list)


def forward(heading_deg: float) -> np.ndarray:
    h = np.deg2rad(heading_deg)
    return np.array([-np.sin(h), np.cos(h)])


def heading_to(vector) -> float:
    return float(np.rad2deg(np.arctan2(-vector[0], vector[1])))


def _wrap(deg: float) -> float:
    return (deg + 180.0) % 360.0 - 180.0


def simulate(cast: list[Actor], n_frames: int, fps: float, part_names: dict):
    """Step every actor through its behaviours, frame by frame; records positions, headings, actions and poses."""
    dt = 1.0 / fps
    state = [{"index": 0, "start": 0.0, "prev": None, "travelled": 0.0} for _ in cast]
    for f in range(n_frames):
        t = f * dt
        where = [a.position.copy() for a in cast]          # every decision of this frame sees the same positions
        for k, (actor, st) in enumerate(zip(cast, state)):
            while st["index"] < len(actor.behaviours) - 1:  # the next behaviour starts when this one is over
                b = actor.behaviours[st["index"]]
                over = b.duration is not None and t - st["start"] >= b.duration - 1e-9
                if b.until is not None:
                    _, other, metres = b.until
                    over = over or np.linalg.norm(where[k] - where[other]) <= metres
                if not over:
                    break
                st["prev"] = (b.action, st["start"])
                st["index"] += 1
                st["start"] = t
        for k, (actor, st) in enumerate(zip(cast, state)):
            b = actor.behaviours[st["index"]]
            style = actors.STYLES[actor.style]
            if actor.kind == "person":
                angles, speed, turn = actors.human_program(b.action, t - st["start"], style)
                if st["prev"] and t - st["start"] < actors.BLEND_S:
                    w = (t - st["start"]) / actors.BLEND_S
                    w = w * w * (3 - 2 * w)
                    a0, s0, t0 = actors.human_program(st["prev"][0], t - st["prev"][1], style)
                    angles, turn = actors.blend(a0, angles, w), (1 - w) * t0 + w * turn
                    if b.action in actors.LOCOMOTION:   # ease into a new gait; a stop is a stop (no sliding on)
                        speed = (1 - w) * s0 + w * speed
                joints, parts = actors.humanoid_pose(actor.model, angles)
            else:
                speed, turn = actors.car_program(b.action, t - st["start"], actor.cruise), 0.0
                joints, parts = actors.car_pose(actor.model, st["travelled"])
            if b.target is not None:
                goal = where[b.target[1]] if isinstance(b.target, tuple) and b.target[0] == "actor" else np.asarray(b.target)
                to_goal = goal - where[k]
                distance = float(np.linalg.norm(to_goal))
                if distance > 1e-6:
                    change = _wrap(heading_to(to_goal) - actor.heading)
                    actor.heading = _wrap(actor.heading + float(np.clip(change, -TURN_RATE * dt, TURN_RATE * dt)))
                    speed *= max(0.0, np.cos(np.deg2rad(_wrap(heading_to(to_goal) - actor.heading))))   # turn first
                # stop at the target's radius; a moving target closes in too, so take half the gap per frame
                share = 0.5 if isinstance(b.target, tuple) and b.target[0] == "actor" else 1.0
                speed = min(speed, max(0.0, distance - b.stop_radius) * fps * share)
            actor.positions.append(where[k])
            actor.headings.append(actor.heading)
            actor.actions.append(b.action)
            actor.behaviour_index.append(st["index"])
            actor.speeds.append(speed)
            actor.joints.append(joints)
            actor.parts.append(np.stack([parts[n] for n in part_names[actor.kind]]))
            actor.heading = _wrap(actor.heading + turn * dt)          # integrate to the next frame
            actor.position = where[k] + forward(actor.heading) * speed * dt
            st["travelled"] += speed * dt


# ---- situations: who does what --------------------------------------------------------------------------------------
def _person(rng, role, style, position, heading, behaviours, part_names):
    return Actor("person", role, style, actors.humanoid(rng, part_names), np.asarray(position, float), heading, behaviours)


def _facing(a, b) -> float:
    return heading_to(np.asarray(b, float) - np.asarray(a, float))


def _solo_behaviours(rng, cfg, duration: float) -> list:
    n = int(rng.integers(2, 4))
    cuts = np.sort(rng.uniform(0.2, 0.8, n - 1)) * duration
    lengths = np.diff(np.concatenate([[0.0], cuts, [duration]]))
    chosen = [pick(rng, list(cfg.actions)) for _ in range(n)]
    for k in range(1, n):                       # no action twice in a row: segments stay distinct
        while chosen[k] == chosen[k - 1] and len(cfg.actions) > 1:
            chosen[k] = pick(rng, list(cfg.actions))
    return [Behaviour(a, float(d) if k < n - 1 else None) for k, (a, d) in enumerate(zip(chosen, lengths))]


def cast_situation(rng, cfg, situation: str, duration: float, part_names) -> tuple[list, dict]:
    """The main actors of a situation around the origin, with their behaviours. Returns (cast, extra info)."""
    style = lambda: pick(rng, list(cfg.styles))                                  # noqa: E731
    walk = actors.LOCOMOTION["walk"]
    info = {}
    if situation == "solo":
        h = float(rng.uniform(-180, 180))
        return [_person(rng, "main", style(), (0, 0), h, _solo_behaviours(rng, cfg, duration), part_names)], info
    if situation == "approach":
        gap = 1.3 + walk * duration * rng.uniform(0.35, 0.55)
        ang = rng.uniform(0, 2 * np.pi)
        a0 = np.array([np.cos(ang), np.sin(ang)]) * gap
        return [_person(rng, "main", style(), a0, _facing(a0, (0, 0)),
                        [Behaviour("walk", target=("actor", 1), stop_radius=1.3, until=("near", 1, 1.35)),
                         Behaviour(pick(rng, ["stand", "wave", "reach"]))], part_names),
                _person(rng, "main", style(), (0, 0), _facing((0, 0), a0) + rng.uniform(-60, 60),
                        [Behaviour("stand", until=("near", 0, 2.5)), Behaviour(pick(rng, ["wave", "stand", "turn"]), 1.0),
                         Behaviour("stand")], part_names)], info
    if situation == "meet_and_greet":
        half = 0.7 + walk * duration * rng.uniform(0.2, 0.3)
        ang = rng.uniform(0, np.pi)
        a0, b0 = np.array([np.cos(ang), np.sin(ang)]) * half, -np.array([np.cos(ang), np.sin(ang)]) * half
        beh = lambda other: [Behaviour("walk", target=("actor", other), stop_radius=1.2, until=("near", other, 1.25)),  # noqa: E731
                             Behaviour("wave", 1.4), Behaviour("stand")]
        return [_person(rng, "main", style(), a0, _facing(a0, b0), beh(1), part_names),
                _person(rng, "main", style(), b0, _facing(b0, a0), beh(0), part_names)], info
    if situation == "hand_over":
        gap = 1.0 + actors.LOCOMOTION["carry"] * duration * rng.uniform(0.25, 0.35)
        ang = rng.uniform(0, 2 * np.pi)
        a0 = np.array([np.cos(ang), np.sin(ang)]) * gap
        away = -a0 / np.linalg.norm(a0) * 6.0
        info["parcel"] = True
        return [_person(rng, "main", style(), a0, _facing(a0, (0, 0)),
                        [Behaviour("carry", target=("actor", 1), stop_radius=0.85, until=("near", 1, 0.9)),
                         Behaviour("reach", 1.0), Behaviour("stand")], part_names),
                _person(rng, "main", style(), (0, 0), _facing((0, 0), a0),
                        [Behaviour("stand", until=("near", 0, 0.9)), Behaviour("reach", 1.0),
                         Behaviour("carry", target=tuple(away), stop_radius=0.2)], part_names)], info
    if situation == "chase":
        ang = rng.uniform(0, 2 * np.pi)
        d = np.array([np.cos(ang), np.sin(ang)])
        lead = d * rng.uniform(2.5, 4.0)
        goal = lead + d * 40.0 + np.array([-d[1], d[0]]) * rng.uniform(-6, 6)
        return [_person(rng, "main", pick(rng, ["afraid", "neutral"]), lead, heading_to(d),   # the chaser is faster
                        [Behaviour("run", target=tuple(goal), until=("near", 1, 0.9)), Behaviour("fall", 1.2), Behaviour("stand")],
                        part_names),
                _person(rng, "main", pick(rng, ["angry", "happy"]), (0, 0), heading_to(d),
                        [Behaviour("stand", float(rng.uniform(0.2, 0.6))),
                         Behaviour("run", target=("actor", 0), stop_radius=0.8, until=("near", 0, 0.9)),
                         Behaviour("stand")], part_names)], info
    if situation == "collision_fall":
        meet_t = duration * rng.uniform(0.4, 0.55)
        cross = rng.uniform(70, 110)
        ang = rng.uniform(0, 360)
        styles = [style(), style()]
        start = []
        for k, deg in enumerate((ang, ang + cross)):
            speed = actors.human_program("walk", 0.0, actors.STYLES[styles[k]])[1]
            start.append(-forward(deg) * speed * meet_t)
        return [_person(rng, "main", styles[0], start[0], ang,
                        [Behaviour("walk", target=tuple(-start[0] * 3), until=("near", 1, CONTACT_M - 0.05)),
                         Behaviour("stand", 0.8), Behaviour("crouch")], part_names),
                _person(rng, "main", styles[1], start[1], ang + cross,
                        [Behaviour("walk", target=tuple(-start[1] * 3), until=("near", 0, CONTACT_M - 0.05)),
                         Behaviour("fall", 1.2), Behaviour("stand")], part_names)], info
    if situation == "group_gathering":
        n = int(rng.integers(3, 5))
        cast = []
        for k in range(n):
            ang = 2 * np.pi * k / n + rng.uniform(-0.3, 0.3)
            p0 = np.array([np.cos(ang), np.sin(ang)]) * (1.0 + walk * duration * rng.uniform(0.2, 0.4))
            spot = np.array([np.cos(ang), np.sin(ang)]) * rng.uniform(0.8, 1.1)
            st = style()
            walk_s = float(np.linalg.norm(spot - p0)) / (walk * actors.STYLES[st].tempo) + 0.4
            cast.append(_person(rng, "main", st, p0, _facing(p0, (0, 0)),
                                [Behaviour("walk", walk_s, target=tuple(spot), stop_radius=0.05),
                                 Behaviour(pick(rng, ["stand", "wave", "stand", "dance"]))], part_names))
        return cast, info
    raise ValueError(situation)


# ---- camera ----------------------------------------------------------------------------------------------------------
def _smooth(points: np.ndarray, width: int = 7) -> np.ndarray:
    pad = np.pad(points, ((width // 2, width // 2), (0, 0)), mode="edge")
    kernel = np.ones(width) / width
    return np.stack([np.convolve(pad[:, k], kernel, mode="valid") for k in range(points.shape[1])], axis=1)


def _in_frame(camera: Camera, actors_kept: list, n_frames: int, margin: float = 0.04) -> bool:
    K = camera.K()
    for f in range(n_frames):
        w2c = camera.world_to_camera(f)
        for a in actors_kept:
            pts = _world_joints(a, f)
            cam = pts @ w2c[:3, :3].T + w2c[:3, 3]
            if np.any(cam[:, 2] < 1.0):
                return False
            uv = cam[:, :2] / cam[:, 2:3] * [K[0, 0], K[1, 1]] + [K[0, 2], K[1, 2]]
            lo, hi = np.array([camera.width, camera.height]) * margin, np.array([camera.width, camera.height]) * (1 - margin)
            if np.any(uv < lo) or np.any(uv > hi):
                return False
    return True


def _world_joints(a: Actor, f: int) -> np.ndarray:
    m = pose((*a.positions[f], 0.0), yaw=np.deg2rad(a.headings[f]))
    local = np.array(list(a.joints[f].values()))
    return local @ m[:3, :3].T + m[:3, 3]


def place_camera(rng, cfg, mode: str, main: list, subject: Actor, cast: list, n_frames: int, width: int, height: int):
    """A camera of `mode` that keeps the subject (static, dolly: every main actor) in frame and every actor at least
    MIN_EYE_M away; tries a few azimuths, backing off from each until the actors fit."""
    focal = float(rng.uniform(*cfg.focal_mm))
    vfov_half = np.arctan(SENSOR_WIDTH_MM * height / width / 2 / focal)
    fill = float(rng.uniform(*cfg.fill))
    elevation = np.deg2rad(rng.uniform(*cfg.elevation_deg))
    sway = float(rng.uniform(0.15, 0.3)) * rng.choice([-1, 1])
    all_xy = np.array([p for act in main for p in act.positions])
    centre = np.array([*((all_xy.min(axis=0) + all_xy.max(axis=0)) / 2), 0.9])
    track = np.column_stack([_smooth(np.array(subject.positions)), np.full(n_frames, 0.9)])
    keep = main if mode in ("static", "dolly") else [subject]
    everyone = np.stack([np.array(a.positions) for a in cast], axis=1)          # (T, A, 2)
    first = float(rng.uniform(0, 360))
    for azimuth in first + np.arange(8) * 135.0:
        a = np.deg2rad(azimuth)
        direction = np.array([np.cos(elevation) * np.sin(a), np.cos(elevation) * np.cos(a), np.sin(elevation)])
        distance = max(3.0, subject.model.height / fill / (2 * np.tan(vfov_half)))
        for _ in range(25):
            eye = centre + direction * distance
            if mode == "static":
                poses = [look_at(eye, centre)] * n_frames
            elif mode == "pan":
                poses = [look_at(eye, track[f]) for f in range(n_frames)]
            elif mode == "dolly":
                right = np.cross(direction, [0, 0, 1.0])
                right /= np.linalg.norm(right)
                poses = [look_at(eye + right * sway * distance * (f / max(1, n_frames - 1) - 0.5), centre)
                         for f in range(n_frames)]
            else:   # tracking: the camera keeps its offset from the (smoothed) subject
                poses = [look_at(track[f] + direction * distance, track[f]) for f in range(n_frames)]
            camera = Camera(width=width, height=height, lens_mm=round(focal, 3), poses=poses, sensor_width_mm=SENSOR_WIDTH_MM)
            if _in_frame(camera, keep, n_frames):
                break
            distance *= 1.15
        eyes = np.array([np.asarray(p)[:2, 3] for p in poses])
        if np.min(np.linalg.norm(everyone - eyes[:, None], axis=2)) >= MIN_EYE_M:
            break
    view = {"mode": mode, "azimuth_deg": round(float(azimuth % 360), 2), "elevation_deg": round(float(np.rad2deg(elevation)), 2),
            "distance_m": round(float(distance), 2), "focal_mm": round(focal, 3)}
    return camera, view


# ---- context ---------------------------------------------------------------------------------------------------------
class _Keepout:
    """Where props may not go: the actors' paths and the camera's eye and lines of sight to the actors."""

    def __init__(self, cast: list, camera: Camera, n_frames: int):
        self.paths = np.array([p for a in cast for p in a.positions])
        eyes = np.array([np.asarray(p)[:2, 3] for p in camera.poses])
        self.eyes = eyes
        step = max(1, n_frames // 8)
        self.segments = [(eyes[f], a.positions[f], 0.4) for f in range(0, n_frames, step) for a in cast]

    def add_strip(self, a, b, half_width: float):
        """Keep props off a strip (a road) from a to b."""
        self.segments.append((np.asarray(a, float), np.asarray(b, float), half_width + 0.5))

    def free(self, xy, r: float) -> bool:
        xy = np.asarray(xy, float)
        if np.min(np.linalg.norm(self.paths - xy, axis=1)) < r + 1.0:
            return False
        if np.min(np.linalg.norm(self.eyes - xy, axis=1)) < r + 1.5:
            return False
        for a, b, clearance in self.segments:
            ab = b - a
            t = np.clip(np.dot(xy - a, ab) / max(np.dot(ab, ab), 1e-9), 0, 1)
            if np.linalg.norm(xy - (a + t * ab)) < r + clearance:
                return False
        return True


def _scatter(rng, keepout, maker, count, lo, hi, centre, objects, class_of, yaw=None):
    for _ in range(count):
        for _attempt in range(25):
            mesh, mats, params = maker(rng)
            radius = float(np.linalg.norm(mesh.vertices[:, :2], axis=1).max())
            dist, ang = rng.uniform(lo, hi), rng.uniform(0, 2 * np.pi)
            xy = centre + dist * np.array([np.cos(ang), np.sin(ang)])
            if keepout.free(xy, radius):
                iid = len(objects) + 1
                cls = class_of(params)
                objects.append(SceneObject(iid, cls, f"{cls.rsplit('/', 1)[-1]}_{iid:03d}", mesh, mats,
                                           [pose((*xy, 0.0), yaw=rng.uniform(0, 2 * np.pi) if yaw is None else yaw)], params,
                                           {"generator": getattr(maker, "__name__", "maker"), "params": params}))
                break


def _flat(half_x, half_y, z=0.0):
    v = np.array([[-half_x, -half_y, z], [half_x, -half_y, z], [half_x, half_y, z], [-half_x, half_y, z]], float)
    return Mesh(v, np.array([[0, 1, 2], [0, 2, 3]]), np.zeros(2, np.int64))


def build_context(rng, ctx: str, keepout: _Keepout, centre: np.ndarray, camera: Camera, objects: list) -> dict:
    """Adds the context's objects (ids continue after the actors'); returns context tags."""
    prop_class = lambda p: f"context/prop/{p['kind']}"                        # noqa: E731
    tags = {"context": ctx}
    if ctx == "interior":
        eyes = np.array([np.asarray(p)[:3, 3] for p in camera.poses])
        pts = np.vstack([keepout.paths, eyes[:, :2]])
        lo, hi = pts.min(axis=0) - rng.uniform(1.5, 3.0, 2), pts.max(axis=0) + rng.uniform(1.5, 3.0, 2)
        mid, half = (lo + hi) / 2, (hi - lo) / 2
        wall_h = float(max(3.0, eyes[:, 2].max() + 0.6))
        floor_mat = material(rng, pick(rng, ["wood", "tile", "concrete"]), pick(rng, ["brown", "grey", "sandstone"]))
        wall_mat = material(rng, "plaster", pick(rng, ["white", "sandstone", "grey", "teal"]))
        objects.append(SceneObject(len(objects) + 1, "interior/floor", "floor", _flat(half[0], half[1]), [floor_mat],
                                   [pose((*mid, 0.0))], {"size_m": np.round(2 * half, 2).tolist()}, {"generator": "floor"}))
        for k, (dx, dy, sx, sy) in enumerate(((0, 1, 2, 0), (0, -1, 2, 0), (1, 0, 0, 2), (-1, 0, 0, 2))):
            size = (half[0] * sx + 0.2, half[1] * sy + 0.2, wall_h)
            centre_w = (mid[0] + dx * (half[0] + 0.1), mid[1] + dy * (half[1] + 0.1), wall_h / 2)
            mesh = MeshBuilder().add(box(size, (0, 0, 0)), 0).build()
            objects.append(SceneObject(len(objects) + 1, "interior/wall", f"wall_{k}", mesh, [wall_mat], [pose(centre_w)],
                                       {"height_m": round(wall_h, 2)}, {"generator": "wall"}))
        for kind, count in (("table", int(rng.integers(1, 3))), ("shelf", int(rng.integers(1, 3)))):
            for _ in range(count):
                for _attempt in range(25):
                    mesh, mats, params = _furniture(rng, kind)
                    radius = float(np.linalg.norm(mesh.vertices[:, :2], axis=1).max())
                    xy = rng.uniform(lo + radius, hi - radius) if np.all(hi - lo > 2 * radius) else mid
                    if keepout.free(xy, radius):
                        iid = len(objects) + 1
                        objects.append(SceneObject(iid, f"interior/{kind}", f"{kind}_{iid:03d}", mesh, mats,
                                                   [pose((*xy, 0.0), yaw=rng.choice([0, np.pi / 2]))], params, {"generator": kind}))
                        break
        tags["room_m"] = np.round(2 * half, 2).tolist()
        return tags
    if ctx == "street":
        ground_mats = [material(rng, "paving", pick(rng, ["grey", "sandstone"]))]
        objects.append(SceneObject(len(objects) + 1, "ground", "ground", _flat(1500, 1500), ground_mats, [pose()],
                                   {"surface": ground_mats[0].color_name}, {"generator": "flat ground"}))
        # the road runs behind the actors as seen from the camera, so a passing car does not hide them
        eye = keepout.eyes[0]
        away = centre - eye
        away = away / max(np.linalg.norm(away), 1e-9)
        lateral = np.array([-away[1], away[0]])
        far = float(np.max((keepout.paths - centre) @ away))
        road_c = centre + away * (far + 4.5)
        road_yaw = float(np.arctan2(lateral[1], lateral[0]))
        keepout.add_strip(road_c - lateral * 200, road_c + lateral * 200, 3.5)
        road_mesh = MeshBuilder().add(box((400.0, 7.0, 0.02), (0, 0, 0.01)), 0).build()
        objects.append(SceneObject(len(objects) + 1, "structure/road", "road", road_mesh,
                                   [material(rng, "concrete", "dark_grey", jitter=0.02)], [pose((*road_c, 0.0), yaw=road_yaw)],
                                   {"width_m": 7.0}, {"generator": "road"}))
        for side in (-1, 1):            # a row of buildings along each side of the road
            for k in range(int(rng.integers(4, 9))):
                mesh, mats, params = context.building(rng)
                along = rng.uniform(-45, 45)
                depth = float(params["depth"])
                xy = road_c + lateral * along + away * side * (3.5 + 4.0 + depth / 2 + (far + 6.5 if side < 0 else 0))
                radius = float(np.linalg.norm(mesh.vertices[:, :2], axis=1).max())
                clear = all(np.linalg.norm(xy - o.pose(0)[:2, 3]) > radius + 6 for o in objects if o.class_path == "context/building")
                if clear and keepout.free(xy, radius):
                    iid = len(objects) + 1
                    objects.append(SceneObject(iid, "context/building", f"building_{iid:03d}", mesh, mats,
                                               [pose((*xy, 0.0), yaw=road_yaw)], params, {"generator": "generators.context.building"}))
        _scatter(rng, keepout, lambda r: context.prop(r, "lamppost"), int(rng.integers(2, 6)), 3, 20, centre, objects, prop_class)
        _scatter(rng, keepout, context.tree, int(rng.integers(0, 4)), 5, 25, centre, objects, lambda p: "context/tree")
        tags["road_heading_deg"] = round(float(np.rad2deg(road_yaw)), 2)
        tags["road_centre"] = np.round(road_c, 3).tolist()
        tags["road_direction"] = np.round(lateral, 6).tolist()
        return tags
    plaza_half = 30.0 if ctx == "plaza" else float(rng.uniform(2.5, 5.0))
    g_mesh, g_mats, g_params = context.ground(rng, plaza_half, extent=1500.0)
    g_mesh.vertices = g_mesh.vertices + [*centre, 0.0]
    objects.append(SceneObject(len(objects) + 1, "ground", "ground", g_mesh, g_mats, [pose()], {"surface": g_mats[0].color_name},
                               {"generator": "generators.context.ground", "params": g_params}))
    if ctx == "park":
        _scatter(rng, keepout, context.tree, int(rng.integers(6, 16)), 4, 35, centre, objects, lambda p: "context/tree")
        _scatter(rng, keepout, lambda r: context.prop(r, "bench"), int(rng.integers(2, 5)), 3, 12, centre, objects, prop_class)
        _scatter(rng, keepout, lambda r: context.prop(r, "lamppost"), int(rng.integers(0, 3)), 3, 15, centre, objects, prop_class)
    else:   # plaza: a catalogue landmark in the background, beyond the actors
        lm = landmark(int(rng.integers(0, 120)))
        eye = keepout.eyes[0]
        away = (centre - eye) / max(np.linalg.norm(centre - eye), 1e-9)
        spot = centre + away * (lm.radius + rng.uniform(15, 30)) + np.array([-away[1], away[0]]) * rng.uniform(-10, 10)
        if keepout.free(spot, lm.radius):
            iid = len(objects) + 1
            objects.append(SceneObject(iid, lm.class_path, f"{lm.type}_{lm.landmark_id:04d}", lm.mesh, lm.materials,
                                       [pose((*spot, 0.0))], {"landmark_id": lm.landmark_id, "landmark_type": lm.type,
                                                             "style": lm.style},
                                       {"generator": "generators.landmarks.landmark", "landmark_id": lm.landmark_id}))
            tags["landmark_type"] = lm.type
        _scatter(rng, keepout, lambda r: context.prop(r), int(rng.integers(3, 8)), 3, 18, centre, objects, prop_class)
        _scatter(rng, keepout, context.tree, int(rng.integers(0, 5)), 8, 28, centre, objects, lambda p: "context/tree")
    return tags


def _furniture(rng, kind: str):
    wood = material(rng, "wood", pick(rng, ["brown", "ochre", "white", "dark_grey"]))
    b = MeshBuilder()
    if kind == "table":
        w, d, h = rng.uniform(1.0, 1.8), rng.uniform(0.6, 0.9), rng.uniform(0.72, 0.78)
        b.add(box((w, d, 0.05), (0, 0, h - 0.025)), 0)
        for sx in (-1, 1):
            for sy in (-1, 1):
                b.add(box((0.06, 0.06, h - 0.05), (sx * (w / 2 - 0.05), sy * (d / 2 - 0.05), (h - 0.05) / 2)), 0)
    else:
        w, d, h = rng.uniform(0.8, 1.6), rng.uniform(0.3, 0.45), rng.uniform(1.5, 2.1)
        for sx in (-1, 1):
            b.add(box((0.04, d, h), (sx * (w / 2 - 0.02), 0, h / 2)), 0)
        for k in range(5):
            b.add(box((w - 0.08, d, 0.03), (0, 0, 0.05 + k * (h - 0.1) / 4)), 0)
    return b.build(), [wood], {"kind": kind, "width": round(float(w), 3), "depth": round(float(d), 3), "height": round(float(h), 3)}


# ---- the recipe ------------------------------------------------------------------------------------------------------
def _parcel_poses(cast, holder: list, n_frames: int, size) -> list:
    """The parcel sits between its holder's wrists, in front of the body, turned with the holder."""
    poses = []
    for f in range(n_frames):
        a = cast[holder[f]]
        joints = _world_joints(a, f)
        names = list(a.joints[f])
        wrists = [joints[names.index("left_wrist")], joints[names.index("right_wrist")]]
        if a.actions[f] == "reach":
            centre = wrists[1] + np.array([*forward(a.headings[f]) * 0.12, -size[2] / 2])
        else:
            centre = (wrists[0] + wrists[1]) / 2 + np.array([*forward(a.headings[f]) * 0.08, -size[2] * 0.3])
        poses.append(pose(centre - [0, 0, size[2] / 2], yaw=np.deg2rad(a.headings[f])))
    return poses


def build(cfg, rng: np.random.Generator, index: int, width: int, height: int) -> SceneSpec:
    taxonomy = load_taxonomy()
    part_names = {"person": taxonomy.skeletons["humanoid"]["parts"], "car": taxonomy.skeletons["car"]["parts"]}
    n_frames, fps = int(cfg.frames), float(cfg.fps)
    duration = n_frames / fps
    situation = list(cfg.situations)[index % len(cfg.situations)]       # balanced over situations
    ctx = pick(rng, list(cfg.contexts))
    mode = pick(rng, list(cfg.camera_modes))
    time_of_day, weather = pick(rng, list(cfg.times_of_day)), pick(rng, list(cfg.weathers))
    env, env_tags = environment(rng, time_of_day, weather)

    cast, info = cast_situation(rng, cfg, situation, duration, part_names["person"])
    seen = set()
    for a in cast:              # main actors look different, so captions can tell them apart
        for _ in range(20):
            if _appearance(a)["en"] not in seen:
                break
            a.model = actors.humanoid(rng, part_names["person"])
        seen.add(_appearance(a)["en"])
    main_count = len(cast)
    spread = max(4.0, float(np.max([np.linalg.norm(a.position) for a in cast])) + 3.0)
    for _ in range(int(rng.integers(cfg.bystanders[0], cfg.bystanders[1] + 1))):
        ang = rng.uniform(0, 2 * np.pi)
        p0 = np.array([np.cos(ang), np.sin(ang)]) * (spread + rng.uniform(1.0, 4.0))
        cast.append(_person(rng, "bystander", pick(rng, list(cfg.styles)), p0, float(rng.uniform(-180, 180)),
                            _solo_behaviours(rng, cfg, duration), part_names["person"]))
    simulate(cast, n_frames, fps, part_names)
    main = cast[:main_count]
    subject = main[0]
    camera, view = place_camera(rng, cfg, mode, main, subject, cast, n_frames, width, height)
    centre = np.array(np.mean([p for a in main for p in a.positions], axis=0))

    # a car drives past on the road behind the actors (a street's road is known once the context is built, below)
    with_car = ctx == "street" and rng.random() < cfg.vehicle_probability

    objects = []
    for a in cast:
        objects.append(_actor_object(len(objects) + 1, a, taxonomy, n_frames))
    holder = None
    if info.get("parcel"):
        size = np.array([0.34, 0.26, 0.24]) * rng.uniform(0.85, 1.15)
        # A holds it until both reach for it; it passes to B half-way through B's reach
        b_reach = next(f for f in range(n_frames) if main[1].actions[f] == "reach") if "reach" in main[1].actions else n_frames
        switch = min(n_frames, b_reach + int(round(0.5 * fps)))
        holder = [0 if f < switch else 1 for f in range(n_frames)]
        mesh = MeshBuilder().add(box(tuple(size), (0, 0, size[2] / 2)), 0).build()
        iid = len(objects) + 1
        objects.append(SceneObject(iid, "object/parcel", f"parcel_{iid:02d}", mesh,
                                   [material(rng, "cardboard", pick(rng, ["ochre", "brown", "sandstone"]))],
                                   _parcel_poses(main, holder, n_frames, size), {"size_m": np.round(size, 3).tolist()},
                                   {"generator": "parcel box"}))
    keepout = _Keepout(cast, camera, n_frames)
    ctx_tags = build_context(rng, ctx, keepout, centre, camera, objects)

    car_actor = None
    if with_car:
        c = actors.car(rng, part_names["car"])
        direction = np.array(ctx_tags["road_direction"]) * rng.choice([-1, 1])
        lane = np.array([direction[1], -direction[0]]) * 1.75           # keep right
        cruise = float(rng.uniform(6.0, 10.0))
        start = np.array(ctx_tags["road_centre"]) + lane - direction * cruise * duration * rng.uniform(0.4, 0.6)
        plan = [Behaviour("drive")] if rng.random() < 0.6 else \
            [Behaviour("drive", duration * rng.uniform(0.3, 0.5)), Behaviour("brake", 1.5), Behaviour("stop")]
        car_actor = Actor("car", "vehicle", "neutral", c, start, heading_to(direction), plan, cruise=cruise)
        simulate([car_actor], n_frames, fps, part_names)
        objects.append(_actor_object(len(objects) + 1, car_actor, taxonomy, n_frames))
        cast.append(car_actor)

    actor_ids = [o.instance_id for o in objects if o.articulation is not None]
    timeline = {"situation": situation, "actors": [
        {"track_id": iid, "kind": a.kind, "role": a.role, "style": a.style, "actions": a.actions,
         "behaviour": a.behaviour_index, "appearance": _appearance(a),
         "trajectory_world": [[round(float(x), 5), round(float(y), 5), 0.0] for x, y in a.positions],
         "heading_deg": [round(float(h), 4) for h in a.headings], "speed_mps": [round(float(s), 4) for s in a.speeds],
         "targets": [_target_id(b, actor_ids) for b in a.behaviours]}
        for iid, a in zip(actor_ids, cast)]}
    if holder is not None:
        timeline["parcel"] = {"track_id": next(o.instance_id for o in objects if o.class_path == "object/parcel"),
                              "holder": [actor_ids[h] for h in holder]}
    tags = {"situation": situation, **ctx_tags, **env_tags, "camera": view, "n_people": sum(a.kind == "person" for a in cast),
            "vehicle": car_actor is not None, "subject_instance_id": actor_ids[0], "fps": fps, "duration_s": round(duration, 4)}
    return SceneSpec(family="motion", category=f"{ctx}/{situation}", objects=objects, camera=camera, environment=env,
                     n_frames=n_frames, fps=fps, tags=tags, timeline=timeline)


def _actor_object(iid: int, a: Actor, taxonomy, n_frames: int) -> SceneObject:
    """A simulated actor as an articulated scene object: posed parts and joints per frame, placed by its track."""
    skeleton, class_path, name = ("humanoid", "actor/person", "person") if a.kind == "person" else ("car", "actor/vehicle/car", "car")
    joint_names = taxonomy.skeletons[skeleton]["joints"]
    art = Articulation(skeleton, a.model.face_part, np.stack(a.parts), np.array([[j[n] for n in joint_names] for j in a.joints]))
    attrs = {"role": a.role, "style": a.style, **{k: v for k, v in a.model.params.items() if k != "dims"}}
    return SceneObject(iid, class_path, f"{name}_{iid:02d}", a.model.mesh, a.model.materials,
                       [pose((*a.positions[f], 0.0), yaw=np.deg2rad(a.headings[f])) for f in range(n_frames)],
                       attrs, {"generator": f"generators.actors.{'humanoid' if a.kind == 'person' else 'car'}",
                               "params": a.model.params}, art)


def _target_id(b: Behaviour, actor_ids: list):
    if isinstance(b.target, tuple) and len(b.target) == 2 and b.target[0] == "actor":
        return {"action": b.action, "toward_track": actor_ids[b.target[1]]}
    return {"action": b.action, "toward_track": None}


# ---- captions, script and clip layers ---------------------------------------------------------------------------------
CONTEXT_PHRASES = {"street": ("on a street", "거리에서"), "park": ("in a park", "공원에서"), "plaza": ("on a plaza", "광장에서"),
                   "interior": ("in a room", "실내에서")}
ACTION_TEXT = {   # English, Korean (final), Korean (connective: "..., and then")
    "stand": ("stands", "서 있다", "서 있고"), "walk": ("walks", "걷는다", "걷고"), "run": ("runs", "달린다", "달리고"),
    "jump": ("jumps on the spot", "제자리에서 뛴다", "제자리에서 뛰고"), "wave": ("waves", "손을 흔든다", "손을 흔들고"),
    "sit_down": ("sits down on the ground", "바닥에 앉는다", "바닥에 앉고"), "fall": ("falls down", "넘어진다", "넘어지고"),
    "push": ("pushes forward", "앞으로 민다", "앞으로 밀고"), "carry": ("carries a parcel", "상자를 나른다", "상자를 나르고"),
    "dance": ("dances", "춤을 춘다", "춤을 추고"), "turn": ("turns around", "제자리에서 돈다", "제자리에서 돌고"),
    "crouch": ("crouches", "웅크려 앉는다", "웅크려 앉고"), "reach": ("reaches out", "손을 뻗는다", "손을 뻗고"),
    "drive": ("drives past", "지나간다", "지나가고"), "brake": ("slows down", "속도를 줄인다", "속도를 줄이고"),
    "stop": ("stands still", "멈춰 선다", "멈춰 서고")}
STYLE_TEXT = {"neutral": ("", ""), "happy": ("cheerfully", "즐겁게"), "sad": ("sadly", "슬프게"),
              "angry": ("angrily", "화난 듯이"), "afraid": ("fearfully", "겁먹은 채")}
EVENT_TEXT = {"approach": ("{A} approaches {B}.", "{A_s} {B}에게 다가간다."),
              "meet": ("{A} and {B} meet.", "{A_and} {B_s} 만난다."),
              "greet": ("{A} and {B} greet each other.", "{A_and} {B_s} 서로 인사한다."),
              "collision": ("{A} and {B} collide.", "{A_and} {B_s} 부딪힌다."),
              "chase": ("{A} chases {B}.", "{A_s} {B_o} 쫓는다."),
              "hand_over": ("{A} hands the parcel to {B}.", "{A_s} {B}에게 상자를 건넨다."),
              "gathering": ("The group gathers in one spot.", "사람들이 한곳에 모인다."),
              "vehicle_passes": ("{A} passes {B}.", "{A_s} {B} 옆을 지나간다.")}


def _appearance(a: Actor) -> dict:
    p = a.model.params
    if a.kind == "car":
        return {"en": f"{COLORS[p['color']][0]} car", "ko": f"{COLORS[p['color']][1]} 자동차"}
    top_en, top_ko = actors.TOPS[p["top"]]
    color_en = COLORS[p["top_color"]][0]
    return {"en": f"person in {a_an(color_en).lower()} {color_en} {top_en}", "ko": f"{COLORS[p['top_color']][1]} {obj(top_ko)} 입은 사람"}


def _ko_subject(word: str) -> str:
    return word + ("이" if has_batchim(word) else "가")


def _ko_and(word: str) -> str:
    return word + ("과" if has_batchim(word) else "와")


def _runs(mask: np.ndarray) -> list:
    """Inclusive (start, end) frame ranges where mask holds."""
    edges = np.flatnonzero(np.diff(np.concatenate([[0], mask.astype(np.int8), [0]])))
    return [(int(s), int(e) - 1) for s, e in zip(edges[::2], edges[1::2])]


def action_segments(spec: SceneSpec) -> list:
    """Each actor's frames cut into segments, one per behaviour it went through: no gaps, no overlaps."""
    segments = []
    for a in spec.timeline["actors"]:
        behaviour = a["behaviour"]
        cuts = [0] + [f for f in range(1, len(behaviour)) if behaviour[f] != behaviour[f - 1]] + [len(behaviour)]
        for s0, s1 in zip(cuts[:-1], cuts[1:]):
            segments.append({"track_id": a["track_id"], "action": a["actions"][s0], "style": a["style"],
                             "start_frame": s0, "end_frame": s1 - 1, "start_s": round(s0 / spec.fps, 4),
                             "end_s": round(s1 / spec.fps, 4), "toward_track": a["targets"][behaviour[s0]]["toward_track"]})
    return segments


def _joint_world(spec: SceneSpec, track_id: int, name: str) -> np.ndarray:
    obj = spec.object_by_id(track_id)
    names = load_taxonomy().skeletons[obj.articulation.skeleton]["joints"]
    local = obj.articulation.joints[:, names.index(name)]
    poses = np.stack([obj.pose(f) for f in range(spec.n_frames)])
    return np.einsum("fij,fj->fi", poses[:, :3, :3], local) + poses[:, :3, 3]


def derive_events(spec: SceneSpec, present: dict) -> list:
    """Events from the trajectories and actions (thresholds MEET_M, CONTACT_M, GATHER_M, PASS_M), each cut to the
    frames where all its participants are in view."""
    n = spec.n_frames
    tl = {a["track_id"]: a for a in spec.timeline["actors"]}
    xy = {k: np.array(a["trajectory_world"])[:, :2] for k, a in tl.items()}
    acts = {k: np.array(a["actions"]) for k, a in tl.items()}
    events = []

    def add(kind, participants, mask, min_len=1):
        for k in participants:
            mask = mask & present[k]
        for s, e in _runs(mask):
            if e - s + 1 >= min_len:
                events.append({"type": kind, "participants": list(participants), "start_frame": s, "end_frame": e,
                               "start_s": round(s / spec.fps, 4), "end_s": round((e + 1) / spec.fps, 4)})

    people = [k for k, a in tl.items() if a["kind"] == "person" and a["role"] == "main"]
    for i in people:
        for j in people:
            if i == j:
                continue
            d = np.linalg.norm(xy[i] - xy[j], axis=1)
            to_j = (xy[j] - xy[i]) / np.maximum(d, 1e-9)[:, None]
            facing = np.einsum("fi,fi->f", np.stack([forward(h) for h in tl[i]["heading_deg"]]), to_j)
            moving = np.array(tl[i]["speed_mps"]) > 0.3
            closing = np.concatenate([d[1:] < d[:-1] - 1e-4, [False]])
            add("approach", [i, j], moving & (facing > 0.7) & closing & (d > MEET_M), 3)
            add("chase", [i, j], (acts[i] == "run") & (acts[j] == "run") & (facing > 0.8), 3)
            if i < j:
                add("meet", [i, j], d <= MEET_M, 2)
                add("greet", [i, j], (d <= MEET_M) & ((acts[i] == "wave") | (acts[j] == "wave")), 2)
                add("collision", [i, j], d <= CONTACT_M)
    if "parcel" in spec.timeline:
        parcel = spec.timeline["parcel"]
        holder = np.array(parcel["holder"])
        if len(set(holder.tolist())) > 1:
            giver, receiver = int(holder[0]), int(holder[-1])
            box = spec.object_by_id(parcel["track_id"])
            centre = np.array([box.pose(f)[:3, 3] for f in range(n)]) + [0, 0, box.mesh.vertices[:, 2].max() / 2]
            reach = lambda k: np.min([np.linalg.norm(_joint_world(spec, k, w) - centre, axis=1)  # noqa: E731
                                      for w in ("left_wrist", "right_wrist")], axis=0)
            near = (reach(giver) <= 0.5) & (reach(receiver) <= 0.5)
            switch = int(np.flatnonzero(holder != holder[0])[0])
            for s, e in _runs(near):
                if s <= switch <= e + 1:
                    mask = np.zeros(n, bool)
                    mask[s:e + 1] = True
                    add("hand_over", [giver, receiver], mask)
    if len(people) >= 3:
        pts = np.stack([xy[k] for k in people])
        spread = np.linalg.norm(pts - pts.mean(axis=0), axis=2).max(axis=0)
        add("gathering", people, spread <= GATHER_M, 2)
    for car in (k for k, a in tl.items() if a["kind"] == "car"):
        moving = np.array(tl[car]["speed_mps"]) > 1.0
        for i in people:
            add("vehicle_passes", [car, i], moving & (np.linalg.norm(xy[car] - xy[i], axis=1) <= PASS_M))
    return sorted(events, key=lambda e: (e["start_frame"], e["type"]))


def _names(spec: SceneSpec) -> dict:
    return {a["track_id"]: a["appearance"] for a in spec.timeline["actors"]}


def clip_layers(spec: SceneSpec, frame_labels: list, taxonomy) -> dict:
    """actions, events and the time-aligned script (en/ko) of a clip; trajectories for the tracks."""
    present = {a["track_id"]: np.zeros(spec.n_frames, bool) for a in spec.timeline["actors"]}
    for frame in frame_labels:
        for o in frame["objects"]:
            if o["instance_id"] in present:
                present[o["instance_id"]][frame["index"]] = True
    actions = action_segments(spec)
    events = derive_events(spec, present)
    names = _names(spec)
    mains = {a["track_id"] for a in spec.timeline["actors"] if a["role"] in ("main", "vehicle")}
    script = {"en": [], "ko": []}
    for seg in actions:
        if seg["track_id"] not in mains:
            continue
        name = names[seg["track_id"]]
        verb_en, verb_ko, _ = ACTION_TEXT[seg["action"]]
        adv_en, adv_ko = STYLE_TEXT[seg["style"]] if spec.object_by_id(seg["track_id"]).class_path == "actor/person" else ("", "")
        if seg["toward_track"] is not None and seg["action"] in ("walk", "run", "carry"):
            other = names[seg["toward_track"]]
            verb_en, verb_ko = f"{verb_en} toward the {other['en']}", f"{other['ko']} 쪽으로 {verb_ko}"
        en = f"The {name['en']} {adv_en + ' ' if adv_en else ''}{verb_en}."
        ko = f"{_ko_subject(name['ko'])} {adv_ko + ' ' if adv_ko else ''}{verb_ko}"
        for lang, text in (("en", en[0].upper() + en[1:]), ("ko", ko if ko.endswith(".") else ko + ".")):
            script[lang].append({"start_s": seg["start_s"], "end_s": seg["end_s"], "text": text, "track_id": seg["track_id"]})
    for ev in events:
        a = names[ev["participants"][0]]
        b = names[ev["participants"][1]] if len(ev["participants"]) > 1 else a
        en_t, ko_t = EVENT_TEXT[ev["type"]]
        en = en_t.format(A=f"the {a['en']}", B=f"the {b['en']}")
        ko = ko_t.format(A_s=_ko_subject(a["ko"]), A_and=_ko_and(a["ko"]), B=b["ko"], B_s=_ko_subject(b["ko"]),
                         B_o=b["ko"] + ("을" if has_batchim(b["ko"]) else "를"))
        script["en"].append({"start_s": ev["start_s"], "end_s": ev["end_s"], "text": en[0].upper() + en[1:], "event": ev["type"]})
        script["ko"].append({"start_s": ev["start_s"], "end_s": ev["end_s"], "text": ko, "event": ev["type"]})
    for lang in script:
        script[lang].sort(key=lambda line: (line["start_s"], line["end_s"]))
    trajectories = {a["track_id"]: {"kind": a["kind"], "role": a["role"], "style": a["style"],
                                    "trajectory_world": a["trajectory_world"], "heading_deg": a["heading_deg"]}
                    for a in spec.timeline["actors"]}
    return {"actions": actions, "events": events, "script": script, "trajectories": trajectories}


SITUATION_TEXT = {
    "approach": ("The {A} walks up to the {B}", "{A_s} {B}에게 걸어간다"),
    "meet_and_greet": ("The {A} and the {B} walk toward each other and greet", "{A_and} {B_s} 서로 걸어와 인사한다"),
    "hand_over": ("The {A} brings a parcel to the {B} and hands it over", "{A_s} {B}에게 상자를 가져가 건넨다"),
    "chase": ("The {B} chases the {A}", "{B_s} {A_o} 쫓는다"),
    "collision_fall": ("The {A} and the {B} bump into each other and the {B} falls", "{A_and} {B_s} 부딪히고 {B_s} 넘어진다"),
    "group_gathering": ("{N} people walk to one spot and gather", "{N}명의 사람들이 한곳으로 걸어와 모인다"),
}


def describe(spec: SceneSpec, frames: list, taxonomy, rng: np.random.Generator) -> dict:
    t = spec.tags
    ctx_en, ctx_ko = CONTEXT_PHRASES[t["context"]]
    when_en, when_ko = TIME_PHRASES[t["time_of_day"]]
    names = _names(spec)
    mains = [a for a in spec.timeline["actors"] if a["role"] == "main"]
    a = names[mains[0]["track_id"]]
    b = names[mains[1]["track_id"]] if len(mains) > 1 else a
    if t["situation"] == "solo":
        segs = [s for s in action_segments(spec) if s["track_id"] == mains[0]["track_id"]]
        en = "The " + a["en"] + " " + ", then ".join(ACTION_TEXT[s["action"]][0] for s in segs)
        ko = _ko_subject(a["ko"]) + " " + ", ".join([ACTION_TEXT[s["action"]][2] for s in segs[:-1]]
                                                     + [ACTION_TEXT[segs[-1]["action"]][1]])
    else:
        en_t, ko_t = SITUATION_TEXT[t["situation"]]
        en = en_t.format(A=a["en"], B=b["en"], N=len(mains))
        ko = ko_t.format(A_s=_ko_subject(a["ko"]), A_and=_ko_and(a["ko"]), B=b["ko"], B_s=_ko_subject(b["ko"]),
                         A_o=a["ko"] + ("을" if has_batchim(a["ko"]) else "를"), N=len(mains))
    extra_en = " while a car drives past" if t.get("vehicle") else ""
    extra_ko = " 그 사이 자동차 한 대가 지나간다." if t.get("vehicle") else ""
    return {"en": [f"{en} {ctx_en} {when_en}{extra_en}."],
            "ko": [f"{when_ko} {ctx_ko} {ko}.{extra_ko}".replace("..", ".")]}
