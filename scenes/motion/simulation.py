"""The actors' simulation: behaviours (an action with a duration, an 'until near someone' condition or a target to walk
to), stepped frame by frame into positions, headings, actions and poses; and the timeline the recipe keeps of it, from
which the clip layers (action segments, events, script) are derived.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from engine.geometry import pose
from generators import actors

TURN_RATE = 240.0                                            # deg/s an actor can turn towards its target
MEET_M, CONTACT_M, GATHER_M, PASS_M = 1.6, 0.7, 2.4, 8.0     # ground distances at which actors meet, touch, gather,
                                                             # pass: situations are scripted by them, events cut by them


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
    angles: list = field(default_factory=list)   # people: the motion program's joint angles (gaze.look_at turns heads)
    looks: list = field(default_factory=list)    # people: cast index of whom the head is on, per frame (gaze.look_at)


def forward(heading_deg: float) -> np.ndarray:
    h = np.deg2rad(heading_deg)
    return np.array([-np.sin(h), np.cos(h)])


def heading_to(vector) -> float:
    return float(np.rad2deg(np.arctan2(-vector[0], vector[1])))


def _wrap(deg: float) -> float:
    return (deg + 180.0) % 360.0 - 180.0


def simulate(cast: list[Actor], n_frames: int, fps: float):
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
            actor.angles.append(angles if actor.kind == "person" else {})
            actor.parts.append(np.stack([parts[n] for n in actor.model.bones]))
            actor.heading = _wrap(actor.heading + turn * dt)          # integrate to the next frame
            actor.position = where[k] + forward(actor.heading) * speed * dt
            st["travelled"] += speed * dt


def world_joints(a: Actor, f: int) -> np.ndarray:
    """The actor's joints in world coordinates at frame f."""
    m = pose((*a.positions[f], 0.0), yaw=np.deg2rad(a.headings[f]))
    local = np.array(list(a.joints[f].values()))
    return local @ m[:3, :3].T + m[:3, 3]


# ---- what the recipe keeps of the simulation -------------------------------------------------------------------------
@dataclass
class ActorTimeline:
    """One actor's record over the clip (saved in scene.json; the clip layers are derived from it)."""
    track_id: int
    kind: str                            # person | car
    role: str                            # main | bystander | vehicle
    style: str
    actions: list[str]                   # per frame
    behaviour: list[int]                 # per frame: index of the behaviour being carried out
    appearance: dict                     # {"en", "ko"}: how captions name the actor
    trajectory_world: list               # per frame [x, y, 0]
    heading_deg: list[float]
    speed_mps: list[float]
    targets: list[dict]                  # per behaviour: {"action", "toward_track"}
    look_track: list                     # per frame: track id of whom the actor's head is turned to, or None


@dataclass
class Parcel:
    track_id: int
    holder: list[int]                    # per frame: track id of the actor holding it


@dataclass
class MotionTimeline:
    situation: str
    actors: list[ActorTimeline]
    parcel: Parcel | None = None

    def actor(self, track_id: int) -> ActorTimeline:
        return next(a for a in self.actors if a.track_id == track_id)
