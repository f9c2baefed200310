"""A program's clip layers: each scene's actions, events and script (the motion family's, on the scene's own spec),
moved into the program (rendered frames, program seconds, program track ids); the program layer: scenes with chapter
titles, shots with their type, transition and characters in view, the edit decision list, per-frame importance and a
summary in both languages."""
from __future__ import annotations

import numpy as np

from engine.labels import ClipLayers
from scenes.motion import events as motion_events
from scenes.motion.text import CONTEXT_PHRASES, SITUATION_TEXT, script
from scenes.text import conj, obj, subj

CHAPTERS = {"approach": ("The approach", "다가감"), "meet_and_greet": ("The meeting", "만남"),
            "hand_over": ("The parcel", "상자 전달"), "chase": ("The chase", "추격"), "collision_fall": ("The fall", "넘어짐")}
# what makes a moment worth keeping in a summary (TVSum/SumMe-style importance): events by weight, characters in view
EVENT_WEIGHT = {"collision": 1.0, "hand_over": 0.9, "greet": 0.8, "chase": 0.8, "meet": 0.6, "approach": 0.4,
                "vehicle_passes": 0.3, "gathering": 0.5}


def program_starts(spec) -> list:
    """Each scene's first program frame (where its first rendered frame shows)."""
    edl = spec.timeline.edl
    first_seen = {}
    for p, row in enumerate(edl):
        for r, _ in row:
            first_seen.setdefault(r, p)
    return [first_seen[s["first"]] for s in spec.timeline.scenes]


def scene_weights(spec, k: int) -> np.ndarray:
    """Per program frame, how much of scene k the picture shows (the EDL's weights)."""
    scene = spec.timeline.scenes[k]
    lo, hi = scene["first"], scene["first"] + scene["n_frames"]
    return np.array([sum(w for r, w in row if lo <= r < hi) for row in spec.timeline.edl])


def scene_layers(spec, tracks: list) -> list:
    """Per scene, the motion layers on the scene's own spec (local frames and ids): (actions, events, script)."""
    in_view = {t["track_id"]: set(t["frames_in_view"]) for t in tracks}
    out = []
    for scene, sub in zip(spec.timeline.scenes, spec.timeline.scene_specs):
        ids = {int(a): b for a, b in scene["ids"].items()}
        present = {a.track_id: np.array([scene["first"] + f in in_view.get(ids[a.track_id], ()) for f in range(sub.n_frames)])
                   for a in sub.timeline.actors}
        actions = motion_events.action_segments(sub)
        found = motion_events.derive_events(sub, present)
        out.append((actions, found, script(sub, actions, found)))
    return out


def _moved(item: dict, first: int, start_s: float, ids: dict) -> dict:
    """An action, event or script line of a scene in the program: frames + first, seconds + start_s, program ids."""
    out = dict(item)
    for key in ("start_frame", "end_frame"):
        if key in out:
            out[key] += first
    for key in ("start_s", "end_s"):
        out[key] = round(out[key] + start_s, 4)
    for key in ("track_id", "toward_track"):
        if out.get(key) is not None:
            out[key] = ids[out[key]]
    if "participants" in out:
        out["participants"] = [ids[p] for p in out["participants"]]
    return out


def clip_layers(spec, frame_labels: list, tracks: list, taxonomy) -> ClipLayers:
    tl, fps = spec.timeline, spec.fps
    starts = program_starts(spec)
    actions, found, lines = [], [], {"en": [], "ko": []}
    for k, (scene, (acts, evs, scr)) in enumerate(zip(tl.scenes, scene_layers(spec, tracks))):
        ids = {int(a): b for a, b in scene["ids"].items()}
        actions += [_moved(a, scene["first"], starts[k] / fps, ids) for a in acts]
        found += [_moved(e, scene["first"], starts[k] / fps, ids) for e in evs]
        for lang in lines:
            lines[lang] += [_moved(line, 0, starts[k] / fps, ids) for line in scr[lang]]
    return ClipLayers(actions, found, lines, {}, {"program": program_layer(spec, frame_labels, found, starts)})


