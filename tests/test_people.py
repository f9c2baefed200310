"""People: the face and feet points lie on the rendered body, and heads turn to whom the situation is about: the gaze
ray from between the eyes hits the looked-at actor's 3D box; head-pose angles follow their documented convention."""
import numpy as np
import pytest

from engine.geometry import look_at as camera_look_at
from engine.geometry import skinned
from engine.spec import Camera
from engine.streams import Streams
from engine.taxonomy import load_taxonomy
from generators import actors
from generators import body as body_shape
from job.config import compose
from scenes.motion import gaze
from scenes.motion.recipe import build

TAX = load_taxonomy()
SKELETON = TAX.skeletons["humanoid"]


def test_face_and_foot_points_lie_on_the_body_surface():
    """The face and foot keypoints are points of the mesh that is rendered (nose tip, pupils, outer ears, toes, heel),
    for every hair style; left ones on the person's left (-X in the actor frame, as the left shoulder)."""
    import open3d as o3d
    parts = SKELETON["parts"]
    styles = set()
    for seed in range(16):
        body = actors.humanoid(np.random.default_rng(seed), parts)
        styles.add(body.params["hair"])
        styles.update({"glasses"} if body.params["glasses"] else set())
        joints, frames = actors.humanoid_pose(body, {"neck_yaw": 20.0, "l_ankle": 10.0})
        posed = skinned(body.mesh.vertices, body.weights, actors.skin_matrices(body, frames))
        surface = o3d.t.geometry.RaycastingScene()
        surface.add_triangles(posed.astype(np.float32), body.mesh.faces.astype(np.uint32))
        names = SKELETON["surface"]
        distance = surface.compute_distance(np.array([joints[n] for n in names], np.float32)).numpy()
        assert distance.max() < 0.001, dict(zip(names, distance.round(4)))
        # seen from 1 m in front of the face, nothing (hair, a hat's brim, glasses) covers the nose or the eyes
        forward = frames["head"][:3, :3] @ [0.0, 1.0, 0.0]
        points = np.array([joints[n] for n in ("nose", "left_eye", "right_eye")])
        rays = np.hstack([points + forward, np.tile(-forward, (3, 1))]).astype(np.float32)
        hit = surface.cast_rays(rays)["t_hit"].numpy()
        assert np.allclose(hit, 1.0, atol=0.002), (body.params, hit)
        across = joints["right_shoulder"] - joints["left_shoulder"]
        for name in ("eye", "ear", "big_toe"):
            assert (joints[f"right_{name}"] - joints[f"left_{name}"]) @ across > 0
    assert styles == {*actors.HAIR_STYLES, "glasses"}


def _ray_hits_box(origin, direction, box) -> bool:
    """Slab test in the oriented box's own axes."""
    rotation, centre, half = np.array(box["rotation_world"]), np.array(box["center_world"]), np.array(box["size"]) / 2
    o, d = rotation.T @ (np.asarray(origin) - centre), rotation.T @ np.asarray(direction)
    with np.errstate(divide="ignore", invalid="ignore"):
        t1, t2 = (-half - o) / d, (half - o) / d
    near, far = np.nanmax(np.minimum(t1, t2)), np.nanmin(np.maximum(t1, t2))
    return bool(far >= max(near, 0.0))


GAZE_CASES = [("meet_and_greet", "plaza", "actor/person"), ("hand_over", "plaza", "object/parcel"),
              ("group_gathering", "plaza", "actor/person"), ("chase", "plaza", "actor/person"),
              ("solo", "street", "actor/vehicle/car")]


@pytest.mark.parametrize("situation,context,looked_at", GAZE_CASES, ids=[c[0] for c in GAZE_CASES])
def test_the_gaze_ray_hits_the_looked_at_actor(situation, context, looked_at):
    """Where a head is labelled on a target, the ray from between the eyes along the head's forward axis passes
    through that target's 3D box on that frame; and people in these situations do look at what matters: each other,
    the parcel changing hands, a car driving past."""
    cfg = compose(["scene=motion", "render=preview", f"scene.situations=[{situation}]", "scene.frames=36",
                   f"scene.contexts=[{context}]", "scene.vehicle_probability=1.0"])
    hits, seen = 0, set()
    for seed in range(3):
        spec = build(cfg.scene, Streams((seed, 0, 0)), 0, 128, 96)
        for track, rows in gaze.gaze_layer(spec, SKELETON).items():
            assert len(rows) == spec.n_frames
            for row in rows:
                assert abs(np.linalg.norm(row["direction_world"]) - 1) < 1e-5
                if row["target_track"] is None:
                    continue
                assert row["target_track"] != track
                target = spec.object_by_id(row["target_track"])
                box = target.box_3d(row["frame"])
                assert _ray_hits_box(row["origin_world"], row["direction_world"], box), (track, row)
                hits += 1
                seen.add(target.class_path)
    assert hits > 20 and looked_at in seen, (hits, seen)


