"""Situations: who does what. Each situation casts its main actors around the origin with the behaviours that make
it happen (an approach, a greeting, a hand-over, a chase, a collision and fall, a gathering)."""
from __future__ import annotations

import numpy as np

from engine.streams import child
from generators import actors
from generators.materials import pick
from scenes.motion.simulation import CONTACT_M, Actor, Behaviour, forward, heading_to

SITUATIONS = ("solo", "approach", "meet_and_greet", "hand_over", "chase", "collision_fall", "group_gathering")


def person(rng, role, style, position, heading, behaviours, part_names, body=None):
    """A new person actor with a drawn body (or the given one)."""
    model = body if body is not None else actors.humanoid(child(rng), part_names)
    return Actor("person", role, style, model, np.asarray(position, float), heading, behaviours)


def _facing(a, b) -> float:
    return heading_to(np.asarray(b, float) - np.asarray(a, float))


def solo_behaviours(rng, cfg, duration: float) -> list:
    """Two or three of the configured actions back to back, none twice in a row."""
    n = int(rng.integers(2, 4))
    cuts = np.sort(rng.uniform(0.2, 0.8, n - 1)) * duration
    lengths = np.diff(np.concatenate([[0.0], cuts, [duration]]))
    chosen = [pick(rng, list(cfg.actions)) for _ in range(n)]
    for k in range(1, n):                       # no action twice in a row: segments stay distinct
        while chosen[k] == chosen[k - 1] and len(cfg.actions) > 1:
            chosen[k] = pick(rng, list(cfg.actions))
    return [Behaviour(a, float(d) if k < n - 1 else None) for k, (a, d) in enumerate(zip(chosen, lengths))]


