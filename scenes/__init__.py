"""Scene families: each module exposes Config (schema), validate(cfg), build(cfg, rng, index, width, height) -> SceneSpec
and describe(spec, frame_labels, taxonomy, rng) -> captions; optionally extra_outputs(folder, spec, frames, labels,
taxonomy) to write family-specific files into a sample,
and clip_layers(spec, frame_labels, taxonomy) -> actions, events, script and trajectories of a clip. No bpy import here."""
from scenes import asset, concept, landmark, landscape, motion

FAMILIES = {"landmark": landmark, "landscape": landscape, "concept": concept, "asset": asset, "motion": motion}