def test_head_pose_angles_follow_their_convention():
    """A person facing the camera who turns their head 30 degrees to their own left turns their face towards the
    image's right: yaw -30 (yaw > 0 is towards the image's left), pitch and roll ~0; looking down is pitch > 0; the
    angles rebuild the rotation, whose forward axis is the head's."""
    body = actors.humanoid(np.random.default_rng(0), SKELETON["parts"])
    standing, _ = actors.humanoid_pose(body, {})
    head = standing["head"]
    camera = Camera(64, 64, 50.0, [camera_look_at(head + [0.0, 3.0, 0.0], head)])   # in front of the face, level
    w2c = camera.world_to_camera(0)                                                  # OpenCV axes, as the labels
    for angles, expected in (({"neck_yaw": 30.0}, (-30, 0, 0)), ({"neck_pitch": 20.0}, (0, 20, 0)), ({}, (0, 0, 0))):
        _, parts = actors.humanoid_pose(body, angles)
        rotation = w2c[:3, :3] @ parts["head"][:3, :3]
        yaw, pitch, roll = gaze.yaw_pitch_roll(rotation)
        assert np.allclose((yaw, pitch, roll), expected, atol=1e-6), (angles, yaw, pitch, roll)
        a, b, c = np.deg2rad([yaw, pitch, roll])
        ry = np.array([[np.cos(a), 0, np.sin(a)], [0, 1, 0], [-np.sin(a), 0, np.cos(a)]])
        rx = np.array([[1, 0, 0], [0, np.cos(b), -np.sin(b)], [0, np.sin(b), np.cos(b)]])
        rz = np.array([[np.cos(c), -np.sin(c), 0], [np.sin(c), np.cos(c), 0], [0, 0, 1]])
        assert np.allclose(ry @ rx @ rz @ gaze.FRONTAL, rotation, atol=1e-9)


def test_age_groups_shape_the_body_and_captions_name_them():
    """Children have a larger head for their height and no bald heads, the elderly stoop (neck ahead of the pelvis)
    and have grey or white hair; every body stands as tall as its height; captions say child / elderly person."""
    from types import SimpleNamespace

    from scenes.motion.text import appearance
    seen = {}
    for seed in range(60):
        body = actors.humanoid(np.random.default_rng(seed), SKELETON["parts"])
        group = body.params["age_group"]
        joints, _ = actors.humanoid_pose(body, {})
        assert abs(joints["head_top"][2] - body.height) < 0.03 * body.height
        head_share = 2 * body.dims["head_r"] / body.height
        lean = joints["neck"][1] - joints["pelvis"][1]
        seen.setdefault(group, []).append((head_share, lean, body.params["hair"], body.materials[4].color_name))
        who = appearance(SimpleNamespace(kind="person", model=body))
        assert who["en"].startswith({"child": "child in", "elderly": "elderly person in"}.get(group, "person in"))
        assert who["ko"].endswith({"child": "아이", "elderly": "노인"}.get(group, "사람"))
    assert set(seen) == {"adult", "child", "elderly"}
    assert min(s for s, *_ in seen["child"]) > max(s for s, *_ in seen["adult"])
    assert all(hair != "bald" for _, _, hair, _ in seen["child"])
    assert min(lean for _, lean, *_ in seen["elderly"]) > 0.03 > max(abs(lean) for _, lean, *_ in seen["adult"])
    assert {colour for *_, colour in seen["elderly"]} <= {"grey", "white", "dark_grey"}


