"""Labels from the SceneSpec plus the render passes: masks, boxes, 3D boxes, visibility, occluders (numpy only)."""
from __future__ import annotations

import numpy as np
from pycocotools import mask as mask_utils

from engine.geometry import pixel_rays
from engine.raster import rasterize, raycast_coverage


def rle_encode(mask: np.ndarray) -> dict:
    rle = mask_utils.encode(np.asfortranarray(mask.astype(np.uint8)))
    return {"size": [int(v) for v in rle["size"]], "counts": rle["counts"].decode("ascii")}


def mask_bbox(mask: np.ndarray):
    """Tight [x, y, w, h] of a boolean mask in pixel-edge coordinates (COCO convention), or None if empty."""
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    if not len(rows):
        return None
    return [int(cols[0]), int(rows[0]), int(cols[-1] - cols[0] + 1), int(rows[-1] - rows[0] + 1)]


def _camera_triangles(objects, frame: int, world_to_camera: np.ndarray):
    """All objects' triangles in camera space, and which object (index) owns each; meshes shared by many objects
    (plants, instanced props) are transformed together."""
    groups = {}
    for i, obj in enumerate(objects):
        groups.setdefault(id(obj.mesh), []).append(i)
    tris, owners = [], []
    for members in groups.values():
        mesh = objects[members[0]].mesh
        to_camera = world_to_camera @ np.stack([objects[i].pose(frame) for i in members])        # (k, 4, 4)
        v = np.einsum("kij,vj->kvi", to_camera[:, :3, :3], mesh.vertices) + to_camera[:, None, :3, 3]
        tris.append(v[:, mesh.faces].reshape(-1, 3, 3))
        owners.append(np.repeat(members, len(mesh.faces)))
    return np.concatenate(tris), np.concatenate(owners)


def annotate_frame(spec, passes: dict, frame: int, taxonomy) -> dict:
    cam = spec.camera
    K, w2c, width, height = cam.K(), cam.world_to_camera(frame), cam.width, cam.height
    objects = spec.objects
    n = len(objects)
    tri, owner = _camera_triangles(objects, frame, w2c)
    if cam.model == "perspective":
        cov = rasterize(tri, owner, n, K, width, height, cam.clip_start)
    else:
        rows_cols = np.stack(np.divmod(np.arange(width * height), width), axis=1)
        cov = raycast_coverage(tri, owner, n, pixel_rays(cam.model, K, width, height, rows_cols), width, cam.clip_start)

    instance = passes["instance"]
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
    return {"index": frame, "time_s": round(frame / spec.fps, 6) if spec.fps else 0.0,
            "camera": cam.to_labels(frame),
            "objects": labels}


def annotate(spec, frames: list[dict], taxonomy) -> list[dict]:
    return [annotate_frame(spec, passes, i, taxonomy) for i, passes in enumerate(frames)]
