"""Labels from the SceneSpec plus the render passes: masks, boxes, 3D boxes, visibility, occluders (numpy only)."""
from __future__ import annotations

import numpy as np
from pycocotools import mask as mask_utils

from engine.geometry import distort, pinhole, pixel_rays, project
from engine.labels import FrameLabels
from engine.passes import FramePasses
from engine.raster import rasterize, raycast_coverage
from engine.spec import SceneSpec


def rle_encode(mask: np.ndarray) -> dict:
    rle = mask_utils.encode(np.asfortranarray(mask.astype(np.uint8)))
    return {"size": [int(v) for v in rle["size"]], "counts": rle["counts"].decode("ascii")}


def _camera_meshes(objects, frame: int, world_to_camera: np.ndarray) -> list:
    """All objects' meshes in camera space, as groups (vertices (k, V, 3), faces, the k objects' indices): meshes
    shared by many objects (plants, instanced props) are transformed together, articulated ones posed for the frame."""
    groups = {}
    for i, obj in enumerate(objects):
        groups.setdefault(id(obj.mesh) if obj.articulation is None else ("posed", i), []).append(i)
    meshes = []
    for members in groups.values():
        mesh = objects[members[0]].mesh_at(frame)
        to_camera = world_to_camera @ np.stack([objects[i].pose(frame) for i in members])        # (k, 4, 4)
        v = np.einsum("kij,vj->kvi", to_camera[:, :3, :3], mesh.vertices) + to_camera[:, None, :3, 3]
        meshes.append((v, np.asarray(mesh.faces), np.asarray(members)))
    return meshes


def annotate_frame(spec: SceneSpec, passes: FramePasses, frame: int, taxonomy) -> FrameLabels:
    cam = spec.camera
    K, w2c, width, height = cam.K(), cam.world_to_camera(frame), cam.width, cam.height
    objects = spec.objects
    n = len(objects)
    meshes = _camera_meshes(objects, frame, w2c)
    if cam.model == "perspective":
        cov = rasterize(meshes, n, K, width, height, cam.clip_start)
    else:
        tri = np.concatenate([v[:, faces].reshape(-1, 3, 3) for v, faces, _ in meshes])
        owner = np.concatenate([np.repeat(members, len(faces)) for _, faces, members in meshes])
        rows_cols = np.stack(np.divmod(np.arange(width * height), width), axis=1)
        cov = raycast_coverage(tri, owner, n, pixel_rays(cam.model, K, width, height, rows_cols, cam.distortion), width,
                               cam.clip_start)

    instance = passes.instance
    flat = instance.ravel().astype(np.int64)
    ids = np.array([o.instance_id for o in objects], dtype=np.int64)
    n_ids = max(int(ids.max()), int(flat.max())) + 1
    class_paths = ["sky"] + sorted({o.class_path for o in objects})
    class_code = np.zeros(n_ids, dtype=np.int64)                       # instance id -> index into class_paths
    class_code[ids] = [class_paths.index(o.class_path) for o in objects]

    visible = np.bincount(flat, minlength=n_ids)[ids]
    shows_self = flat[cov.pixel] == ids[cov.owner]
    raster_count = np.bincount(cov.owner, minlength=n)
    stray = visible - np.bincount(cov.owner[shows_self], minlength=n)    # visible pixels the rasteriser missed
    amodal = raster_count + stray
    # who covers each object where it is not seen: (object, class shown) pair counts
    hidden_owner, hidden_class = cov.owner[~shows_self], class_code[flat[cov.pixel[~shows_self]]]
    pair, pair_count = np.unique(hidden_owner * len(class_paths) + hidden_class, return_counts=True)
    occluders = [dict() for _ in range(n)]
    for key, count in zip(pair.tolist(), pair_count.tolist()):
        i = key // len(class_paths)
        occluders[i][class_paths[key % len(class_paths)]] = round(count / int(amodal[i]), 6)
    # tight boxes of the visible pixels, per instance id
    rows, cols = np.divmod(np.arange(flat.size), width)
    lo_r, lo_c = np.full(n_ids, height), np.full(n_ids, width)
    hi_r, hi_c = np.full(n_ids, -1), np.full(n_ids, -1)
    np.minimum.at(lo_r, flat, rows), np.minimum.at(lo_c, flat, cols)
    np.maximum.at(hi_r, flat, rows), np.maximum.at(hi_c, flat, cols)

    empty_rle = None
    labels = []
    for i, obj in enumerate(objects):
        if amodal[i] == 0:
            continue                                    # out of view, or too small to cover any pixel centre
        k = obj.instance_id
        if visible[i]:
            bbox = [int(lo_c[k]), int(lo_r[k]), int(hi_c[k] - lo_c[k] + 1), int(hi_r[k] - lo_r[k] + 1)]
            rle = rle_encode(instance == k)
        else:
            bbox, rle = None, empty_rle or rle_encode(np.zeros((height, width), bool))
            empty_rle = rle
        labels.append({
            "instance_id": k, "class_id": taxonomy[obj.class_path].id, "class_path": obj.class_path,
            "name": obj.name, "attributes": obj.attributes,
            "bbox_2d": bbox, "bbox_2d_amodal": cov.box[i].tolist(),
            "visible_fraction": round(int(visible[i]) / int(amodal[i]), 6), "pixel_count": int(visible[i]),
            "amodal_pixel_count": int(amodal[i]), "truncated": bool(cov.truncated[i]), "occluded_by": occluders[i],
            "raster_stray_pixels": int(stray[i]),
            "bbox_3d": obj.box_3d(frame), "mask_rle": rle,
        })
    if any(o.articulation is not None for o in objects):
        _add_keypoints_and_parts(spec, passes, frame, labels, taxonomy)
    return {"index": frame, "time_s": round(frame / spec.fps, 6) if spec.fps else 0.0,
            "camera": cam.to_labels(frame),
            "objects": labels}