def program_layer(spec, frame_labels: list, found: list, starts: list) -> dict:
    tl, fps = spec.timeline, spec.fps
    seen = [{o["instance_id"] for o in f["objects"] if o["pixel_count"] > 0} for f in frame_labels]
    to_program = {}
    for p, row in enumerate(tl.edl):
        for r, w in row:
            if w >= 0.5 or r not in to_program:
                to_program[r] = p
    scenes, shots = [], []
    for k, scene in enumerate(tl.scenes):
        en_ctx, ko_ctx = CONTEXT_PHRASES[scene["context"]]
        title_en, title_ko = CHAPTERS[scene["situation"]]
        end = starts[k + 1] - 1 if k + 1 < len(starts) else len(tl.edl) - 1
        scenes.append({"index": k, "context": scene["context"], "situation": scene["situation"],
                       "title": {"en": f"{k + 1}. {title_en} ({en_ctx})", "ko": f"{k + 1}. {title_ko} ({ko_ctx})"},
                       "start_frame": starts[k], "end_frame": end, "start_s": round(starts[k] / fps, 4),
                       "end_s": round((end + 1) / fps, 4), "transition_in": scene["transition_in"],
                       "rendered_frames": [scene["first"], scene["first"] + scene["n_frames"] - 1]})
        for j, shot in enumerate(scene["shots"]):
            p0, p1 = to_program[shot["start"]], to_program[shot["end"] - 1]
            people = sorted(set.union(*[seen[f] for f in range(shot["start"], shot["end"])]) & set(tl.characters))
            shots.append({"index": len(shots), "scene": k, "kind": shot["kind"], "start_frame": p0, "end_frame": p1,
                          "start_s": round(p0 / fps, 4), "end_s": round((p1 + 1) / fps, 4),
                          "rendered_frames": [shot["start"], shot["end"] - 1], "focus_track": shot["focus_track"],
                          "transition_in": scene["transition_in"] if j == 0 else "cut", "characters": people})
    return {"fps": fps, "n_frames": len(tl.edl), "duration_s": round(len(tl.edl) / fps, 4), "edl": tl.edl,
            "characters": tl.characters, "scenes": scenes, "shots": shots,
            "importance": importance(spec, found, seen, to_program), "summary": summary(spec)}


def importance(spec, found: list, seen: list, to_program: dict) -> list:
    """Per program frame 0..1: 0.1, plus the strongest event under way (EVENT_WEIGHT) x 0.6, plus 0.3 x the share of
    characters in view, smoothed over half a second."""
    n = len(spec.timeline.edl)
    score = np.full(n, 0.1)
    strongest = np.zeros(n)
    for e in found:
        for r in range(e["start_frame"], e["end_frame"] + 1):
            strongest[to_program[r]] = max(strongest[to_program[r]], EVENT_WEIGHT.get(e["type"], 0.3))
    chars = set(spec.timeline.characters)
    share = np.zeros(n)
    for r, p in to_program.items():
        share[p] = max(share[p], len(seen[r] & chars) / len(chars))
    score += 0.6 * strongest + 0.3 * share
    width = max(1, int(round(spec.fps / 2)))
    smooth = np.convolve(np.pad(score, width, mode="edge"), np.ones(2 * width + 1) / (2 * width + 1), mode="valid")
    return [round(float(v), 4) for v in np.clip(smooth, 0, 1)]


def summary(spec) -> dict:
    """What happens, scene by scene, in both languages."""
    tl = spec.timeline
    names = tl.scene_specs[0].timeline.actors
    a, b = names[0].appearance, names[1].appearance
    en, ko = [], []
    for scene in tl.scenes:
        en_t, ko_t = SITUATION_TEXT[scene["situation"]]
        ctx_en, ctx_ko = CONTEXT_PHRASES[scene["context"]]
        en.append(en_t.format(A=a["en_short"], B=b["en_short"]) + " " + ctx_en)
        ko.append(ctx_ko + " " + ko_t.format(A_s=subj(a["ko_short"]), A_and=conj(a["ko_short"]), B=b["ko_short"],
                                             B_s=subj(b["ko_short"]), A_o=obj(a["ko_short"])))
    return {"en": ("First, " + "; then ".join(s[0].lower() + s[1:] for s in en) + "."),
            "ko": " 그다음 ".join(k + "." for k in ko)}
