"""The motion recipe: (config, streams, sample index) -> SceneSpec. Simulate the actors frame by frame, place the camera
so the actors it must keep stay in frame, then build the context around them (props off the actors' paths and the
camera's lines of sight), a parcel when one changes hands, and a car passing on a street."""
from __future__ import annotations

import numpy as np

from engine.geometry import pose
from engine.spec import Articulation, SceneObject, SceneSpec
from engine.streams import Streams, child
from engine.taxonomy import load_taxonomy
from generators import actors
from generators.materials import material, pick
from generators.shapes import MeshBuilder, box
from generators.sky import environment
from scenes.motion.camera import place_camera
from scenes.motion.context import Keepout, build_context
from scenes.motion.gaze import look_at
from scenes.motion.simulation import (
    Actor,
    ActorTimeline,
    Behaviour,
    MotionTimeline,
    Parcel,
    forward,
    heading_to,
    simulate,
    world_joints,
)
from scenes.motion.situations import cast_situation, person, solo_behaviours
from scenes.motion.text import appearance


def build(cfg, streams: Streams, index: int, width: int, height: int) -> SceneSpec:
    situation = list(cfg.situations)[index % len(cfg.situations)]       # balanced over situations
    scene, sky = streams["scene"], streams["environment"]
    ctx = pick(scene, list(cfg.contexts))
    mode = pick(scene, list(cfg.camera_modes))
    time_of_day, weather = pick(sky, list(cfg.times_of_day)), pick(sky, list(cfg.weathers))
    env, env_tags = environment(sky, time_of_day, weather)

    def camera(rng, main, subject, cast, n_frames):
        return place_camera(rng, cfg, mode, main, subject, cast, n_frames, width, height)
    return build_scene(cfg, streams, situation, ctx, int(cfg.frames), camera, env, env_tags)


def build_scene(cfg, streams: Streams, situation: str, ctx: str, n_frames: int, place, env, env_tags: dict,
                people: list | None = None) -> SceneSpec:
    """One situation in one context: the cast simulated, the camera placed by `place(rng, main, subject, cast,
    n_frames) -> (Camera, view tags)`, then the context around them. `people`: bodies for the main actors (a program's
    recurring characters), else drawn."""
    taxonomy = load_taxonomy()
    part_names = {"person": taxonomy.skeletons["humanoid"]["parts"], "car": taxonomy.skeletons["car"]["parts"]}
    fps = float(cfg.fps)
    duration = n_frames / fps
    cast, main_count, info = _cast(streams["actors"], cfg, situation, duration, part_names, people)
    simulate(cast, n_frames, fps)
    main = cast[:main_count]
    subject = main[0]
    camera, view = place(streams["camera"], main, subject, cast, n_frames)
    centre = np.array(np.mean([p for a in main for p in a.positions], axis=0))

    # a car drives past on the road behind the actors (a street's road is known once the context is built, below)
    with_car = ctx == "street" and streams["vehicle"].random() < cfg.vehicle_probability

    objects = [_actor_object(k + 1, a, taxonomy, n_frames) for k, a in enumerate(cast)]
    holder = _add_parcel(streams["props"], main, n_frames, fps, objects) if info.get("parcel") else None
    keepout = Keepout(cast, camera, n_frames)
    ctx_tags = build_context(streams["context"], ctx, keepout, centre, camera, objects)
    car_actor = None
    if with_car:
        car_actor = _passing_car(streams["vehicle"], ctx_tags, duration, n_frames, fps, part_names)
        objects.append(_actor_object(len(objects) + 1, car_actor, taxonomy, n_frames))
        cast.append(car_actor)
    # heads turn last, once everything worth a look is in place (the parcel, a passing car); only heads move
    parcel = next((o for o in objects if o.class_path == "object/parcel"), None)
    look_at(cast, fps, part_names, _parcel_glances(main, parcel, n_frames, fps) if parcel else None)
    slots = [i for i, o in enumerate(objects) if o.articulation is not None]
    for i, a in zip(slots, cast):
        objects[i] = _actor_object(objects[i].instance_id, a, taxonomy, n_frames)

    actor_ids = [objects[i].instance_id for i in slots]
    named = {"parcel": parcel.instance_id} if parcel else {}
    timeline = MotionTimeline(situation, [_actor_timeline(iid, a, actor_ids, named) for iid, a in zip(actor_ids, cast)])
    if holder is not None:
        timeline.parcel = Parcel(parcel.instance_id, [actor_ids[h] for h in holder])
    tags = {"situation": situation, **ctx_tags, **env_tags, "camera": view, "n_people": sum(a.kind == "person" for a in cast),
            "vehicle": car_actor is not None, "fps": fps, "duration_s": round(duration, 4)}
    return SceneSpec(family="motion", category=f"{ctx}/{situation}", objects=objects, camera=camera, environment=env,
                     n_frames=n_frames, fps=fps, tags=tags, subject_instance_id=actor_ids[0], timeline=timeline)


