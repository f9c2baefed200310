"""Labels from the SceneSpec plus the render passes: masks, boxes, 3D boxes, visibility, occluders (numpy only)."""
from __future__ import annotations

import numpy as np
from pycocotools import mask as mask_utils

from engine.raster import coverage_mask, projected_bbox


def rle_encode(mask: np.ndarray) -> dict:
    rle = mask_utils.encode(np.asfortranarray(mask.astype(np.uint8)))
    return {"size": [int(v) for v in rle["size"]], "counts": rle["counts"].decode("ascii")}


def mask_bbox(mask: np.ndarray):
    """Tight [x, y, w, h] of a boolean mask in pixel-edge coordinates (COCO convention), or None if empty."""
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    if not len(rows):
        return None
    return [int(cols[0]), int(rows[0]), int(cols[-1] - cols[0] + 1), int(rows[-1] - rows[0] + 1)]


def annotate_frame(spec, passes: dict, frame: int, taxonomy) -> dict:
    cam = spec.camera
    K, w2c = cam.K(), cam.world_to_camera(frame)
    instance = passes["instance"]
    class_of = {o.instance_id: o.class_path for o in spec.objects}
    objects = []
    for obj in spec.objects:
        vertices = obj.world_vertices(frame)
        amodal_box, truncated = projected_bbox(vertices, obj.mesh.faces, K, w2c, cam.width, cam.height, cam.clip_start)
        if amodal_box is None:
            continue                                    # entirely out of view
        visible = instance == obj.instance_id
        amodal = coverage_mask(vertices, obj.mesh.faces, K, w2c, cam.width, cam.height, cam.clip_start)
        stray = int((visible & ~amodal).sum())          # visible pixels the rasteriser missed (sub-pixel ties only)
        amodal |= visible
        amodal_count, pixel_count = int(amodal.sum()), int(visible.sum())
        if amodal_count == 0:
            continue
        hidden = instance[amodal & ~visible]            # who covers the object where it is not seen
        occluders = {}
        for iid, count in zip(*np.unique(hidden, return_counts=True)):
            path = class_of.get(int(iid), "sky")
            occluders[path] = round(occluders.get(path, 0.0) + count / amodal_count, 6)
        objects.append({
            "instance_id": obj.instance_id, "class_id": taxonomy[obj.class_path].id, "class_path": obj.class_path,
            "name": obj.name, "attributes": obj.attributes,
            "bbox_2d": mask_bbox(visible), "bbox_2d_amodal": amodal_box,
            "visible_fraction": round(pixel_count / amodal_count, 6), "pixel_count": pixel_count,
            "amodal_pixel_count": amodal_count, "truncated": truncated, "occluded_by": occluders,
            "raster_stray_pixels": stray,
            "bbox_3d": obj.box_3d(frame), "mask_rle": rle_encode(visible),
        })
    return {"index": frame, "time_s": round(frame / spec.fps, 6) if spec.fps else 0.0,
            "camera": {"K": K.tolist(), "world_to_camera": w2c.tolist(), "width": cam.width, "height": cam.height},
            "objects": objects}


def annotate(spec, frames: list[dict], taxonomy) -> list[dict]:
    return [annotate_frame(spec, passes, i, taxonomy) for i, passes in enumerate(frames)]
