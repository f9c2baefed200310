"""Scene families: each module exposes Config (schema), validate(cfg), build(cfg, rng, index, width, height) -> SceneSpec
and describe(spec, frame_labels, taxonomy, rng) -> captions. No bpy import here."""
from scenes import landmark, landscape

FAMILIES = {"landmark": landmark, "landscape": landscape}
