"""The motion clip's soundtrack, from exact scene facts: a footstep where each heel touches down (the simulation's
joints), per surface of the context; the car's engine and tyres along its trajectory (Doppler from the delay), its
brakes; a body falling and two bodies bumping; a parcel's rustle while it changes hands; the context's ambience; a
music bed by the lead actor's style; the script narrated per language. Outdoors each source is panned and attenuated
from where the camera sees it; in a room it is heard through the room's impulse response."""
from __future__ import annotations

import numpy as np

from engine.mixing import (
    Listener,
    Mix,
    in_room,
    place_moving,
    place_static,
    room_response,
)
from engine.spec import SceneSpec
from engine.speech import narrate
from engine.streams import Streams
from generators import sound
from scenes.ambience import add_ambience, at_dbfs
from scenes.motion.events import joint_world

LIFT_M = 0.02            # a heel counts as lifted 2 cm above the other heel
STEP_WINDOW_S = 0.6      # ... within this long before it touches down
LANDED_M = 0.03          # a falling body has landed when its head is this close to its lowest
LEVELS = {"footstep": 0.5, "impact": 1.0, "rustle": 0.15, "car": 0.6, "brakes": 0.4}   # peak at REFERENCE_M
MUSIC_DBFS, DIALOGUE_DBFS = -30.0, -18.0
ABSORPTION = 0.3         # the room's walls, floor and ceiling (energy absorption coefficient)


def foot_contacts(spec: SceneSpec, track_id: int) -> list:
    """Touchdowns [(time_s, foot, heel position)], linear between frames: a heel coming down past the other (the
    support changes feet) after it was lifted LIFT_M above it within STEP_WINDOW_S; and both feet landing from a jump
    (the lower heel back within LIFT_M / 2 of the ground after both were LIFT_M up)."""
    heels = {s: joint_world(spec, track_id, f"{s}_heel") for s in ("left", "right")}
    window = max(1, int(round(STEP_WINDOW_S * spec.fps)))
    contacts = []

    def crossing(d, f):                 # time and weight where d falls through zero between frames f-1 and f
        w = d[f - 1] / (d[f - 1] - d[f])
        return (f - 1 + w) / spec.fps, w

    for side, other in (("left", "right"), ("right", "left")):
        d = heels[side][:, 2] - heels[other][:, 2]             # > 0: this heel is the higher one
        for f in range(1, spec.n_frames):
            if d[f - 1] > 0 >= d[f] and d[max(0, f - window):f].max() >= LIFT_M:
                t, w = crossing(d, f)
                contacts.append((float(t), side, heels[side][f - 1] * (1 - w) + heels[side][f] * w))
    low = np.minimum(heels["left"][:, 2], heels["right"][:, 2])
    d = low - (low.min() + LIFT_M / 2)
    jumping = np.array(spec.timeline.actor(track_id).actions) == "jump"    # (heels rise in a stride's toe-off too)
    for f in range(1, spec.n_frames):
        if jumping[f] and d[f - 1] > 0 >= d[f] and low[max(0, f - window):f].max() >= low.min() + LIFT_M:
            t, w = crossing(d, f)
            contacts.append((float(t), "both", (heels["left"][f] + heels["right"][f]) / 2))
    return sorted(contacts, key=lambda c: c[0])


def fall_landings(spec: SceneSpec, actions: list) -> list:
    """When each fall ends on the ground: the head first within LANDED_M of its lowest in the fall segment (linear
    between frames). [(time_s, track_id, head position)]."""
    landings = []
    for seg in (s for s in actions if s["action"] == "fall"):
        head = joint_world(spec, seg["track_id"], "head")[seg["start_frame"]:seg["end_frame"] + 1]
        z = head[:, 2]
        below = np.flatnonzero(z <= z.min() + LANDED_M)
        if len(z) < 2 or below[0] == 0:
            continue
        f = int(below[0])
        w = (z[f - 1] - (z.min() + LANDED_M)) / max(z[f - 1] - z[f], 1e-9)
        landings.append(((seg["start_frame"] + f - 1 + w) / spec.fps, seg["track_id"], head[f]))
    return landings


def soundtrack(spec: SceneSpec, labels: dict, streams: Streams, cfg) -> tuple:
    """(Mix with its stems and placed events, the audio label layer without the mixes)."""
    mix, space = scene_sound(spec, labels, streams, int(cfg.sample_rate))
    mains = [a for a in spec.timeline.actors if a.role == "main"]
    if cfg.music:
        add_music(streams["music"], mix, mains[0].style, f"the style of track {mains[0].track_id} ({mains[0].style})")
    return mix, {"space": space, "speech": add_narration(mix, labels["script"], cfg)}


def add_music(rng, mix: Mix, mood: str, cause: str):
    score, causes = sound.music(rng, mood, mix.n / mix.sr, mix.sr)
    mix.add("music", 0, at_dbfs(score, MUSIC_DBFS), {"class": "music", "track_id": None, "emitted_s": 0.0,
                                                      **causes, "cause": cause})


def add_narration(mix: Mix, script: dict, cfg) -> list:
    """The script spoken per language into dialogue_<lang>; returns the speech segments."""
    speech = []
    for lang in cfg.narration:
        track, segments = narrate(script[lang], lang, cfg.words_per_minute, cfg.max_speedup, mix.sr, mix.n / mix.sr)
        mix.add(f"dialogue_{lang}", 0, at_dbfs(np.stack([track, track]), DIALOGUE_DBFS, speech_only=True))
        speech += segments
    return speech