def surface_tolerance(depth: float, K: np.ndarray) -> float:
    """How much nearer than a surface keypoint the depth at its pixel may be for the point to count as seen: 2 cm of
    modelling (a point on a faceted mesh) plus the depth change across two pixels on a surface seen at a slant."""
    return 0.02 + 2.0 * depth / K[0, 0]


def _add_keypoints_and_parts(spec: SceneSpec, passes: FramePasses, frame: int, labels: list, taxonomy):
    """Actors: 2D/3D keypoints with COCO visibility (2 visible: the pixel shows one of the joint's own parts of this
    actor, and for a point on the surface (the skeleton's `surface`: nose, eyes, ears, toes, heels) that side of the
    part faces the camera and the pixel shows the point itself, not the part's near side; 1 occluded: in frame but
    not shown; 0 out of frame or behind the camera) and pixels per body part."""
    cam = spec.camera
    K, w2c = cam.K(), cam.world_to_camera(frame)
    instance, part = passes.instance, passes.part
    by_id = {o.instance_id: o for o in spec.objects}
    for entry in labels:
        obj = by_id[entry["instance_id"]]
        if obj.articulation is None:
            continue
        skeleton = taxonomy.skeletons[obj.articulation.skeleton]
        m = obj.pose(frame)
        world = obj.articulation.joints[min(frame, len(obj.articulation.joints) - 1)] @ m[:3, :3].T + m[:3, 3]
        uv, z = project(world, K, w2c, cam.distortion)
        col, row = np.floor(uv[:, 0]).astype(np.int64), np.floor(uv[:, 1]).astype(np.int64)
        in_frame = (z > cam.clip_start) & (col >= 0) & (col < cam.width) & (row >= 0) & (row < cam.height)
        keypoints, surface = [], skeleton.get("surface", {})
        eye = np.linalg.inv(w2c)[:3, 3]
        for j, name in enumerate(skeleton["joints"]):
            v = 0
            if in_frame[j]:
                shown = int(part[row[j], col[j]]) - 1
                mine = instance[row[j], col[j]] == obj.instance_id
                v = 2 if mine and shown >= 0 and skeleton["parts"][shown] in skeleton["joint_parts"][name] else 1
                if v == 2 and name in surface:
                    outward = world[j] - world[skeleton["joints"].index(surface[name])]
                    faces_camera = float((eye - world[j]) @ outward) > 0
                    if not faces_camera or passes.depth[row[j], col[j]] < z[j] - surface_tolerance(z[j], K):
                        v = 1                           # the part's far side: the head, not the face, fills the pixel
            keypoints.append([round(float(uv[j, 0]), 4), round(float(uv[j, 1]), 4), v])
        entry["keypoints_2d"] = keypoints
        entry["keypoints_3d_world"] = np.round(world, 6).tolist()
        entry["num_keypoints"] = sum(1 for k in keypoints if k[2] > 0)
        counts = np.bincount(part[instance == obj.instance_id].ravel(), minlength=len(skeleton["parts"]) + 1)
        entry["part_pixel_counts"] = {name: int(counts[i + 1]) for i, name in enumerate(skeleton["parts"]) if counts[i + 1]}