def _cast(rng, cfg, situation: str, duration: float, part_names: dict, people: list | None = None):
    """The situation's main actors (looking different from each other, so captions can tell them apart; or the given
    `people`), then the bystanders around them. Returns (cast, number of main actors, situation info)."""
    cast, info = cast_situation(rng, cfg, situation, duration, part_names["person"], people)
    seen = set()
    for a in ([] if people else cast):
        for _ in range(20):
            if appearance(a)["en"] not in seen:
                break
            a.model = actors.humanoid(child(rng), part_names["person"])
        seen.add(appearance(a)["en"])
    main_count = len(cast)
    spread = max(4.0, float(np.max([np.linalg.norm(a.position) for a in cast])) + 3.0)
    for _ in range(int(rng.integers(cfg.bystanders[0], cfg.bystanders[1] + 1))):
        ang = rng.uniform(0, 2 * np.pi)
        p0 = np.array([np.cos(ang), np.sin(ang)]) * (spread + rng.uniform(1.0, 4.0))
        cast.append(person(rng, "bystander", pick(rng, list(cfg.styles)), p0, float(rng.uniform(-180, 180)),
                           solo_behaviours(rng, cfg, duration), part_names["person"]))
    return cast, main_count, info


def _add_parcel(rng, main: list, n_frames: int, fps: float, objects: list) -> list:
    """A parcel that the first main actor holds until both reach for it; it passes to the second half-way through
    the second's reach. Returns who holds it per frame (index into main)."""
    size = np.array([0.34, 0.26, 0.24]) * rng.uniform(0.85, 1.15)
    b_reach = next(f for f in range(n_frames) if main[1].actions[f] == "reach") if "reach" in main[1].actions else n_frames
    switch = min(n_frames, b_reach + int(round(0.5 * fps)))
    holder = [0 if f < switch else 1 for f in range(n_frames)]
    mesh = MeshBuilder().add(box(tuple(size), (0, 0, size[2] / 2)), 0).build()
    iid = len(objects) + 1
    objects.append(SceneObject(iid, "object/parcel", f"parcel_{iid:02d}", mesh,
                               [material(rng, "cardboard", pick(rng, ["ochre", "brown", "sandstone"]))],
                               _parcel_poses(main, holder, n_frames, size), {"size_m": np.round(size, 3).tolist()},
                               {"generator": "parcel box"}))
    return holder


def _parcel_poses(cast, holder: list, n_frames: int, size) -> list:
    """The parcel sits between its holder's wrists, in front of the body, turned with the holder."""
    poses = []
    for f in range(n_frames):
        a = cast[holder[f]]
        joints = world_joints(a, f)
        names = list(a.joints[f])
        wrists = [joints[names.index("left_wrist")], joints[names.index("right_wrist")]]
        if a.actions[f] == "reach":
            centre = wrists[1] + np.array([*forward(a.headings[f]) * 0.12, -size[2] / 2])
        else:
            centre = (wrists[0] + wrists[1]) / 2 + np.array([*forward(a.headings[f]) * 0.08, -size[2] * 0.3])
        poses.append(pose(centre - [0, 0, size[2] / 2], yaw=np.deg2rad(a.headings[f])))
    return poses