def scene_sound(spec: SceneSpec, labels: dict, streams: Streams, sr: int) -> tuple:
    """The scene's effects and ambience as heard from its camera: (Mix, the space's labels)."""
    duration = spec.n_frames / spec.fps
    mix = Mix(int(round(duration * sr)), sr)
    listener = Listener(spec.camera.poses, spec.fps)
    context = spec.tags["context"]
    outdoor = context != "interior"
    space = {"kind": "outdoor", "air_absorption_db_per_m_above_2khz": 0.02}
    room = _room(spec, listener) if not outdoor else None
    if room:
        space = {"kind": "room", "size_m": [round(float(v), 3) for v in room["size"]], "absorption": ABSORPTION}

    def place(stem, signal, emitted_s, position, event):
        if room:
            rir, delay, rt60 = room_response(room["size"], ABSORPTION, np.asarray(position) - room["corner"],
                                             room["ears"], sr)
            space["rt60_s"] = round(rt60, 3)
            mix.add(stem, int(round(emitted_s * sr)) + delay, in_room(signal, rir), event)
        else:
            start, stereo, distance = place_static(signal, emitted_s, position, listener, sr, outdoor)
            event["distance_m"] = round(distance, 3)
            mix.add(stem, start, stereo, event)

    mix.stem("effects")
    _effects(spec, labels, streams["sound"], place, mix, listener, outdoor, duration)
    add_ambience(streams["ambience"], mix, context)
    return mix, space


def _room(spec: SceneSpec, listener: Listener) -> dict:
    floor = next(o for o in spec.objects if o.class_path == "interior/floor")
    size = np.array([*floor.attributes["size_m"], max(3.0, float(listener.position[:, 2].max()) + 0.6)])
    corner = np.array([*floor.pose(0)[:2, 3] - size[:2] / 2, 0.0])
    return {"size": size, "corner": corner, "ears": listener.ears(0.5 * (spec.n_frames - 1) / spec.fps) - corner[:, None]}


def _effects(spec, labels, rng, place, mix: Mix, listener: Listener, outdoor: bool, duration: float):
    sr = mix.sr
    surface = sound.SURFACES[spec.tags["context"]]
    for actor in spec.timeline.actors:
        if actor.kind != "person":
            continue
        child = {"child": 0.6, "elderly": 0.8}.get(spec.object_by_id(actor.track_id).attributes.get("age_group"), 1.0)
        for t, side, heel in foot_contacts(spec, actor.track_id):
            action = actor.actions[min(spec.n_frames - 1, int(t * spec.fps))]
            level = LEVELS["footstep"] * child * {"run": 1.6, "jump": 1.8}.get(action, 1.0)
            step = sound.footstep(rng, surface, sr) * level
            place("effects", step, t, heel, {"class": "footstep", "surface": surface, "foot": side,
                                             "track_id": actor.track_id, "emitted_s": round(t, 5),
                                             "offset_s": None})
    for t, track_id, head in fall_landings(spec, labels["actions"]):
        thud = sound.impact(rng, "fall", sr) * LEVELS["impact"]
        place("effects", thud, t, head, {"class": "body_fall", "track_id": track_id, "emitted_s": round(t, 5)})
    for ev in (e for e in labels["events"] if e["type"] in ("collision", "hand_over")):
        a, b = ev["participants"][:2]
        mid = (joint_world(spec, a, "chest")[ev["start_frame"]] + joint_world(spec, b, "chest")[ev["start_frame"]]) / 2
        if ev["type"] == "collision":
            knock = sound.impact(rng, "bump", sr) * LEVELS["impact"] * 0.6
            place("effects", knock, ev["start_s"], mid, {"class": "body_impact", "track_id": a,
                                                          "emitted_s": ev["start_s"]})
        elif ev["type"] == "hand_over":
            length = max(0.3, ev["end_s"] - ev["start_s"])
            crinkle = sound.rustle(rng, length, sr) * LEVELS["rustle"]
            place("effects", crinkle, ev["start_s"], mid, {"class": "rustle", "track_id": spec.timeline.parcel.track_id,
                                                            "emitted_s": ev["start_s"]})
    for actor in (a for a in spec.timeline.actors if a.kind == "car"):
        _car(spec, actor, rng, place, mix, listener, outdoor, duration)


def _car(spec, actor, rng, place, mix: Mix, listener: Listener, outdoor: bool, duration: float):
    sr, frames = mix.sr, np.arange(spec.n_frames) / spec.fps
    xyz = np.array(actor.trajectory_world, float) + [0.0, 0.0, 0.4]          # engine and tyres low down
    speed = np.array(actor.speed_mps, float)
    path = lambda t: np.stack([np.interp(t, frames, xyz[:, k]) for k in range(3)], axis=1)   # noqa: E731
    times, signal = sound.car(rng, lambda t: np.interp(t, frames, speed), duration, sr)
    stereo, _ = place_moving(times, signal * LEVELS["car"], path, mix.n, listener, sr, outdoor)
    mix.add("effects", 0, stereo, {"class": "car_engine", "track_id": actor.track_id, "emitted_s": 0.0,
                                   "engine_f0_hz": [round(float(f), 3) for f in sound.engine_f0(speed)]})
    braking = np.flatnonzero(np.array(actor.actions) == "brake")
    if braking.size:
        t0, length = braking[0] / spec.fps, (braking[-1] - braking[0] + 1) / spec.fps
        squeal = sound.brakes(rng, length, sr) * LEVELS["brakes"]
        place("effects", squeal, t0, xyz[braking[len(braking) // 2]], {"class": "brakes", "track_id": actor.track_id,
                                                                        "emitted_s": round(t0, 5)})
