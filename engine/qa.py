"""Quality gate: accept a sample or reject it with a reason, before anything is written."""
from __future__ import annotations

import numpy as np

from engine.labels import FrameLabels
from engine.passes import FramePasses
from engine.spec import SceneSpec


def check(spec: SceneSpec, frames: list[FramePasses], frame_labels: list[FrameLabels], qa_cfg, taxonomy) -> str | None:
    """None if the sample is fit to ship, else a short reason."""
    known = {o.instance_id for o in spec.objects} | {0}
    class_lut = np.zeros(max(known) + 1, dtype=np.uint16)
    class_lut[0] = taxonomy["sky"].id
    for o in spec.objects:
        class_lut[o.instance_id] = taxonomy[o.class_path].id
    for passes, labels in zip(frames, frame_labels):
        if passes.index_error > 1e-3:
            return f"frame {labels['index']}: index pass not integral (error {passes.index_error:.3g}); masks would be soft"
        ids = np.unique(passes.instance)
        if not set(ids.tolist()) <= known:
            return f"frame {labels['index']}: instance ids {sorted(set(ids.tolist()) - known)} are not in the scene spec"
        if not np.array_equal(class_lut[passes.instance], passes.semantic):
            return f"frame {labels['index']}: semantic pass disagrees with the spec's class of each instance"
        if not np.all(np.isfinite(passes.depth[passes.instance > 0])):
            return f"frame {labels['index']}: an object pixel has no finite depth"
        subject_id = spec.subject_instance_id
        if subject_id is not None:
            subject = next((o for o in labels["objects"] if o["instance_id"] == subject_id), None)
            visible = subject["visible_fraction"] if subject else 0.0
            pixels = subject["pixel_count"] if subject else 0
            if visible < qa_cfg.min_subject_visible_fraction or pixels < qa_cfg.min_subject_pixels:
                return (f"frame {labels['index']}: subject too hidden (visible_fraction {visible:.2f}, {pixels} px; "
                        f"need {qa_cfg.min_subject_visible_fraction} and {qa_cfg.min_subject_pixels} px)")
    return None
