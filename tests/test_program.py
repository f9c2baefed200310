"""scene=program (#16): the edit grammar and the joined spec without Blender (scenes and shots tile the frames, the
edit decision list keeps every rendered frame, the camera jumps exactly at the labelled cuts, a character is one
object through every scene), then one small rendered program: shot boundaries are where the rendered frames really
change, characters keep their ids across scenes, the edited MP4 has the program's frames and as much audio, and the
AVA, ActivityNet and DCASE exports load."""
import csv
import json

import av
import numpy as np
import pytest
from conftest import run_cli
from PIL import Image

from engine.checks import ConfigError
from engine.exports.ava import ACTIONS
from engine.streams import Streams
from generators import actors
from job.config import compose
from scenes.motion.events import joint_world
from scenes.program.edit import MIN_SCENE_S, plan_program, program_frames
from scenes.program.recipe import SCENE_SPACING_M, build


def _cfg(*extra):
    return compose(["scene=program", "render=preview", *extra]).scene


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_edit_plan_tiles_scenes_with_shots_and_keeps_every_frame(seed):
    cfg = _cfg("scene.duration_s=40", "scene.transitions=[cut,dissolve,fade]")
    plan = plan_program(np.random.default_rng(seed), cfg)
    for k, scene in enumerate(plan):
        assert scene.n_frames >= int(MIN_SCENE_S * cfg.fps) - 1
        assert scene.shots[0].kind == ("establishing" if k == 0 else "wide") and scene.shots[0].start == 0
        assert scene.shots[-1].end == scene.n_frames
        for a, b in zip(scene.shots, scene.shots[1:]):
            assert a.end == b.start and a.kind != b.kind
    edl = program_frames(plan, 6)
    shown = [r for row in edl for r, _ in row]
    total = sum(s.n_frames for s in plan)
    assert sorted(set(shown)) == list(range(total))                    # every rendered frame is in the program
    overlap = sum(min(6, s.n_frames // 3) for s in plan[1:] if s.transition_in == "dissolve")
    assert len(edl) == total - overlap
    for p, row in enumerate(edl):
        weight = sum(w for _, w in row)
        assert 0 < weight <= 1 + 1e-9 and len(row) <= 2
        assert len(row) == 1 or abs(weight - 1) < 1e-9                 # a dissolve's two sources sum to 1


def test_camera_jumps_only_at_cuts_and_characters_are_one_object():
    spec = build(_cfg("scene.duration_s=16", "scene.fps=6"), Streams((3, 0, 0)), 0, 128, 96)
    eye = np.array([np.asarray(p)[:3, 3] for p in spec.camera.poses])
    step = np.linalg.norm(np.diff(eye, axis=0), axis=1)
    cuts = set(spec.cuts)
    assert cuts and max(step[f] for f in range(len(step)) if f not in cuts) < 1.5      # smooth within a shot
    assert min(step[f] for f in cuts) > 1.5                                            # a shot change moves the eye
    for scene in spec.timeline.scenes:
        k = spec.timeline.scenes.index(scene)
        frames = range(scene["first"], scene["first"] + scene["n_frames"])
        for c in spec.timeline.characters:
            pelvis = joint_world(spec, c, "pelvis")[list(frames)]
            assert np.all(np.abs(pelvis[:, 0] - SCENE_SPACING_M * k) < 200)           # the character is in this scene
        assert np.all(np.abs(eye[list(frames), 0] - SCENE_SPACING_M * k) < 500)       # and so is the camera
    person = [o for o in spec.objects if o.instance_id in spec.timeline.characters]
    assert len(person) == 2 and all(len(o.poses) == spec.n_frames for o in person)


def test_program_config_errors_are_one_line():
    with pytest.raises(ConfigError, match="scene.shot_types"):
        compose(["scene=program", "scene.shot_types=[dutch_angle]"])
    with pytest.raises(ConfigError, match="scene.duration_s"):
        compose(["scene=program", "scene.duration_s=2"])


def test_ava_action_ids_follow_the_actions_of_people():
    assert ACTIONS == actors.HUMAN_ACTIONS


@pytest.mark.render
def test_rendered_program(tmp_path):
    out = tmp_path / "program"
    result = run_cli("scene=program", "render=preview", "n=1", "seed=0", "render.resolution=[128,96]",
                     "render.samples=4", "scene.duration_s=10", "scene.fps=6", "scene.transitions=[dissolve]",
                     "export.formats=[ava,activitynet,dcase]", "output.report=false", f"out={out}")
    assert result.returncode == 0, result.stderr[-2000:]
    folder = out / "samples" / "000000"
    labels = json.loads((folder / "labels.json").read_text())
    program = labels["program"]
    n = len(labels["frames"])
    # shot boundaries are where the pictures change: the share of pixels whose instance changes between consecutive
    # rendered frames is larger at every labelled cut than anywhere inside a shot
    inst = [np.array(Image.open(folder / f"{f:04d}" / "instance.png")) for f in range(n)]
    change = {f: float((inst[f] != inst[f - 1]).mean()) for f in range(1, n)}
    cuts = {s["rendered_frames"][0] for s in program["shots"]} - {0}
    assert len(cuts) >= 2
    assert min(change[f] for f in cuts) > max(v for f, v in change.items() if f not in cuts)
    assert min(change[f] for f in cuts) > 0.3
    # shots tile the program; characters keep their ids across scenes
    assert program["shots"][0]["start_frame"] == 0 and program["shots"][-1]["end_frame"] == program["n_frames"] - 1
    for a, b in zip(program["shots"], program["shots"][1:]):
        assert b["start_frame"] <= a["end_frame"] + 1
    for c in program["characters"]:
        scenes = {s["scene"] for s in program["shots"] if c in s["characters"]}
        assert scenes == {s["index"] for s in program["scenes"]}, (c, scenes)
        assert {o["class_path"] for f in labels["frames"] for o in f["objects"] if o["instance_id"] == c} == {"actor/person"}
    # the edited video: the program's frames, as much audio, the importance per frame
    with av.open(str(folder / "video.mp4")) as container:
        n_video = sum(1 for _ in container.decode(video=0))
    with av.open(str(folder / "video.mp4")) as container:
        n_audio = sum(f.samples for f in container.decode(audio=0))
    assert n_video == program["n_frames"] == len(program["importance"]) < n     # a dissolve overlaps two scenes
    assert abs(n_audio / 48000 - n_video / 6) <= 1 / 6
    for e in labels["audio"]["events"]:
        assert 0 <= e["onset_s"] < e["offset_s"] <= program["duration_s"] + 1e-6
    for s in labels["audio"]["speech"]:
        line = labels["script"][s["lang"]][s["line"]]
        assert line["start_s"] <= s["start_s"] and s["end_s"] <= line["end_s"] + 1e-6
    # exports load as their users read them
    with open(out / "ava" / "train.csv", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows and all(len(r) == 8 and 0 <= float(r[2]) < float(r[4]) <= 1 and int(r[7]) > 0 for r in rows)
    assert {int(r[7]) for r in rows} & set(program["characters"])
    captions = json.loads((out / "activitynet" / "train.json").read_text())["v_000000"]
    assert captions["duration"] == program["duration_s"]
    assert all(0 <= a < b <= captions["duration"] + 1e-6 for a, b in captions["timestamps"])
    assert (out / "dcase" / "metadata" / "train.tsv").read_text().startswith("filename\tonset\toffset\tevent_label")