def _passing_car(rng, ctx_tags: dict, duration: float, n_frames: int, fps: float, part_names: dict) -> Actor:
    """A car driving along the street's road in its right-hand lane, past the actors; sometimes it brakes and stops."""
    c = actors.car(child(rng), part_names["car"])
    direction = np.array(ctx_tags["road_direction"]) * rng.choice([-1, 1])
    lane = np.array([direction[1], -direction[0]]) * 1.75           # keep right
    cruise = float(rng.uniform(6.0, 10.0))
    start = np.array(ctx_tags["road_centre"]) + lane - direction * cruise * duration * rng.uniform(0.4, 0.6)
    plan = [Behaviour("drive")] if rng.random() < 0.6 else \
        [Behaviour("drive", duration * rng.uniform(0.3, 0.5)), Behaviour("brake", 1.5), Behaviour("stop")]
    car_actor = Actor("car", "vehicle", "neutral", c, start, heading_to(direction), plan, cruise=cruise)
    simulate([car_actor], n_frames, fps)
    return car_actor


def _parcel_glances(main: list, parcel, n_frames: int, fps: float) -> dict:
    """Giver and receiver look at the parcel from the receiver's reach until half a second after it changes hands."""
    reach = [f for f in range(n_frames) if main[1].actions[f] == "reach"]
    if not reach:
        return {}
    frames = range(reach[0], min(n_frames, reach[0] + int(round(1.0 * fps))))
    size_z = parcel.attributes["size_m"][2]
    looks = [("parcel", parcel.pose(f)[:3, 3] + [0.0, 0.0, size_z / 2]) if f in frames else None for f in range(n_frames)]
    return {0: looks, 1: looks}


def _actor_timeline(iid: int, a: Actor, actor_ids: list, named: dict) -> ActorTimeline:
    return ActorTimeline(
        track_id=iid, kind=a.kind, role=a.role, style=a.style, actions=a.actions, behaviour=a.behaviour_index,
        appearance=appearance(a), trajectory_world=[[round(float(x), 5), round(float(y), 5), 0.0] for x, y in a.positions],
        heading_deg=[round(float(h), 4) for h in a.headings], speed_mps=[round(float(s), 4) for s in a.speeds],
        targets=[_target_id(b, actor_ids) for b in a.behaviours],
        look_track=[None if i is None else named[i] if isinstance(i, str) else actor_ids[i] for i in a.looks]
        if a.looks else [None] * len(a.positions))


def _actor_object(iid: int, a: Actor, taxonomy, n_frames: int) -> SceneObject:
    """A simulated actor as an articulated scene object: posed parts and joints per frame, placed by its track."""
    skeleton, class_path, name = ("humanoid", "actor/person", "person") if a.kind == "person" else ("car", "actor/vehicle/car", "car")
    joint_names = taxonomy.skeletons[skeleton]["joints"]
    skin = {"skin": a.model.weights, "bind": a.model.bind} if a.kind == "person" else {}
    art = Articulation(skeleton, a.model.face_part, np.stack(a.parts), np.array([[j[n] for n in joint_names] for j in a.joints]),
                       **skin)
    attrs = {"role": a.role, "style": a.style, **{k: v for k, v in a.model.params.items() if k != "dims"}}
    return SceneObject(iid, class_path, f"{name}_{iid:02d}", a.model.mesh, a.model.materials,
                       [pose((*a.positions[f], 0.0), yaw=np.deg2rad(a.headings[f])) for f in range(n_frames)],
                       attrs, {"generator": f"generators.actors.{'humanoid' if a.kind == 'person' else 'car'}",
                               "params": a.model.params}, art)


def _target_id(b: Behaviour, actor_ids: list):
    if isinstance(b.target, tuple) and len(b.target) == 2 and b.target[0] == "actor":
        return {"action": b.action, "toward_track": actor_ids[b.target[1]]}
    return {"action": b.action, "toward_track": None}


