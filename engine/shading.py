"""Materials as Cycles node graphs. Functions here fill node trees the backend hands them (they never import bpy).

Every material writes its surface's geometric normal (the mesh normal, smooth across gentle edges and sharp across
hard ones, before any bump) to the GEOMETRIC_NORMAL_AOV pass: that is the normal label, so shading detail (bump,
procedural relief) changes the picture but never the labels.
"""
from __future__ import annotations

GEOMETRIC_NORMAL_AOV = "geometric_normal"


def write_geometric_normal(tree):
    """Route Geometry.Normal (world space, unaffected by the BSDF's bumped normal input) to the AOV output."""
    geometry = tree.nodes.new("ShaderNodeNewGeometry")
    output = tree.nodes.new("ShaderNodeOutputAOV")
    output.aov_name = GEOMETRIC_NORMAL_AOV
    tree.links.new(geometry.outputs["Normal"], output.inputs["Color"])
