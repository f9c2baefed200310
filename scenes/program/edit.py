"""The edit grammar of a program: scenes (a situation in a context each, the same characters throughout), cut into
shots of several types, joined by transitions. Pure planning: frame counts, shot types, transitions and titles."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from generators.materials import pick

SHOT_TYPES = ("wide", "medium", "close_up", "over_the_shoulder", "insert")
TRANSITIONS = ("cut", "dissolve", "fade")
SITUATIONS = ("approach", "meet_and_greet", "hand_over", "chase", "collision_fall")   # the two characters meet in each
MIN_SCENE_S = 4.0


@dataclass
class Shot:
    kind: str                  # establishing | wide | medium | close_up | over_the_shoulder | insert
    start: int                 # the scene's rendered frames [start, end)
    end: int
    focus: int = 0             # medium, close-up, insert: which character (0, 1); over-the-shoulder: over whose shoulder


@dataclass
class ScenePlan:
    context: str
    situation: str
    n_frames: int
    transition_in: str         # cut | dissolve | fade (the first scene fades in from black)
    shots: list = field(default_factory=list)


def plan_program(rng, cfg) -> list[ScenePlan]:
    """Scenes summing to about scene.duration_s (each at least MIN_SCENE_S), each opening on a wide (the first on an
    establishing shot), then shots of scene.shot_s seconds of the configured types, no type twice in a row."""
    fps = float(cfg.fps)
    count = int(rng.integers(cfg.scenes[0], cfg.scenes[1] + 1))
    count = max(1, min(count, int(cfg.duration_s // MIN_SCENE_S)))
    shares = rng.dirichlet(np.full(count, 4.0))
    spare = cfg.duration_s - count * MIN_SCENE_S
    lengths = [int(round((MIN_SCENE_S + spare * s) * fps)) for s in shares]
    contexts = _no_repeats(rng, list(cfg.contexts), count)
    scenes = []
    for k, n in enumerate(lengths):
        transition = "fade" if k == 0 else pick(rng, list(cfg.transitions))
        plan = ScenePlan(contexts[k], pick(rng, list(cfg.situations)), n, transition)
        plan.shots = _shots(rng, cfg, n, fps, establishing=k == 0, situation=plan.situation)
        scenes.append(plan)
    return scenes


def _no_repeats(rng, options: list, count: int) -> list:
    chosen = []
    for _ in range(count):
        free = [o for o in options if not chosen or o != chosen[-1]] or options
        chosen.append(pick(rng, free))
    return chosen


def _shots(rng, cfg, n: int, fps: float, establishing: bool, situation: str) -> list:
    shots, at = [], 0
    first = int(round(min(cfg.establishing_s, n / fps / 2) * fps))
    shots.append(Shot("establishing" if establishing else "wide", 0, max(1, first)))
    at = shots[-1].end
    kinds = [k for k in cfg.shot_types if k != "insert" or situation == "hand_over"] or ["wide"]
    while at < n:
        length = int(round(rng.uniform(*cfg.shot_s) * fps))
        end = n if n - (at + length) < cfg.shot_s[0] * fps / 2 else min(n, at + length)
        kind = pick(rng, [k for k in kinds if k != shots[-1].kind] or kinds)
        shots.append(Shot(kind, at, end, int(rng.integers(2))))
        at = end
    return shots


def program_frames(scenes: list[ScenePlan], transition_frames: int) -> list:
    """The edit decision list: per program frame [(rendered frame, weight), ...] (weights sum to 1, or less in a
    fade through black). A dissolve overlaps the scenes' ends by transition_frames; a fade darkens the outgoing
    scene's last and brightens the incoming scene's first transition_frames; the program fades in and out."""
    edl, offset = [], 0
    for k, scene in enumerate(scenes):
        rows = [[(offset + f, 1.0)] for f in range(scene.n_frames)]
        t = min(transition_frames, scene.n_frames // 3)
        if scene.transition_in == "dissolve" and edl:
            for j in range(t):
                w = (j + 1) / (t + 1)
                edl[-t + j] = [(r, wt * (1 - w)) for r, wt in edl[-t + j]] + [(offset + j, w)]
            rows = rows[t:]
        elif scene.transition_in == "fade":
            for j in range(t):
                rows[j] = [(offset + j, (j + 1) / (t + 1))]
                if edl:                                   # the outgoing scene darkens too
                    edl[-t + j] = [(r, wt * (1 - (j + 1) / (t + 1))) for r, wt in edl[-t + j]]
        edl += rows
        offset += scene.n_frames
    t = min(transition_frames, len(edl) // 3)
    for j in range(t):                                      # fade out at the end
        edl[-t + j] = [(r, wt * (1 - (j + 1) / (t + 1))) for r, wt in edl[-t + j]]
    return edl
