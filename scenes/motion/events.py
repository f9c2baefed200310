"""Clip layers of a motion sample, derived from the simulation's timeline and what the camera saw: action segments
(one per behaviour), events (meet, greet, collision, chase, hand-over, gathering, a vehicle passing) cut to the frames
where their participants are in view, and the time-aligned script."""
from __future__ import annotations

import numpy as np

from engine.labels import ClipLayers, FrameLabels, Track
from engine.spec import SceneSpec
from engine.taxonomy import load_taxonomy
from scenes.motion.gaze import gaze_layer
from scenes.motion.simulation import CONTACT_M, GATHER_M, MEET_M, PASS_M, forward
from scenes.motion.text import script


def _runs(mask: np.ndarray) -> list:
    """Inclusive (start, end) frame ranges where mask holds."""
    edges = np.flatnonzero(np.diff(np.concatenate([[0], mask.astype(np.int8), [0]])))
    return [(int(s), int(e) - 1) for s, e in zip(edges[::2], edges[1::2])]


def action_segments(spec: SceneSpec) -> list:
    """Each actor's frames cut into segments, one per behaviour it went through: no gaps, no overlaps."""
    segments = []
    for a in spec.timeline.actors:
        behaviour = a.behaviour
        cuts = [0] + [f for f in range(1, len(behaviour)) if behaviour[f] != behaviour[f - 1]] + [len(behaviour)]
        for s0, s1 in zip(cuts[:-1], cuts[1:]):
            segments.append({"track_id": a.track_id, "action": a.actions[s0], "style": a.style,
                             "start_frame": s0, "end_frame": s1 - 1, "start_s": round(s0 / spec.fps, 4),
                             "end_s": round(s1 / spec.fps, 4), "toward_track": a.targets[behaviour[s0]]["toward_track"]})
    return segments


def joint_world(spec: SceneSpec, track_id: int, name: str) -> np.ndarray:
    """One joint of an actor in world coordinates, per frame."""
    obj = spec.object_by_id(track_id)
    names = load_taxonomy().skeletons[obj.articulation.skeleton]["joints"]
    local = obj.articulation.joints[:, names.index(name)]
    poses = np.stack([obj.pose(f) for f in range(spec.n_frames)])
    return np.einsum("fij,fj->fi", poses[:, :3, :3], local) + poses[:, :3, 3]


def derive_events(spec: SceneSpec, present: dict) -> list:
    """Events from the trajectories and actions (thresholds MEET_M, CONTACT_M, GATHER_M, PASS_M), each cut to the
    frames where all its participants are in view."""
    n = spec.n_frames
    tl = {a.track_id: a for a in spec.timeline.actors}
    xy = {k: np.array(a.trajectory_world)[:, :2] for k, a in tl.items()}
    acts = {k: np.array(a.actions) for k, a in tl.items()}
    events = []

    def add(kind, participants, mask, min_len=1):
        for k in participants:
            mask = mask & present[k]
        for s, e in _runs(mask):
            if e - s + 1 >= min_len:
                events.append({"type": kind, "participants": list(participants), "start_frame": s, "end_frame": e,
                               "start_s": round(s / spec.fps, 4), "end_s": round((e + 1) / spec.fps, 4)})

    people = [k for k, a in tl.items() if a.kind == "person" and a.role == "main"]
    for i in people:
        for j in people:
            if i == j:
                continue
            d = np.linalg.norm(xy[i] - xy[j], axis=1)
            to_j = (xy[j] - xy[i]) / np.maximum(d, 1e-9)[:, None]
            facing = np.einsum("fi,fi->f", np.stack([forward(h) for h in tl[i].heading_deg]), to_j)
            moving = np.array(tl[i].speed_mps) > 0.3
            closing = np.concatenate([d[1:] < d[:-1] - 1e-4, [False]])
            add("approach", [i, j], moving & (facing > 0.7) & closing & (d > MEET_M), 3)
            add("chase", [i, j], (acts[i] == "run") & (acts[j] == "run") & (facing > 0.8), 3)
            if i < j:
                add("meet", [i, j], d <= MEET_M, 2)
                add("greet", [i, j], (d <= MEET_M) & ((acts[i] == "wave") | (acts[j] == "wave")), 2)
                add("collision", [i, j], d <= CONTACT_M)
    if spec.timeline.parcel is not None:
        parcel = spec.timeline.parcel
        holder = np.array(parcel.holder)
        if len(set(holder.tolist())) > 1:
            giver, receiver = int(holder[0]), int(holder[-1])
            box = spec.object_by_id(parcel.track_id)
            centre = np.array([box.pose(f)[:3, 3] for f in range(n)]) + [0, 0, box.mesh.vertices[:, 2].max() / 2]
            reach = lambda k: np.min([np.linalg.norm(joint_world(spec, k, w) - centre, axis=1)  # noqa: E731
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
    for car in (k for k, a in tl.items() if a.kind == "car"):
        moving = np.array(tl[car].speed_mps) > 1.0
        for i in people:
            add("vehicle_passes", [car, i], moving & (np.linalg.norm(xy[car] - xy[i], axis=1) <= PASS_M))
    return sorted(events, key=lambda e: (e["start_frame"], e["type"]))


def clip_layers(spec: SceneSpec, frame_labels: list[FrameLabels], tracks: list[Track], taxonomy) -> ClipLayers:
    """Actions, events and the time-aligned script (en/ko) of a clip; trajectories for the tracks."""
    present = {a.track_id: np.zeros(spec.n_frames, bool) for a in spec.timeline.actors}
    for track in tracks:
        if track["track_id"] in present:
            present[track["track_id"]][track["frames_in_view"]] = True
    actions = action_segments(spec)
    events = derive_events(spec, present)
    gaze = gaze_layer(spec, taxonomy.skeletons["humanoid"])
    trajectories = {a.track_id: {"kind": a.kind, "role": a.role, "style": a.style,
                                 "trajectory_world": a.trajectory_world, "heading_deg": a.heading_deg,
                                 **({"gaze": gaze[a.track_id]} if a.track_id in gaze else {})}
                    for a in spec.timeline.actors}
    return ClipLayers(actions, events, script(spec, actions, events), trajectories)
