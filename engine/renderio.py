"""What the backend handles around Blender without bpy: its scratch folders, its C-level log, the EXR files it
writes and what its data render's channels mean."""
from __future__ import annotations

import contextlib
import os
import shutil
import sys
from pathlib import Path

import numpy as np

from engine.geometry import image_rays
from engine.passes import FramePasses
from engine.surfaces import GEOMETRIC_NORMAL_AOV

BACKGROUND_DEPTH = 1e9   # Cycles writes ~1e10 where a ray hits nothing
# Actors' body parts ride on the Material Index pass (Cycles keeps one sample's id there, where an AOV would average
# ids across a part boundary): pass index = class id + PART_STRIDE * (part index + 1); other materials: the class id.
PART_STRIDE = 1000


@contextlib.contextmanager
def blender_log_silenced():
    """Blender logs every render ('Saved: ...', device warnings) to stdout at the C level; keep the terminal for us."""
    sys.stdout.flush()
    saved = os.dup(1)
    with open(os.devnull, "wb") as devnull:
        os.dup2(devnull.fileno(), 1)
        try:
            yield
        finally:
            os.dup2(saved, 1)
            os.close(saved)


def exr_parts(path: str) -> list:
    """The EXR's parts as (header, channels, name)."""
    import OpenEXR
    with OpenEXR.File(path) as f:
        return [(dict(p.header), {k: c.pixels for k, c in p.channels.items()}, p.name()) for p in f.parts]


def decode_data_passes(ch: dict, camera, frame: int, sky_id: int) -> FramePasses:
    """The data render's channels (EXR name -> pixels) -> the frame's label passes in OpenCV image order; rgb None."""
    depth = ch["ViewLayer.Depth.Z"].astype(np.float32)
    background = depth >= BACKGROUND_DEPTH
    depth[background] = np.inf
    if camera.model == "distorted":       # a PANO camera's Depth.Z is the distance: make it planar, as a pinhole's
        depth /= np.linalg.norm(image_rays(camera.model, camera.K(), camera.width, camera.height, camera.distortion),
                                axis=-1).astype(np.float32)
    object_index = ch["ViewLayer.Object Index.X"]
    material_index = ch["ViewLayer.Material Index.X"]
    instance = np.rint(object_index).astype(np.uint16)
    part, semantic = np.divmod(np.rint(material_index).astype(np.int64), PART_STRIDE)
    semantic = semantic.astype(np.uint16)
    semantic[background] = sky_id
    normal_world = ch[f"ViewLayer.{GEOMETRIC_NORMAL_AOV}"][..., :3]
    rotation = camera.world_to_camera(frame)[:3, :3].astype(np.float32)
    normal = normal_world @ rotation.T
    length = np.linalg.norm(normal, axis=-1, keepdims=True)
    normal = np.where(length > 0, normal / np.maximum(length, 1e-12), 0.0)   # samples straddling an edge average
    normal[background] = 0.0
    index_error = max(np.abs(object_index - instance).max(), np.abs(material_index - np.rint(material_index)).max())
    return FramePasses(rgb=None, depth=depth, normal=normal.astype(np.float32), instance=instance, semantic=semantic,
                       part=part.astype(np.uint8), index_error=float(index_error))


WORKDIR_PREFIX = "engine-render-"


def remove_dead_workdirs(base: str):
    """Delete the scratch folders of render processes that are gone (killed with -9, which nothing can catch)."""
    for folder in Path(base).glob(f"{WORKDIR_PREFIX}*-*"):
        pid = folder.name[len(WORKDIR_PREFIX):].split("-", 1)[0]
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(folder, ignore_errors=True)
        except PermissionError:
            pass                                  # alive, someone else's