def test_the_body_is_one_skinned_surface_that_bends_without_tearing():
    """Torso, arms and legs are one connected surface; skin weights are convex, on at most two bones that meet at a
    joint (left and right legs touch but never pull on each other); the rest pose gives back the mesh; in every
    action's strongest pose no edge of the skin stretches past 15 cm (a torn or crumpled seam would)."""
    import trimesh
    parts = SKELETON["parts"]
    for seed in range(4):
        body = actors.humanoid(np.random.default_rng(seed), parts)
        w = body.weights
        assert np.all(w >= 0) and np.allclose(w.sum(axis=1), 1.0) and (w > 0).sum(axis=1).max() <= 2
        for i, j in {tuple(np.nonzero(row)[0]) for row in w[(w > 0).sum(axis=1) == 2] > 0}:
            a, b = body.bones[i], body.bones[j]
            assert body_shape.parent_part(a) == b or body_shape.parent_part(b) == a, (a, b)
        _, rest = actors.humanoid_pose(body, body_shape.REST)
        moved = skinned(body.mesh.vertices, w, actors.skin_matrices(body, rest)) - body.mesh.vertices
        assert np.ptp(moved, axis=0).max() < 1e-6                   # the rest pose only stands the body on the ground
        mesh = trimesh.Trimesh(body.mesh.vertices, body.mesh.faces, process=False)
        component = trimesh.graph.connected_component_labels(mesh.face_adjacency, node_count=len(mesh.faces))
        trunk = np.bincount(component[body.face_part == parts.index("torso")]).argmax()
        for limb in ("left_upper_arm", "right_forearm", "left_thigh", "right_shin"):   # (a forearm's hand is apart)
            joined = component[body.face_part == parts.index(limb)] == trunk
            assert joined.sum() > 500 and (limb.endswith("forearm") or joined.mean() > 0.9), (limb, joined.mean())
        edges = mesh.edges_unique[mesh.edges_unique_length < 0.03]
        for action, t in (("sit_down", 2.0), ("crouch", 1.0), ("wave", 0.3), ("run", 0.3), ("jump", 0.2), ("fall", 1.0)):
            _, bones = actors.humanoid_pose(body, actors.human_program(action, t, actors.STYLES["neutral"])[0])
            v = skinned(body.mesh.vertices, w, actors.skin_matrices(body, bones))
            assert np.linalg.norm(v[edges[:, 0]] - v[edges[:, 1]], axis=1).max() < 0.15, (seed, action)


def test_hands_have_five_fingers_that_close_into_a_fist():
    """Each hand: a palm and five two-segment fingers; with a fist (grip 1) every fingertip is nearer the palm than
    with an open hand (grip 0), and the grip follows the action (a carried parcel is held, a wave is open)."""
    body = actors.humanoid(np.random.default_rng(4), SKELETON["parts"])
    fingers = [b for b in body.bones if b.startswith("left_") and b[-2:] in ("_1", "_2")]
    assert len(fingers) == 10 and {f.split("_")[1] for f in fingers} == set(body_shape.FINGERS)
    tips = {}
    for grip in (0.0, 1.0):
        joints, bones = actors.humanoid_pose(body, {"l_grip": grip})
        v = skinned(body.mesh.vertices, body.weights, actors.skin_matrices(body, bones))
        palm = joints["left_wrist"] + bones["left_forearm"][:3, :3] @ [0, 0, -0.05 * body.height]
        tips[grip] = [np.linalg.norm(v[body.weights[:, body.bones.index(f"left_{finger}_2")] == 1] - palm, axis=1).max()
                      for finger in body_shape.FINGERS]
    assert all(closed < opened for closed, opened in zip(tips[1.0], tips[0.0])), tips
    grips = {action: actors.human_program(action, 0.5, actors.STYLES["neutral"])[0] for action in ("carry", "wave")}
    assert grips["carry"]["l_grip"] > 0.6 and grips["wave"]["r_grip"] < 0.2


def test_a_dress_is_one_cloth_and_captions_name_clothes():
    """A dress is a top and a skirt of the same cloth (one colour, one motif); sleeves and shorts are geometry: long
    sleeves put the top's cloth on the forearm's skin surface, shorts leave the shin bare; captions name the kind."""
    from scenes.motion.text import appearance
    parts = SKELETON["parts"]
    seen = set()
    for seed in range(40):
        body = actors.humanoid(np.random.default_rng(seed), parts)
        p, mat, part = body.params, body.mesh.face_material, body.face_part
        blended = body.weights[body.mesh.faces].max(axis=(1, 2)) < 1.0 - 1e-9    # near a joint: never a rigid piece
        if p["top"] == "dress":
            assert p["skirt"] and p["top_color"] == p["bottom_color"] and body.materials[1] == body.materials[2]
        forearm = part == parts.index("left_forearm")
        if p["long_sleeves"] and p["top"] != "dress":
            assert np.any(mat[forearm & blended] == 1)
        if p["shorts"]:
            assert not np.any(mat[(part == parts.index("right_shin")) & blended] == 2)
        actor = type("A", (), {"model": body, "kind": "person"})
        assert actors.TOPS[p["top"]][0] in appearance(actor)["en"]
        seen.add(p["top"])
    assert seen == set(actors.TOPS)
