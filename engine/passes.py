"""The render passes of one frame: what one Cycles render yields, plus what later stages derive from it."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class FramePasses:
    """One frame's pixels in OpenCV image order (row 0 at the top)."""
    rgb: np.ndarray | None           # (H, W, 3) uint8 sRGB, aerial haze applied; None until the photo look's beauty
    depth: np.ndarray                # (H, W) float32 metres along the view axis (distance for panoramas); inf for sky
    normal: np.ndarray               # (H, W, 3) float32 camera-space unit normals (OpenCV axes); 0 for sky
    instance: np.ndarray             # (H, W) uint16 instance id; 0 = background
    semantic: np.ndarray             # (H, W) uint16 taxonomy class id
    part: np.ndarray | None          # (H, W) uint8 1 + body part index on articulated actors, 0 elsewhere; None: no actors
    index_error: float               # how far the index passes were from integers; ~0 means hard masks (QA checks)
    exr_parts: list | None = None    # the render's EXR parts (header, channels, name) for the VFX deliverable
    flow: np.ndarray | None = None   # (H, W, 2) float32 forward flow to the next frame, pixels (clips, not the last frame)
    augmented: dict[int, np.ndarray] = field(default_factory=dict)   # accepted diffusion variants: index -> rgb
