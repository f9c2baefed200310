"""scene=motion: actors, their motion and the clip layers. Fast checks on the recipe (no Blender), then the exactness
invariants of issue #4 on real clips (the shared `motion` run of conftest): keypoints, body parts, flow against
Cycles' own vector pass, tracks, action segments, events, script, MP4, COCO keypoints and MOT."""
import json

import numpy as np
import OpenEXR
import pytest
from conftest import camera_project, load_json, read_frame, run_cli
from pycocotools.coco import COCO

from engine.checks import ConfigError
from engine.streams import Streams
from engine.taxonomy import load_taxonomy
from job.config import compose
from scenes.motion import camera, events, simulation, situations
from scenes.motion.recipe import build

TAX = load_taxonomy()
# the COCO keypoint standard (person_keypoints_2017.json)
COCO_PERSON_KEYPOINTS = ["nose", "left_eye", "right_eye", "left_ear", "right_ear", "left_shoulder", "right_shoulder",
                         "left_elbow", "right_elbow", "left_wrist", "right_wrist", "left_hip", "right_hip", "left_knee",
                         "right_knee", "left_ankle", "right_ankle"]
COCO_PERSON_SKELETON = [[16, 14], [14, 12], [17, 15], [15, 13], [12, 13], [6, 12], [7, 13], [6, 7], [6, 8], [7, 9],
                        [8, 10], [9, 11], [2, 3], [1, 2], [1, 3], [2, 4], [3, 5], [4, 6], [5, 7]]


def _spec(situation: str, seed: int = 0, frames: int = 36, context: str = "park"):
    cfg = compose(["scene=motion", "render=preview", f"scene.situations=[{situation}]", f"scene.frames={frames}",
                   f"scene.contexts=[{context}]"])
    return build(cfg.scene, Streams((seed, 0, 0)), 0, 128, 96)


@pytest.mark.parametrize("situation", situations.SITUATIONS)
def test_action_segments_tile_each_actor_without_gaps_or_overlaps(situation):
    spec = _spec(situation)
    segments = events.action_segments(spec)
    for actor in spec.timeline.actors:
        mine = sorted((s for s in segments if s["track_id"] == actor.track_id), key=lambda s: s["start_frame"])
        assert mine[0]["start_frame"] == 0 and mine[-1]["end_frame"] == spec.n_frames - 1
        for a, b in zip(mine, mine[1:]):
            assert b["start_frame"] == a["end_frame"] + 1
        for s in mine:   # the segment's label is what the actor did on every frame of it
            assert set(actor.actions[s["start_frame"]:s["end_frame"] + 1]) == {s["action"]}
            assert s["style"] == actor.style in ("neutral", "happy", "sad", "angry", "afraid")


@pytest.mark.parametrize("situation", situations.SITUATIONS)
def test_events_hold_on_the_trajectories(situation):
    """Each derived event's condition holds on every frame it spans (distances measured here from the trajectories)."""
    spec = _spec(situation, seed=1)
    present = {a.track_id: np.ones(spec.n_frames, bool) for a in spec.timeline.actors}
    found = events.derive_events(spec, present)
    xy = {a.track_id: np.array(a.trajectory_world)[:, :2] for a in spec.timeline.actors}
    expected = {"meet_and_greet": {"meet", "greet"}, "collision_fall": {"collision"}, "hand_over": {"hand_over"},
                "group_gathering": {"gathering"}, "chase": {"chase"}, "approach": {"approach", "meet"}}
    assert expected.get(situation, set()) <= {e["type"] for e in found}, [e["type"] for e in found]
    for e in found:
        frames = np.arange(e["start_frame"], e["end_frame"] + 1)
        p = e["participants"]
        d = np.linalg.norm(xy[p[0]][frames] - xy[p[-1]][frames], axis=1) if len(p) > 1 else None
        if e["type"] in ("meet", "greet"):
            assert np.all(d <= simulation.MEET_M + 1e-9)
        if e["type"] == "collision":
            assert np.all(d <= simulation.CONTACT_M + 1e-9)
        if e["type"] == "gathering":
            pts = np.stack([xy[k][frames] for k in p])
            assert np.all(np.linalg.norm(pts - pts.mean(axis=0), axis=2) <= simulation.GATHER_M + 1e-9)
        if e["type"] == "hand_over":
            holder = spec.timeline.parcel.holder
            assert holder[e["start_frame"]] == p[0] or holder[e["end_frame"]] == p[1]
            assert p[0] in holder and p[1] in holder


