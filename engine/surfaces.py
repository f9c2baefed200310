"""Surfaces outside the photo look's recipes (engine.shading): the normal label every material writes, the flat
look, lamps' glow, a material whose albedo is keyframed over a clip (skin's pulse), the eye's clear cornea, and the
plain surfaces diffuse bounces see (render.indirect=simple).
Functions here fill node trees and sockets the backend hands them (they never import bpy)."""
from __future__ import annotations

import numpy as np

GEOMETRIC_NORMAL_AOV = "geometric_normal"
# rays that see surfaces and the sky in full detail under render.indirect=simple; diffuse bounces and light samples
# see plain colours and a smooth sky (Light Path node outputs)
DETAILED_RAYS = ("Is Camera Ray", "Is Glossy Ray", "Is Transmission Ray")
# a scene property, 1 only during a data render whose colour nobody reads: photo-look materials then shade nothing
# and a sky that is not a physical one is black (Cycles reads it as a constant and folds the switch, so it costs
# nothing otherwise)
DATA_RENDER = "engine_data_render"


def keyed_gain(socket, spec):
    """A material whose albedo changes over a clip (skin's pulse): `socket` (an RGBA default value) keyframed on
    frames 1..n to its value times that frame's gain."""
    if spec.albedo_gain is None:
        return
    base = np.array(socket.default_value[:3])
    for frame, gain in enumerate(spec.albedo_gain):
        socket.default_value = (*(base * np.asarray(gain)), 1.0)
        socket.keyframe_insert("default_value", frame=frame + 1)


def cornea_material(tree):
    """The cornea: a clear coat that reflects (Fresnel, IOR 1.376) and lets everything else through untouched. Its
    transparency is full, so Cycles' data passes (depth, index, normal) see through it (the view layer's alpha
    threshold) and it writes no normal of its own: the labels are the iris's and pupil's behind it. No refraction, so
    the pupil is seen where the labels say it is."""
    nodes, links = tree.nodes, tree.links
    nodes.remove(nodes["Principled BSDF"])
    fresnel = nodes.new("ShaderNodeFresnel")
    fresnel.inputs["IOR"].default_value = 1.376
    glossy = nodes.new("ShaderNodeBsdfGlossy")
    glossy.inputs["Roughness"].default_value = 0.03
    reflect = nodes.new("ShaderNodeMixShader")          # Fresnel-weighted glossy; the unlinked slot adds nothing
    links.new(fresnel.outputs[0], reflect.inputs["Fac"])
    links.new(glossy.outputs[0], reflect.inputs[2])
    add = nodes.new("ShaderNodeAddShader")
    links.new(nodes.new("ShaderNodeBsdfTransparent").outputs[0], add.inputs[0])
    links.new(reflect.outputs[0], add.inputs[1])
    links.new(add.outputs[0], nodes["Material Output"].inputs["Surface"])


def write_geometric_normal(tree):
    """Route Geometry.Normal (world space, unaffected by the BSDF's bumped normal input) to the AOV output."""
    geometry = tree.nodes.new("ShaderNodeNewGeometry")
    output = tree.nodes.new("ShaderNodeOutputAOV")
    output.aov_name = GEOMETRIC_NORMAL_AOV
    tree.links.new(geometry.outputs["Normal"], output.inputs["Color"])


def flat_material(tree, spec):
    """The flat look: constant base colour, roughness and metallic."""
    if spec.kind == "cornea":
        return cornea_material(tree)
    bsdf = tree.nodes["Principled BSDF"]
    bsdf.inputs["Base Color"].default_value = (*spec.base_color, 1.0)
    keyed_gain(bsdf.inputs["Base Color"], spec)
    bsdf.inputs["Roughness"].default_value = spec.roughness
    bsdf.inputs["Metallic"].default_value = spec.metallic
    emit(bsdf, spec)
    write_geometric_normal(tree)


def emit(bsdf, spec):
    """A lamp or window glows in its base colour."""
    if spec.emission > 0:
        bsdf.inputs["Emission Color"].default_value = (*spec.base_color, 1.0)
        bsdf.inputs["Emission Strength"].default_value = spec.emission


def by_ray(tree, detailed, plain):
    """A shader that is `detailed` for the rays that show detail (DETAILED_RAYS) and `plain` for the rest. A Mix
    Shader whose factor is exactly 0 or 1 is compiled with a jump (Cycles' SVM), so the other branch's nodes are not
    evaluated at all for that ray."""
    path = tree.nodes.new("ShaderNodeLightPath").outputs
    fac = path[DETAILED_RAYS[0]]
    for name in DETAILED_RAYS[1:]:
        larger = tree.nodes.new("ShaderNodeMath")
        larger.operation = "MAXIMUM"
        tree.links.new(fac, larger.inputs[0])
        tree.links.new(path[name], larger.inputs[1])
        fac = larger.outputs[0]
    mix = tree.nodes.new("ShaderNodeMixShader")
    tree.links.new(fac, mix.inputs["Fac"])
    tree.links.new(plain, mix.inputs[1])
    tree.links.new(detailed, mix.inputs[2])
    return mix.outputs[0]


def shaded_outside_data_render(tree, shader, output: str, nothing: str = "ShaderNodeBsdfDiffuse"):
    """Link `shader` to the output node's surface, except while the scene's DATA_RENDER property is 1: then a black
    diffuse (Cycles drops a closure of zero weight as it shades, so no light is sampled), so a data render spends no
    time on patterns, bevels, lights or shadows. Depth, indices and the normal AOV do not depend on the surface
    shader (no photo-look material is transparent; the cornea is hidden from the data render). An unlinked slot would
    be cheaper still, but Cycles then drops the object from the data passes. Where the property is missing (another
    file that appends the material) the material shades as usual. The world passes nothing="ShaderNodeBackground":
    the data render's rays that miss then see black instead of evaluating the clouds."""
    switch = tree.nodes.new("ShaderNodeAttribute")
    switch.attribute_type = "VIEW_LAYER"
    switch.attribute_name = DATA_RENDER
    black = tree.nodes.new(nothing)
    black.inputs["Color"].default_value = (0.0, 0.0, 0.0, 1.0)
    mix = tree.nodes.new("ShaderNodeMixShader")
    tree.links.new(switch.outputs["Fac"], mix.inputs["Fac"])
    tree.links.new(shader, mix.inputs[1])
    tree.links.new(black.outputs[0], mix.inputs[2])
    tree.links.new(mix.outputs[0], tree.nodes[output].inputs["Surface"])


def plain_for_diffuse_rays(tree, bsdf, spec, roughness: float, extra: dict):
    """`bsdf` for the rays that show detail; for a diffuse bounce (render.indirect=simple) a photo-look material's
    named colour (the patterns' mean: their shades average to 1), roughness and other inputs, the same glow and
    per-frame gain, no textures. Returns the mixed shader's output."""
    plain = tree.nodes.new("ShaderNodeBsdfPrincipled")
    plain.inputs["Base Color"].default_value = (*spec.base_color, 1.0)
    keyed_gain(plain.inputs["Base Color"], spec)
    plain.inputs["Roughness"].default_value = float(np.clip(roughness, 0.0, 1.0))
    plain.inputs["Metallic"].default_value = spec.metallic
    for name, value in extra.items():
        plain.inputs[name].default_value = value
    emit(plain, spec)
    return by_ray(tree, bsdf.outputs[0], plain.outputs[0])
