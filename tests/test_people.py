"""People: the face and feet points lie on the rendered body, and heads turn to whom the situation is about: the gaze
ray from between the eyes hits the looked-at actor's 3D box; head-pose angles follow their documented convention."""
import numpy as np
import pytest

from engine.geometry import look_at as camera_look_at
from engine.spec import Camera
from engine.streams import Streams
from engine.taxonomy import load_taxonomy
from generators import actors
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
        vertex_part = np.zeros(len(body.mesh.vertices), np.int64)
        vertex_part[body.mesh.faces.ravel()] = np.repeat(body.face_part, 3)
        matrices = np.stack([frames[n] for n in parts])[vertex_part]
        posed = np.einsum("vij,vj->vi", matrices[:, :3, :3], body.mesh.vertices) + matrices[:, :3, 3]
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


@pytest.mark.parametrize("situation", ["meet_and_greet", "hand_over", "group_gathering", "chase"])
def test_the_gaze_ray_hits_the_looked_at_actor(situation):
    """Where a head is labelled on a target, the ray from between the eyes along the head's forward axis passes
    through that actor's 3D box on that frame; and people in these situations do look at each other."""
    cfg = compose(["scene=motion", "render=preview", f"scene.situations=[{situation}]", "scene.frames=36",
                   "scene.contexts=[plaza]"])
    hits = 0
    for seed in range(3):
        spec = build(cfg.scene, Streams((seed, 0, 0)), 0, 128, 96)
        for track, rows in gaze.gaze_layer(spec, SKELETON).items():
            assert len(rows) == spec.n_frames
            for row in rows:
                assert abs(np.linalg.norm(row["direction_world"]) - 1) < 1e-5
                if row["target_track"] is None:
                    continue
                assert row["target_track"] != track
                box = spec.object_by_id(row["target_track"]).box_3d(row["frame"])
                assert _ray_hits_box(row["origin_world"], row["direction_world"], box), (track, row)
                hits += 1
    assert hits > 20


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