def test_bodies_are_rigid_and_stand_on_the_ground():
    """Bone lengths never change over a clip, and the lowest point of every person is on the ground (z = 0) except
    while jumping or dancing (airborne by design)."""
    spec = _spec("solo", seed=3, frames=60)
    bones = TAX.skeletons["humanoid"]["bones"]
    for obj in spec.objects:
        if obj.class_path != "actor/person":
            continue
        joints = obj.articulation.joints
        lengths = np.stack([np.linalg.norm(joints[:, a] - joints[:, b], axis=1) for a, b in bones], axis=1)
        assert np.allclose(lengths, lengths[0], atol=1e-9)
        actions = spec.timeline.actor(obj.instance_id).actions
        for f in range(spec.n_frames):
            low = obj.world_vertices(f)[:, 2].min()
            assert low >= -1e-9 and (actions[f] in ("jump", "dance") or abs(low) < 1e-9)


def test_styles_change_how_an_action_is_performed():
    """A sad walk is slower, smaller and more bent than a happy one (the intended style, as the grammar sets it)."""
    from generators import actors
    happy = [actors.human_program("walk", t, actors.STYLES["happy"]) for t in np.linspace(0, 2, 25)]
    sad = [actors.human_program("walk", t, actors.STYLES["sad"]) for t in np.linspace(0, 2, 25)]
    assert happy[0][1] > sad[0][1]
    assert max(abs(a["l_hip_flex"]) for a, _, _ in happy) > max(abs(a["l_hip_flex"]) for a, _, _ in sad)
    assert sad[0][0]["neck_pitch"] > happy[0][0]["neck_pitch"] and sad[0][0]["spine_pitch"] > happy[0][0]["spine_pitch"]


@pytest.mark.parametrize("override", ["scene.situations=[fly]", "scene.actions=[teleport]", "scene.camera_modes=[crane]",
                                      "scene.fps=0", "scene.styles=[bored]"])
def test_bad_motion_override_is_one_line(override):
    with pytest.raises(ConfigError) as err:
        compose(["scene=motion", override])
    assert "\n" not in str(err.value) and override.split("=")[0] in str(err.value)


# ---- on real renders -------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module", params=["motion", "distorted"])
def clips(rendered_runs, request):
    """The motion run's clips, then the same clips through a lens with barrel distortion."""
    out = rendered_runs[request.param]
    return out, sorted(p for p in (out / "samples").iterdir() if p.is_dir())


def _actor_objects(frame):
    return [o for o in frame["objects"] if "keypoints_2d" in o]



@pytest.mark.render
def test_a_visible_face_point_faces_the_camera(clips):
    """A person whose nose is labelled visible turns their face to the camera (within 10 degrees of side-on): the
    face's forward direction, across the ears and up the head, points at the camera (the part pass alone cannot
    tell: the back of the head is the same part as the face)."""
    _, samples = clips
    joints = TAX.skeletons["humanoid"]["joints"]
    nose, head, top, ear_l, ear_r = (joints.index(n) for n in ("nose", "head", "head_top", "left_ear", "right_ear"))
    seen = hidden = 0
    for sample in samples:
        for frame in load_json(sample / "labels.json")["frames"]:
            eye = np.linalg.inv(np.array(frame["camera"]["world_to_camera"]))[:3, 3]
            for obj in _actor_objects(frame):
                if obj["class_path"] != "actor/person" or obj["keypoints_2d"][nose][2] == 0:
                    continue
                world = np.array(obj["keypoints_3d_world"])
                forward = np.cross(world[top] - world[head], world[ear_r] - world[ear_l])
                to_camera = eye - world[nose]
                facing = forward @ to_camera / np.linalg.norm(forward) / np.linalg.norm(to_camera)
                if obj["keypoints_2d"][nose][2] == 2:
                    seen += 1
                    assert facing > -np.sin(np.deg2rad(10))
                else:
                    hidden += 1
    assert seen and hidden


