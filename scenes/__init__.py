"""Scene families: (config, random streams, sample index) -> SceneSpec, one module or package per family, each a
SceneFamily registered with the job through scenes.family. No bpy import here."""
from scenes import landmark, landscape, concept, asset, motion, face, program  # noqa: F401,I001  (importing registers; this order)
from scenes.family import FAMILIES, SceneFamily

__all__ = ["FAMILIES", "SceneFamily"]
