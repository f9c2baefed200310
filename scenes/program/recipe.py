"""The program recipe: two characters drawn once; each scene built by the motion recipe with them and with its shots'
cameras; then the scenes laid far apart (SCENE_SPACING_M, past the camera's clip distance, so no scene sees another)
and joined into one spec whose rendered frames run scene after scene. A character is one object (one instance id)
through the whole program: re-identification ground truth by construction."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.spec import Articulation, SceneObject, SceneSpec
from engine.streams import Streams, child
from engine.taxonomy import load_taxonomy
from generators import actors
from generators.materials import pick
from generators.sky import environment
from scenes.motion.recipe import build_scene
from scenes.motion.text import appearance
from scenes.program.edit import plan_program, program_frames
from scenes.program.shots import program_camera

SCENE_SPACING_M = 20000.0
CHARACTERS = 2


@dataclass
class ProgramTimeline:
    """What the program's clip layers derive from (saved in scene.json); the scenes' own specs ride along unsaved."""
    characters: list            # instance ids of the recurring characters
    scenes: list                # per scene: context, situation, first (rendered frame), n_frames, transition_in,
                                # shots [{kind, start, end (rendered), focus_track}], ids {scene-local id: program id}
    edl: list                   # per program frame: [[rendered frame, weight], ...]


class _Person:
    """Enough of a motion Actor for appearance(): a kind and a body."""
    kind = "person"

    def __init__(self, model):
        self.model = model


def characters(rng, part_names) -> list:
    """Two people who look different (captions and narration tell them apart)."""
    people = []
    for _ in range(CHARACTERS):
        body = actors.humanoid(child(rng), part_names)
        for _ in range(20):
            if appearance(_Person(body))["en_short"] not in [appearance(_Person(p))["en_short"] for p in people]:
                break
            body = actors.humanoid(child(rng), part_names)
        people.append(body)
    return people


def build(cfg, streams: Streams, index: int, width: int, height: int) -> SceneSpec:
    part_names = load_taxonomy().skeletons["humanoid"]["parts"]
    plan = plan_program(streams["edit"], cfg)
    sky = streams["environment"]
    env, env_tags = environment(sky, pick(sky, list(cfg.times_of_day)), pick(sky, list(cfg.weathers)))
    people = characters(streams["characters"], part_names)
    scenes = []
    for k, scene in enumerate(plan):
        def place(rng, main, subject, cast, n_frames, shots=scene.shots):
            camera, views = program_camera(rng, shots, main, n_frames, float(cfg.focal_mm), width, height)
            return camera, {"mode": "program", "shots": views}
        scenes.append(build_scene(cfg, Streams((*streams.key, 1 + k)), scene.situation, scene.context,
                                  scene.n_frames, place, env, env_tags, people))
    return join(plan, scenes, env, env_tags, cfg)


def join(plan: list, scenes: list, env, env_tags: dict, cfg) -> SceneSpec:
    """One spec of all scenes' frames: scene k shifted SCENE_SPACING_M * k east; the characters' per-scene objects
    joined into one each; every other moving object holds still outside its scene's frames."""
    total = sum(s.n_frames for s in scenes)
    firsts = np.concatenate([[0], np.cumsum([s.n_frames for s in scenes])[:-1]]).astype(int)
    shift = [np.array([SCENE_SPACING_M * k, 0.0, 0.0]) for k in range(len(scenes))]
    objects = []
    for c in range(CHARACTERS):
        parts = [s.object_by_id(c + 1) for s in scenes]
        objects.append(_joined(c + 1, parts, shift))
    info = []
    for k, (scene, s) in enumerate(zip(plan, scenes)):
        ids = {c + 1: c + 1 for c in range(CHARACTERS)}
        for o in s.objects:
            if o.instance_id in ids:
                continue
            ids[o.instance_id] = len(objects) + 1
            objects.append(_padded(o, len(objects) + 1, shift[k], firsts[k], total))
        shots = [{"kind": sh.kind, "start": int(firsts[k] + sh.start), "end": int(firsts[k] + sh.end),
                  "focus_track": None if view["focus"] is None else int(view["focus"]) + 1}
                 for sh, view in zip(scene.shots, s.tags["camera"]["shots"])]
        info.append({"context": scene.context, "situation": scene.situation, "first": int(firsts[k]),
                     "n_frames": scene.n_frames, "transition_in": scene.transition_in, "shots": shots,
                     "ids": {str(a): b for a, b in ids.items()}, "tags": {k2: v for k2, v in s.tags.items() if k2 != "camera"}})
    poses = [_translation(shift[k]) @ np.asarray(p) for k, s in enumerate(scenes) for p in s.camera.poses]
    camera = scenes[0].camera
    camera.poses = poses
    transition = max(1, int(round(cfg.transition_s * cfg.fps)))
    timeline = ProgramTimeline([c + 1 for c in range(CHARACTERS)], info,
                               [[[int(r), round(float(w), 5)] for r, w in row] for row in program_frames(plan, transition)])
    timeline.scene_specs = scenes                                   # not a field: not saved, used by the clip layers
    tags = {**env_tags, "n_scenes": len(scenes), "n_shots": sum(len(s["shots"]) for s in info),
            "contexts": [s["context"] for s in info], "situations": [s["situation"] for s in info],
            "fps": float(cfg.fps), "duration_s": round(len(timeline.edl) / cfg.fps, 4), "rendered_frames": total}
    cuts = [shot["start"] - 1 for scene in info for shot in scene["shots"] if shot["start"] > 0]
    return SceneSpec(family="program", category="program/" + "+".join(s["situation"] for s in info), objects=objects,
                     camera=camera, environment=env, n_frames=total, fps=float(cfg.fps), tags=tags,
                     subject_instance_id=None, timeline=timeline, cuts=cuts)


def _translation(offset) -> np.ndarray:
    m = np.eye(4)
    m[:3, 3] = offset
    return m


def _joined(iid: int, parts: list, shift: list) -> SceneObject:
    """A character's objects of every scene as one: poses, bone poses and joints run on scene after scene."""
    first = parts[0]
    poses = [_translation(shift[k]) @ np.asarray(p) for k, o in enumerate(parts) for p in o.poses]
    art = first.articulation
    joined = Articulation(art.skeleton, art.face_part, np.concatenate([o.articulation.part_poses for o in parts]),
                          np.concatenate([o.articulation.joints for o in parts]), art.skin, art.bind)
    return SceneObject(iid, first.class_path, f"person_{iid:02d}", first.mesh, first.materials, poses,
                       {**first.attributes, "character": iid}, first.source, joined)


def _padded(o: SceneObject, iid: int, offset, first: int, total: int) -> SceneObject:
    """An object of one scene, shifted; a moving one holds its first and last pose outside the scene's frames."""
    poses = [_translation(offset) @ np.asarray(p) for p in o.poses]
    art = o.articulation
    if len(poses) > 1:
        after = total - first - len(poses)
        poses = [poses[0]] * first + poses + [poses[-1]] * after
        if art is not None:
            pad = lambda a: np.concatenate([np.repeat(a[:1], first, 0), a, np.repeat(a[-1:], after, 0)])  # noqa: E731
            art = Articulation(art.skeleton, art.face_part, pad(art.part_poses), pad(art.joints), art.skin, art.bind)
    return SceneObject(iid, o.class_path, o.name, o.mesh, o.materials, poses, o.attributes, o.source, art, o.morph)