@pytest.mark.render
def test_keypoints_project_and_visible_ones_sit_on_their_actor(clips):
    _, samples = clips
    checked = visible = 0
    for sample in samples:
        labels = load_json(sample / "labels.json")
        for frame in labels["frames"]:
            cam = frame["camera"]
            w2c = np.array(cam["world_to_camera"])
            passes = read_frame(sample, frame["index"])
            for obj in _actor_objects(frame):
                skeleton = TAX.skeletons[TAX[obj["class_path"]].skeleton]
                world = np.array(obj["keypoints_3d_world"])
                c = world @ w2c[:3, :3].T + w2c[:3, 3]
                uv = camera_project(cam, world)                  # OpenCV's projection, lens distortion included
                kp = np.array(obj["keypoints_2d"])
                inside = (c[:, 2] > 0) & (uv[:, 0] >= 0) & (uv[:, 0] < cam["width"]) & (uv[:, 1] >= 0) & (uv[:, 1] < cam["height"])
                # the lens polynomial is fitted over the image: off-image points only to a pixel
                assert np.allclose(kp[inside, :2], uv[inside], atol=1e-3 + cam.get("distortion_fit_px", 0))
                assert np.allclose(kp[:, :2], uv, atol=1.0)
                assert np.array_equal(kp[:, 2] > 0, inside)                           # 0 exactly when out of frame
                fx = cam["K"][0][0]
                for j, (x, y, v) in enumerate(obj["keypoints_2d"]):
                    checked += 1
                    r, col = int(y), int(x)
                    if v == 2:
                        visible += 1
                        assert passes["instance"][r, col] == obj["instance_id"]
                        part = skeleton["parts"][passes["part"][r, col] - 1]
                        assert part in skeleton["joint_parts"][skeleton["joints"][j]]
                    if skeleton["joints"][j] in skeleton.get("surface", ()) and v == 2:
                        # a visible point on the skin or shoe is what the pixel shows, not something in front of it
                        assert passes["depth"][r, col] >= c[j, 2] - (0.02 + 2.0 * c[j, 2] / fx)
                assert obj["num_keypoints"] == int(np.sum(kp[:, 2] > 0))
    assert checked > 300 and 0.2 < visible / checked < 0.98      # both visible and hidden keypoints were exercised


@pytest.mark.render
def test_body_parts_cover_exactly_the_actors(clips):
    _, samples = clips
    for sample in samples:
        labels = load_json(sample / "labels.json")
        for frame in labels["frames"][::3]:
            passes = read_frame(sample, frame["index"])
            actors = [o["instance_id"] for o in _actor_objects(frame)]
            on_actor = np.isin(passes["instance"], actors)
            assert np.array_equal(passes["part"] > 0, on_actor)
            for obj in _actor_objects(frame):
                n_parts = len(TAX.skeletons[TAX[obj["class_path"]].skeleton]["parts"])
                ids = passes["part"][passes["instance"] == obj["instance_id"]]
                assert ids.max(initial=0) <= n_parts
                assert sum(obj["part_pixel_counts"].values()) == obj["pixel_count"]


def _exr_flow(path):
    with OpenEXR.File(str(path)) as f:
        ch = {k: c.pixels for p in f.parts for k, c in p.channels.items()}
    return np.stack([-ch["ViewLayer.Vector.Z"], ch["ViewLayer.Vector.W"]], axis=-1)   # Blender: next frame in Z, W (y up)


@pytest.mark.render
def test_flow_matches_the_renderers_motion_vectors_and_lands_on_the_same_part(clips):
    """Our geometric flow agrees with Cycles' own vector pass on the moving actors' pixels, and following it from
    frame t lands on the same actor and body part at t+1 where that point is not hidden then."""
    _, samples = clips
    agree, total, same, followed = 0, 0, 0, 0
    for sample in samples:
        labels = load_json(sample / "labels.json")
        n = len(labels["frames"])
        assert not (sample / f"{n - 1:04d}" / "flow.npz").exists()          # no next frame, no flow
        for t in range(n - 1):
            a, b = read_frame(sample, t), read_frame(sample, t + 1)
            actors = np.isin(a["instance"], [o["instance_id"] for o in _actor_objects(labels["frames"][t])])
            vector = _exr_flow(sample / f"{t:04d}" / "render.exr")
            err = np.linalg.norm(a["flow"] - vector, axis=-1)[actors]
            moving = np.linalg.norm(a["flow"], axis=-1)[actors] > 0.05
            agree += int(np.sum(err[moving] < 0.1))
            total += int(moving.sum())
            rows, cols = np.nonzero(actors)
            x = np.floor(cols + 0.5 + a["flow"][rows, cols, 0]).astype(int)
            y = np.floor(rows + 0.5 + a["flow"][rows, cols, 1]).astype(int)
            ok = (x >= 0) & (x < a["instance"].shape[1]) & (y >= 0) & (y < a["instance"].shape[0])
            rows, cols, x, y = rows[ok], cols[ok], x[ok], y[ok]
            # hidden at t+1: another object, clearly nearer than the point was, covers the pixel it lands on
            hidden = (b["instance"][y, x] != a["instance"][rows, cols]) & (b["depth"][y, x] < a["depth"][rows, cols] - 0.3)
            match = (b["instance"][y, x] == a["instance"][rows, cols]) & (b["part"][y, x] == a["part"][rows, cols])
            same += int(match[~hidden].sum())
            followed += int((~hidden).sum())
    assert total > 1000 and agree / total >= 0.97, (agree, total)
    assert same / followed >= 0.85, (same, followed)