def forward_flow(spec: SceneSpec, passes: FramePasses, frame: int) -> np.ndarray:
    """Forward optical flow (H, W, 2) in pixels from `frame` to `frame + 1`, from the geometry: each pixel's surface
    point (depth pass) is carried by the rigid motion of the object part it lies on (instance and part passes) and
    projected with the next frame's camera. Sky pixels move with the camera's rotation (points at infinity). NaN where
    the point goes behind the next camera."""
    cam = spec.camera
    K, w2c0, w2c1 = cam.K(), cam.world_to_camera(frame), cam.world_to_camera(frame + 1)
    height, width = passes.depth.shape
    instance, part = passes.instance.astype(np.int64), passes.part.astype(np.int64)
    # one relative motion (next @ inverse(this)) per object part; rigid objects have one part
    offsets, motions = {}, []
    for obj in spec.objects:
        offsets[obj.instance_id] = len(motions)
        motions += list(obj.part_world(frame + 1) @ np.linalg.inv(obj.part_world(frame)))
    lut = np.zeros(int(instance.max()) + 1, dtype=np.int64)
    for iid, start in offsets.items():
        if iid < len(lut):
            lut[iid] = start
    rows, cols = np.divmod(np.arange(height * width), width)
    pix = np.stack([rows, cols], axis=1)
    rays = pixel_rays(cam.model, K, width, height, pix, cam.distortion)
    flat_id, flat_part = instance.ravel(), part.ravel()
    obj_px = flat_id > 0
    c2w0 = np.linalg.inv(w2c0)
    points = np.zeros((height * width, 3))
    depth = passes.depth.ravel().astype(np.float64)
    cam_pts = rays[obj_px] * depth[obj_px, None]
    world = cam_pts @ c2w0[:3, :3].T + c2w0[:3, 3]
    key = lut[flat_id[obj_px]] + np.maximum(flat_part[obj_px] - 1, 0)
    d = np.asarray(motions)[key]
    points[obj_px] = np.einsum("nij,nj->ni", d[:, :3, :3], world) + d[:, :3, 3]
    for obj in spec.objects:           # a skinned body or a morphing lid bends: carry the point on its own triangle
        if obj.deforming:
            mine = flat_id == obj.instance_id
            points[mine] = _carried_on_mesh(obj, frame, world[mine[obj_px]])
    moved = points @ w2c1[:3, :3].T + w2c1[:3, 3]
    # sky: a direction, rotated only
    sky = ~obj_px
    direction = rays[sky] @ c2w0[:3, :3].T
    moved[sky] = direction @ w2c1[:3, :3].T
    uv = distort(pinhole(moved, K), K, cam.distortion)
    uv[moved[:, 2] <= 1e-9] = np.nan
    flow = uv - (pix[:, ::-1] + 0.5)
    return flow.reshape(height, width, 2).astype(np.float32)


def _carried_on_mesh(obj, frame: int, points_world: np.ndarray) -> np.ndarray:
    """Points on a deforming mesh at `frame`, where they are at `frame + 1`: each point's nearest triangle and its
    barycentric coordinates there, applied to the same triangle posed for the next frame."""
    import open3d as o3d
    if not len(points_world):
        return points_world
    now, then = (obj.world_vertices(f) for f in (frame, frame + 1))
    faces = obj.mesh.faces
    scene = o3d.t.geometry.RaycastingScene()
    scene.add_triangles(now.astype(np.float32), faces.astype(np.uint32))
    hit = scene.compute_closest_points(points_world.astype(np.float32))
    tri, uv = hit["primitive_ids"].numpy().astype(np.int64), hit["primitive_uvs"].numpy().astype(np.float64)
    corners = then[faces[tri]]                                                          # (n, 3, 3)
    offset = points_world - hit["points"].numpy()             # the depth pass's small distance off the faceted mesh
    return (1 - uv.sum(axis=1))[:, None] * corners[:, 0] + uv[:, :1] * corners[:, 1] + uv[:, 1:] * corners[:, 2] + offset


def annotate(spec: SceneSpec, frames: list[FramePasses], taxonomy) -> list[FrameLabels]:
    return [annotate_frame(spec, passes, i, taxonomy) for i, passes in enumerate(frames)]