def cast_situation(rng, cfg, situation: str, duration: float, part_names, people=None) -> tuple[list, dict]:
    """The main actors of a situation around the origin, with their behaviours; bodies from `people` where given."""
    bodies = iter(people or [])
    style = lambda: pick(rng, list(cfg.styles))                                  # noqa: E731
    walk = actors.LOCOMOTION["walk"]
    info = {}
    if situation == "solo":
        h = float(rng.uniform(-180, 180))
        return [person(rng, "main", style(), (0, 0), h, solo_behaviours(rng, cfg, duration), part_names, next(bodies, None))], info
    if situation == "approach":
        gap = 1.3 + walk * duration * rng.uniform(0.35, 0.55)
        ang = rng.uniform(0, 2 * np.pi)
        a0 = np.array([np.cos(ang), np.sin(ang)]) * gap
        return [person(rng, "main", style(), a0, _facing(a0, (0, 0)),
                        [Behaviour("walk", target=("actor", 1), stop_radius=1.3, until=("near", 1, 1.35)),
                         Behaviour(pick(rng, ["stand", "wave", "reach"]))], part_names, next(bodies, None)),
                person(rng, "main", style(), (0, 0), _facing((0, 0), a0) + rng.uniform(-60, 60),
                        [Behaviour("stand", until=("near", 0, 2.5)), Behaviour(pick(rng, ["wave", "stand", "turn"]), 1.0),
                         Behaviour("stand")], part_names, next(bodies, None))], info
    if situation == "meet_and_greet":
        half = 0.7 + walk * duration * rng.uniform(0.2, 0.3)
        ang = rng.uniform(0, np.pi)
        a0, b0 = np.array([np.cos(ang), np.sin(ang)]) * half, -np.array([np.cos(ang), np.sin(ang)]) * half
        beh = lambda other: [Behaviour("walk", target=("actor", other), stop_radius=1.2, until=("near", other, 1.25)),  # noqa: E731
                             Behaviour("wave", 1.4), Behaviour("stand")]
        return [person(rng, "main", style(), a0, _facing(a0, b0), beh(1), part_names, next(bodies, None)),
                person(rng, "main", style(), b0, _facing(b0, a0), beh(0), part_names, next(bodies, None))], info
    if situation == "hand_over":
        gap = 1.0 + actors.LOCOMOTION["carry"] * duration * rng.uniform(0.25, 0.35)
        ang = rng.uniform(0, 2 * np.pi)
        a0 = np.array([np.cos(ang), np.sin(ang)]) * gap
        away = -a0 / np.linalg.norm(a0) * 6.0
        info["parcel"] = True
        return [person(rng, "main", style(), a0, _facing(a0, (0, 0)),
                        [Behaviour("carry", target=("actor", 1), stop_radius=0.85, until=("near", 1, 0.9)),
                         Behaviour("reach", 1.0), Behaviour("stand")], part_names, next(bodies, None)),
                person(rng, "main", style(), (0, 0), _facing((0, 0), a0),
                        [Behaviour("stand", until=("near", 0, 0.9)), Behaviour("reach", 1.0),
                         Behaviour("carry", target=tuple(away), stop_radius=0.2)], part_names, next(bodies, None))], info
    if situation == "chase":
        ang = rng.uniform(0, 2 * np.pi)
        d = np.array([np.cos(ang), np.sin(ang)])
        lead = d * rng.uniform(2.5, 4.0)
        goal = lead + d * 40.0 + np.array([-d[1], d[0]]) * rng.uniform(-6, 6)
        return [person(rng, "main", pick(rng, ["afraid", "neutral"]), lead, heading_to(d),   # the chaser is faster
                        [Behaviour("run", target=tuple(goal), until=("near", 1, 0.9)), Behaviour("fall", 1.2), Behaviour("stand")],
                        part_names, next(bodies, None)),
                person(rng, "main", pick(rng, ["angry", "happy"]), (0, 0), heading_to(d),
                        [Behaviour("stand", float(rng.uniform(0.2, 0.6))),
                         Behaviour("run", target=("actor", 0), stop_radius=0.8, until=("near", 0, 0.9)),
                         Behaviour("stand")], part_names, next(bodies, None))], info
    if situation == "collision_fall":
        meet_t = duration * rng.uniform(0.4, 0.55)
        cross = rng.uniform(70, 110)
        ang = rng.uniform(0, 360)
        styles = [style(), style()]
        start = []
        for k, deg in enumerate((ang, ang + cross)):
            speed = actors.human_program("walk", 0.0, actors.STYLES[styles[k]])[1]
            start.append(-forward(deg) * speed * meet_t)
        return [person(rng, "main", styles[0], start[0], ang,
                        [Behaviour("walk", target=tuple(-start[0] * 3), until=("near", 1, CONTACT_M - 0.05)),
                         Behaviour("stand", 0.8), Behaviour("crouch")], part_names, next(bodies, None)),
                person(rng, "main", styles[1], start[1], ang + cross,
                        [Behaviour("walk", target=tuple(-start[1] * 3), until=("near", 0, CONTACT_M - 0.05)),
                         Behaviour("fall", 1.2), Behaviour("stand")], part_names, next(bodies, None))], info
    if situation == "group_gathering":
        n = int(rng.integers(3, 5))
        cast = []
        for k in range(n):
            ang = 2 * np.pi * k / n + rng.uniform(-0.3, 0.3)
            p0 = np.array([np.cos(ang), np.sin(ang)]) * (1.0 + walk * duration * rng.uniform(0.2, 0.4))
            spot = np.array([np.cos(ang), np.sin(ang)]) * rng.uniform(0.8, 1.1)
            st = style()
            walk_s = float(np.linalg.norm(spot - p0)) / (walk * actors.STYLES[st].tempo) + 0.4
            cast.append(person(rng, "main", st, p0, _facing(p0, (0, 0)),
                                [Behaviour("walk", walk_s, target=tuple(spot), stop_radius=0.05),
                                 Behaviour(pick(rng, ["stand", "wave", "stand", "dance"]))], part_names, next(bodies, None)))
        return cast, info
    raise ValueError(situation)