@pytest.mark.render
def test_tracks_actions_events_and_script_are_consistent(clips):
    out, samples = clips
    seen_events = set()
    for sample in samples:
        labels = load_json(sample / "labels.json")
        n = len(labels["frames"])
        tracks = {t["track_id"]: t for t in labels["tracks"]}
        for frame in labels["frames"]:
            for obj in frame["objects"]:
                assert obj["track_id"] == obj["instance_id"] and tracks[obj["track_id"]]["class_path"] == obj["class_path"]
        actor_ids = {o["instance_id"] for f in labels["frames"] for o in _actor_objects(f)}
        for tid in actor_ids:
            segs = sorted((s for s in labels["actions"] if s["track_id"] == tid), key=lambda s: s["start_frame"])
            covered = [f for s in segs for f in range(s["start_frame"], s["end_frame"] + 1)]
            assert covered == list(range(n))
            assert len(tracks[tid]["trajectory_world"]) == n
        for e in labels["events"]:
            seen_events.add(e["type"])
            assert 0 <= e["start_frame"] <= e["end_frame"] < n
            for p in e["participants"]:
                assert set(range(e["start_frame"], e["end_frame"] + 1)) <= set(tracks[p]["frames_in_view"])
        duration = n / labels["scene"]["tags"]["fps"]
        assert len(labels["script"]["en"]) == len(labels["script"]["ko"]) > 0
        for line in labels["script"]["en"] + labels["script"]["ko"]:
            assert 0 <= line["start_s"] < line["end_s"] <= duration + 1e-6 and line["text"]
    assert {"hand_over", "collision", "meet"} <= seen_events


@pytest.mark.render
def test_video_decodes_to_the_frames(clips):
    import av
    _, samples = clips
    sample = samples[0]
    with av.open(str(sample / "video.mp4")) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        decoded = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    frames = [read_frame(sample, i)["rgb"] for i in range(len(decoded))]
    assert len(decoded) == len(load_json(sample / "labels.json")["frames"])
    luma = np.array([0.299, 0.587, 0.114])
    for got, want in zip(decoded, frames):      # lossy H.264 of textured, 8-sample (noisy) preview frames: luma is
        assert got.shape == want.shape          # kept closely; yuv420p keeps colour at half resolution by design
        got, want = got.astype(float), want.astype(float)
        assert np.abs(got @ luma - want @ luma).mean() < 4.0
        h, w = (s // 2 * 2 for s in want.shape[:2])
        half = [a[:h, :w].reshape(h // 2, 2, w // 2, 2, 3).mean(axis=(1, 3)) for a in (got, want)]
        assert np.abs(half[0] - half[1]).mean() < 6.0


@pytest.mark.render
def test_coco_keypoints_and_mot_load(clips):
    out, samples = clips
    coco = COCO(str(out / "coco" / "annotations" / "instances_train.json"))
    person = TAX["actor/person"].id
    assert coco.loadCats(person)[0]["keypoints"] == COCO_PERSON_KEYPOINTS            # COCO's 17, in COCO's order
    assert coco.loadCats(person)[0]["skeleton"] == COCO_PERSON_SKELETON
    anns = coco.loadAnns(coco.getAnnIds(catIds=[person]))
    keypoint_file = COCO(str(out / "coco" / "annotations" / "person_keypoints_train.json"))   # as pose tools read it
    assert list(keypoint_file.cats) == [person] and len(keypoint_file.imgs) == len(coco.imgs)
    assert sorted(keypoint_file.anns) == sorted(a["id"] for a in anns)
    assert anns and all(len(a["keypoints"]) == 3 * 17 and a["num_keypoints"] == sum(v > 0 for v in a["keypoints"][2::3])
                        for a in anns)
    joints = TAX.skeletons["humanoid"]["joints"]
    by_key = {(a["video_id"], coco.imgs[a["image_id"]]["frame_index"], a["instance_id"]): a for a in anns}
    for video_id, sample in enumerate(samples, start=1):     # each COCO point is the native label of that joint
        for frame in load_json(sample / "labels.json")["frames"]:
            for obj in _actor_objects(frame):
                ann = by_key.get((video_id, frame["index"], obj["instance_id"]))
                if obj["class_path"] != "actor/person" or ann is None:
                    continue
                for k, name in enumerate(COCO_PERSON_KEYPOINTS):
                    x, y, v = obj["keypoints_2d"][joints.index(name)]
                    assert ann["keypoints"][3 * k:3 * k + 3] == ([x, y, v] if v else [0, 0, 0])
    # COCO's own keypoint evaluation reads the file (its 17 OKS sigmas) and scores the truth as a perfect prediction
    from pycocotools.cocoeval import COCOeval
    visible = [a for a in anns if a["num_keypoints"] > 0]
    predictions = coco.loadRes([{"image_id": a["image_id"], "category_id": person, "keypoints": a["keypoints"],
                                 "score": 1.0} for a in visible])
    evaluation = COCOeval(coco, predictions, "keypoints")
    evaluation.params.catIds = [person]
    evaluation.evaluate(), evaluation.accumulate()
    assert evaluation.eval["precision"][0, :, 0, 0, -1].mean() > 0.99           # AP at OKS 0.5, all areas
    for sample in samples:
        labels = load_json(sample / "labels.json")
        rows = [line.split(",") for line in (out / "mot" / sample.name / "gt" / "gt.txt").read_text().splitlines()]
        assert rows and all(len(r) == 9 for r in rows)
        expected = {(f["index"] + 1, o["instance_id"]) for f in labels["frames"] for o in f["objects"]
                    if o["class_path"] in ("actor/person", "actor/vehicle/car")}
        assert {(int(r[0]), int(r[1])) for r in rows} == expected
        for r in rows:
            frame = labels["frames"][int(r[0]) - 1]
            obj = next(o for o in frame["objects"] if o["instance_id"] == int(r[1]))
            x, y, w, h = obj["bbox_2d_amodal"]                     # MOT's left and top are 1-based
            assert [int(v) for v in r[2:6]] == [x + 1, y + 1, w, h] and abs(float(r[8]) - obj["visible_fraction"]) < 1e-6
        info = (out / "mot" / sample.name / "seqinfo.ini").read_text()
        assert f"seqLength={len(labels['frames'])}" in info


@pytest.mark.render
def test_same_seed_same_motion_labels(clips, tmp_path):
    from conftest import RUNS
    out, samples = clips
    args = [a for a in RUNS[out.name] if not a.startswith(("n=", "output.exr", "export."))] + ["n=1"]
    result = run_cli(*args, f"out={tmp_path / 'again'}", "output.exr=true", "export.formats=[coco,mot]")
    assert result.returncode == 0, result.stderr[-2000:]
    again = json.loads((tmp_path / "again" / "samples" / samples[0].name / "labels.json").read_text())
    assert again == load_json(samples[0] / "labels.json")


@pytest.mark.parametrize("mode", camera.CAMERA_MODES)
def test_camera_keeps_its_actors_in_frame_and_at_a_distance(mode):
    """Static and dolly cameras keep every main actor's joints in frame on every frame, pan and tracking the subject;
    no actor comes within MIN_EYE_M of the lens."""
    for seed in range(3):
        cfg = compose(["scene=motion", f"scene.camera_modes=[{mode}]", "scene.frames=30", "scene.bystanders=[1,2]"])
        spec = build(cfg.scene, Streams((seed, 1, 0)), seed, 160, 120)
        cam = spec.camera
        kept = [a.track_id for a in spec.timeline.actors if a.role == "main"]
        kept = kept if mode in ("static", "dolly") else kept[:1]
        for f in range(spec.n_frames):
            w2c = cam.world_to_camera(f)
            eye = np.linalg.inv(w2c)[:3, 3]
            for a in spec.timeline.actors:
                if a.kind == "person":
                    assert np.linalg.norm(np.array(a.trajectory_world[f])[:2] - eye[:2]) >= camera.MIN_EYE_M - 1e-9
            for tid in kept:
                obj = spec.object_by_id(tid)
                joints = obj.articulation.joints[f] @ obj.pose(f)[:3, :3].T + obj.pose(f)[:3, 3]
                c = joints @ w2c[:3, :3].T + w2c[:3, 3]
                uv = c[:, :2] / c[:, 2:3] * cam.K()[0, 0] + [cam.width / 2, cam.height / 2]
                assert np.all(c[:, 2] > 0) and np.all((uv >= 0) & (uv <= [cam.width, cam.height]))
