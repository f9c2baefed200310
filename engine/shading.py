"""Materials as Cycles node graphs. Functions here fill node trees the backend hands them (they never import bpy).

Every material writes its surface's geometric normal (the mesh normal, smooth across gentle edges and sharp across
hard ones, before any bump) to the GEOMETRIC_NORMAL_AOV pass: that is the normal label, so shading detail (bump,
procedural relief) changes the picture but never the labels.

The photo look builds each material from a procedural recipe for its kind (stone, brick, wood, grass, water, ...):
albedo, roughness and bump driven by noise, Voronoi, wave and brick textures in the object's own metres, offset by the
material's seed so no two objects share a pattern. Variation is multiplicative around the base colour with mean one,
and patterns with joints (brick, paving, roof tiles) lift their units so that mortar and units average back to it: the
mean albedo stays the named colour the captions use (tests/test_shading.py renders every kind's albedo pass).
"""
from __future__ import annotations

import numpy as np

from engine.surfaces import (cornea_material, emit, keyed_gain, plain_for_diffuse_rays, shaded_outside_data_render,
                             write_geometric_normal)

REST_ATTRIBUTE = "rest_position"         # a deforming mesh's rest-pose vertex positions, for its patterns
# mean and standard deviation of Blender's texture outputs over a large area (measured): standardising by them keeps
# a multiplier's mean at one, so the mean albedo stays the base colour
TEXTURE_STATS = {"noise": (0.5, 0.065), "voronoi": (0.53, 0.18), "edge": (0.12, 0.09), "wave": (0.55, 0.33)}


def is_socket(value) -> bool:
    """A node socket rather than a number or colour (not hasattr(value, "links"): Blender answers that by walking
    every link of the tree)."""
    return not isinstance(value, (int, float, tuple, list, np.generic, np.ndarray))


class Graph:
    """A small vocabulary for node graphs: every method adds nodes and returns an output socket. Arguments are
    numbers, colours (3-tuples) or sockets, so recipes read like the formulas they implement."""

    def __init__(self, tree, seed: int, rest: bool = False):
        self.tree, self.nodes, self.links = tree, tree.nodes, tree.links
        self.offset = tuple(np.random.default_rng(seed).uniform(-500.0, 500.0, 3))   # each its own patch of pattern
        self.rest = rest
        self._object = None

    @property
    def object(self):
        """The object's own coordinates (metres), shifted by the seed's offset; on a deforming mesh its rest-pose
        positions (the REST_ATTRIBUTE), so patterns stay on the cloth and skin instead of swimming through it."""
        if self._object is None:
            coords = self.node("ShaderNodeAttribute", attribute_name=REST_ATTRIBUTE).outputs["Vector"] if self.rest \
                else self.nodes.new("ShaderNodeTexCoord").outputs["Object"]
            self._object = self.vec("ADD", coords, self.offset)
        return self._object

    def _set(self, socket, value):
        if is_socket(value):                         # a socket: link it
            self.links.new(value, socket)
        elif isinstance(value, tuple) and len(value) == 3 and socket.type == "RGBA":
            socket.default_value = (*value, 1.0)
        else:
            socket.default_value = value

    def node(self, kind: str, inputs: dict = (), **props):
        node = self.nodes.new(kind)
        for name, value in props.items():
            setattr(node, name, value)
        for name, value in dict(inputs).items():
            self._set(node.inputs[name], value)
        return node

    def math(self, op: str, a, b=0.0, c=0.0, clamp: bool = False):
        node = self.node("ShaderNodeMath", operation=op, use_clamp=clamp)
        for socket, value in zip(node.inputs, (a, b, c)):
            self._set(socket, value)
        return node.outputs[0]

    def vec(self, op: str, a, b=(0.0, 0.0, 0.0)):
        node = self.node("ShaderNodeVectorMath", operation=op)
        self._set(node.inputs[0], a)
        self._set(node.inputs[1], b)
        return node.outputs["Vector"]

    def scaled(self, sx: float, sy: float, sz: float):
        """The object coordinates stretched per axis (grain, streaks)."""
        return self.vec("MULTIPLY", self.object, (sx, sy, sz))

    def noise(self, scale: float, detail: float = 2.0, roughness: float = 0.55, vector=None):
        return self.node("ShaderNodeTexNoise", {"Vector": vector or self.object, "Scale": scale, "Detail": detail,
                                                "Roughness": roughness}).outputs["Factor"]

    def voronoi(self, scale: float, feature: str = "F1", vector=None, randomness: float = 1.0):
        return self.node("ShaderNodeTexVoronoi", {"Vector": vector or self.object, "Scale": scale,
                                                  "Randomness": randomness}, feature=feature).outputs["Distance"]

    def wave(self, scale: float, distortion: float, kind: str = "BANDS", direction: str = "Z", vector=None,
             profile: str = "SIN", detail: float = 2.0):
        props = {"wave_type": kind, "wave_profile": profile}
        props["bands_direction" if kind == "BANDS" else "rings_direction"] = direction
        return self.node("ShaderNodeTexWave", {"Vector": vector or self.object, "Scale": scale,
                                               "Distortion": distortion, "Detail": detail}, **props).outputs["Factor"]

    def bricks(self, width: float, height: float, mortar: float, vector, shade: float = 0.0):
        """(Fac of a running-bond pattern in metres: 1 in the joints, 0 on the units; a multiplier with mean 1 and
        relative spread `shade`, constant on each unit: no two planks or slabs are the same shade)."""
        spread = shade * np.sqrt(3.0)                # Blender draws each unit's tint uniformly between the two colours
        node = self.node("ShaderNodeTexBrick", {"Vector": vector, "Scale": 1.0, "Mortar Size": mortar,
                                                "Brick Width": width, "Row Height": height, "Mortar Smooth": 0.1,
                                                "Color1": (1 - spread,) * 3, "Color2": (1 + spread,) * 3,
                                                "Mortar": (1.0, 1.0, 1.0)}, offset=0.5)
        return node.outputs["Factor"], node.outputs["Color"]

    def around_one(self, fac, std: float, stats: tuple = None):
        """A multiplier with mean ~1 and relative spread `std` from a texture output, standardised by that texture's
        own mean and spread (TEXTURE_STATS, measured on Blender's textures); never below 0.05."""
        if not std:
            return 1.0
        mean, spread = stats or TEXTURE_STATS["noise"]
        return self.math("MAXIMUM", self.math("MULTIPLY_ADD", fac, std / spread, 1.0 - mean * std / spread), 0.05)

    def smooth(self, std: float, size_m: float = 1.0):
        """Cheap, gentle variation at one scale (two octaves): enough for roughness, which the eye reads coarsely."""
        return self.around_one(self.noise(1.0 / size_m, 2.0), std)

    def grunge(self, std: float, largest_m: float = 4.0, roughness: float = 0.75):
        """Variation on every scale from `largest_m` down to centimetres (fBm noise, 7 octaves): the stains, wear
        and unevenness that make real surfaces read as surfaces at any distance."""
        return self.around_one(self.noise(1.0 / largest_m, 7, roughness), std)

    def product(self, *factors):
        sockets = [f for f in factors if not isinstance(f, float)]
        out = sockets[0] if sockets else 1.0
        for f in sockets[1:]:
            out = self.math("MULTIPLY", out, f)
        return out

    def tint(self, colour, factor):
        """colour * factor (a scalar socket or number, or an RGB tuple), as a colour socket."""
        node = self.node("ShaderNodeMix", {"Factor": 1.0, "A": colour, "B": (1.0, 1.0, 1.0)}, data_type="RGBA",
                         blend_type="MULTIPLY")
        if isinstance(factor, tuple):                # per channel
            node.inputs["B"].default_value = (*factor, 1.0)
        elif is_socket(factor):
            grey = self.node("ShaderNodeCombineXYZ")
            for axis in "XYZ":
                self.links.new(factor, grey.inputs[axis])
            self.links.new(grey.outputs[0], node.inputs["B"])
        else:
            node.inputs["B"].default_value = (factor, factor, factor, 1.0)
        return node.outputs["Result"]

    def blend(self, fac, a, b):
        """Mix colours a and b by fac (socket or number)."""
        node = self.node("ShaderNodeMix", {"Factor": fac, "A": a, "B": b}, data_type="RGBA")
        return node.outputs["Result"]


def _joints(base, share: float, joint: tuple) -> tuple:
    """Unit colour that, with `share` of the area in joint colour, averages back to base."""
    return tuple(np.clip((np.asarray(base) - share * np.asarray(joint)) / (1.0 - share), 0.0, 1.0).tolist())


def _wall_uv(g: Graph):
    """Flat coordinates for patterns laid in courses: on walls along the wall (x + y) and up (z), so courses run
    level on every vertical face; on floors and roofs (x, y). A deforming mesh (a body's clothes) keeps its rest
    coordinates: its normals turn with the pose."""
    if g.rest:
        return g.object
    split = g.nodes.new("ShaderNodeSeparateXYZ")
    g.links.new(g.object, split.inputs[0])
    normal = g.nodes.new("ShaderNodeSeparateXYZ")
    g.links.new(g.nodes.new("ShaderNodeTexCoord").outputs["Normal"], normal.inputs[0])
    flat = g.math("GREATER_THAN", g.math("ABSOLUTE", normal.outputs["Z"]), 0.7)
    along = g.math("ADD", split.outputs["X"], split.outputs["Y"])
    u = g.math("ADD", along, g.math("MULTIPLY", flat, g.math("SUBTRACT", split.outputs["X"], along)))
    v = g.math("ADD", split.outputs["Z"], g.math("MULTIPLY", flat, g.math("SUBTRACT", split.outputs["Y"], split.outputs["Z"])))
    return g.node("ShaderNodeCombineXYZ", {"X": u, "Y": v, "Z": 0.0}).outputs[0]


# ---- recipes: (graph, base colour, material spec, per-material rng) -> albedo, roughness factor, height, bump
# strength, extra Principled inputs. Spreads are relative standard deviations of the albedo. ------------------------
V, E, W = TEXTURE_STATS["voronoi"], TEXTURE_STATS["edge"], TEXTURE_STATS["wave"]


def _stone(g, base, m, r):
    cells = g.voronoi(r.uniform(0.8, 2.0))
    grain = g.noise(r.uniform(8, 14), 6)
    albedo = g.tint(base, g.product(g.grunge(0.14, 6.0), g.around_one(cells, 0.08, V), g.around_one(grain, 0.1)))
    return albedo, g.smooth(0.2, 2.0), cells, 0.35, {}


def _marble(g, base, m, r):
    veins = g.math("POWER", g.wave(r.uniform(0.5, 1.5), r.uniform(8, 14), direction="DIAGONAL", detail=6), 4.0)
    albedo = g.tint(base, g.product(g.around_one(veins, 0.1, (0.2, 0.25)), g.grunge(0.06, 3.0)))
    return albedo, g.smooth(0.2, 1.0), None, 0.0, {}


def _masonry(g, base, m, r, width, height, mortar, joint_colour, strength):
    pattern, unit_shade = g.bricks(width, height, mortar, _wall_uv(g), shade=0.08)
    share = 0.9 * (1 - (1 - 2 * mortar / height) * (1 - 2 * mortar / width))    # joint area of Blender's brick texture
    unit = _joints(base, share, joint_colour)
    per_unit = g.around_one(g.noise(r.uniform(3, 6), 2), 0.1)
    grain = g.around_one(g.noise(r.uniform(25, 45), 2), 0.12)          # the aggregate of each unit
    albedo = g.blend(pattern, g.tint(g.tint(unit, unit_shade), g.product(per_unit, grain, g.grunge(0.12, 5.0))),
                     g.tint(joint_colour, g.grunge(0.1, 2.0)))
    return albedo, g.smooth(0.2, 2.0), g.math("MULTIPLY", pattern, -1.0), strength, {}


def _brick(g, base, m, r):
    joint = tuple(0.6 * np.asarray(base))                               # mortar: a darker, dirtier shade of the wall
    return _masonry(g, base, m, r, 0.23, 0.075, 0.006, joint, 0.6)


def _paving(g, base, m, r):
    joint = tuple(0.5 * np.asarray(base))
    size = r.uniform(0.3, 0.6)
    return _masonry(g, base, m, r, size, size * r.uniform(0.5, 1.0), 0.004, joint, 0.45)


def _tile(g, base, m, r):
    joint = tuple(0.45 * np.asarray(base))
    rows = g.wave(1 / 0.18, 0.5, direction="Z", profile="SAW")          # overlapping courses of roof tiles
    pattern, _ = g.bricks(0.25, 0.18, 0.005, _wall_uv(g))
    unit = g.tint(_joints(base, 0.9 * (1 - (1 - 0.01 / 0.18) * (1 - 0.01 / 0.25)), joint), g.product(g.around_one(g.noise(4, 2), 0.1), g.grunge(0.14, 4.0)))
    return g.blend(pattern, unit, joint), g.grunge(0.2, 2.0), g.math("SUBTRACT", rows, pattern), 0.5, {}


def _concrete(g, base, m, r):
    pores = g.noise(r.uniform(60, 120), 1)
    aggregate = g.around_one(g.noise(r.uniform(25, 45), 2), 0.1)
    albedo = g.tint(base, g.product(g.grunge(0.13, 3.0), g.around_one(g.noise(0.3, 3), 0.06), aggregate))
    return albedo, g.smooth(0.2, 1.0), pores, 0.25, {}


def _plaster(g, base, m, r):
    stucco = g.noise(r.uniform(15, 30), 3, 0.6)
    streaks = g.noise(1.0, 3, vector=g.scaled(3.0, 3.0, 0.5))          # rain streaks run down the wall
    albedo = g.tint(base, g.product(g.grunge(0.1, 3.0), g.around_one(streaks, 0.02 + 0.03 * m.wear),
                                    g.around_one(stucco, 0.09)))
    return albedo, g.smooth(0.15, 1.0), stucco, 0.45, {}


def _wood(g, base, m, r):
    uv = _wall_uv(g)
    planks, plank_shade = g.bricks(r.uniform(1.5, 3.0), r.uniform(0.12, 0.2), 0.004, uv, shade=0.12)
    # growth rings cut lengthwise: bands across the plank, stretched along it (a few cm apart), with finer figure
    along = g.vec("MULTIPLY", uv, (0.08, 1.0, 1.0))
    figure = g.wave(r.uniform(6, 10), r.uniform(5, 9), direction="Y", detail=4, vector=along)
    fine = g.wave(r.uniform(30, 45), 4.0, direction="Y", detail=2, vector=along)
    albedo = g.tint(g.tint(base, plank_shade), g.product(g.around_one(figure, 0.12, W), g.around_one(fine, 0.04, W),
                                                         g.grunge(0.08, 2.0)))
    return albedo, g.smooth(0.15, 1.0), g.math("MULTIPLY", planks, -1.0), 0.35, {}


def _metal(g, base, m, r):
    brushed = g.noise(40, 3, vector=g.scaled(1.0, 1.0, 0.05))
    albedo = g.tint(base, g.grunge(0.05, 2.0))
    return albedo, g.product(g.around_one(brushed, 0.2), g.grunge(0.25, 1.0)), g.math("MULTIPLY", brushed, 0.3), 0.05, {}


def _bronze(g, base, m, r):
    patina = g.math("MULTIPLY", g.math("POWER", g.noise(2.5, 5), 3.0), 0.05 + 0.1 * m.wear)
    albedo = g.blend(patina, g.tint(base, g.grunge(0.08, 1.0)), (0.12, 0.3, 0.22))
    return albedo, g.smooth(0.3, 1.0), g.noise(30, 4), 0.08, {}


def _glass(g, base, m, r):
    return g.tint(base, g.grunge(0.04, 2.0)), g.smooth(0.3, 1.0), None, 0.0, {}


def _foliage(g, base, m, r):
    clusters = g.voronoi(r.uniform(3, 6), "DISTANCE_TO_EDGE")
    warm = tuple(np.clip(np.asarray(base) * np.array([1.25, 1.1, 0.6]), 0, 1).tolist())    # sunlit, yellower leaves
    leaves = g.blend(g.math("MULTIPLY", g.noise(0.8, 2), 0.25), base, warm)
    albedo = g.tint(leaves, g.product(g.grunge(0.25, 1.0), g.around_one(clusters, 0.12, E)))
    return albedo, g.smooth(0.1, 1.0), clusters, 0.6, {}


def _bark(g, base, m, r):
    ridges = g.noise(r.uniform(6, 10), 2, vector=g.scaled(3.0, 3.0, 0.4))
    albedo = g.tint(base, g.product(g.around_one(ridges, 0.18), g.grunge(0.1, 1.0)))
    return albedo, g.smooth(0.1, 1.0), ridges, 0.8, {}


def _ground(g, base, m, r):
    albedo = g.tint(base, g.product(g.grunge(0.16, r.uniform(2, 5)), g.around_one(g.noise(r.uniform(0.03, 0.06), 3), 0.08)))
    return albedo, g.smooth(0.1, 1.0), g.noise(4, 2), 0.5, {}


def _grass(g, base, m, r):
    dry = tuple(np.clip(np.asarray(base) * np.array([1.5, 1.15, 0.55]), 0, 1).tolist())   # straw-coloured patches
    lush = _joints(base, 0.2, dry)
    patches = g.math("POWER", g.noise(r.uniform(0.03, 0.08), 6, 0.6), 2.0)
    albedo = g.tint(g.blend(g.math("MULTIPLY", patches, 0.8), lush, dry),
                    g.product(g.grunge(0.18, r.uniform(2, 5), 0.66), g.around_one(g.noise(r.uniform(8, 15), 2), 0.08)))
    return albedo, g.smooth(0.1, 1.0), g.noise(20, 2), 0.6, {}


def _rock(g, base, m, r):
    cracks = g.voronoi(r.uniform(0.8, 2.0), "DISTANCE_TO_EDGE")
    strata = g.wave(r.uniform(0.5, 1.5), 4, direction="Z", detail=4)
    albedo = g.tint(base, g.product(g.around_one(strata, 0.1, W), g.grunge(0.2, 8.0, 0.68), g.around_one(cracks, 0.12, E)))
    height_field = g.math("MINIMUM", g.math("MULTIPLY", cracks, 4.0), 1.0)
    return albedo, g.smooth(0.15, 2.0), height_field, 0.9, {}


def _sand(g, base, m, r):
    ripples = g.wave(r.uniform(2, 4), 3, direction="X", vector=g.scaled(1.0, 0.3, 1.0))
    albedo = g.tint(base, g.product(g.grunge(0.12, 20.0), g.around_one(ripples, 0.04, W)))
    return albedo, 1.0, ripples, 0.3, {}


def _snow(g, base, m, r):
    drifts = g.noise(r.uniform(0.3, 0.8), 2)
    return g.tint(base, g.grunge(0.04, 10.0)), g.smooth(0.3, 1.0), drifts, 0.3, {}


def _water(g, base, m, r):
    """Deep water: a dark body of its colour (water is seen by what it reflects), waves and ripples in the bump."""
    waves = g.noise(r.uniform(0.4, 1.0), 6, roughness=0.6)
    ripples = g.noise(r.uniform(6, 12), 3)
    return (g.tint(base, g.math("MULTIPLY", g.grunge(0.1, 30.0), 0.25)), 1.0,
            g.math("ADD", waves, g.math("MULTIPLY", ripples, 0.2)), 0.4, {"Specular IOR Level": 0.6})


def _foam(g, base, m, r):
    """Surf at the shore: white streaks broken by the water showing through."""
    streaks = g.math("POWER", g.noise(r.uniform(0.8, 1.5), 4, 0.6, vector=g.scaled(1.0, 4.0, 1.0)), 2.0)
    return g.tint(base, g.around_one(streaks, 0.35, (0.254, 0.065))), g.smooth(0.2, 1.0), streaks, 0.3, {}


def _fabric(g, base, m, r):
    pitch = r.uniform(150, 300)
    warp = g.wave(pitch, 0.0, direction="X", vector=_wall_uv(g))
    weft = g.wave(pitch, 0.0, direction="Y", vector=_wall_uv(g))
    weave = g.math("MULTIPLY", warp, weft)
    albedo = g.tint(base, g.product(g.around_one(weave, 0.06, (0.3, 0.3)), g.grunge(0.08, 0.5), _motif(g, m.pattern)))
    # cloth's fibres scatter light back at grazing angles: dark cloth greys at its silhouette, as a camera sees it
    return albedo, 1.0, weave, 0.2, {"Sheen Weight": r.uniform(0.2, 0.35), "Sheen Roughness": 0.5}


def _motif(g, pattern: str):
    """A fabric's motif as a multiplier with mean 1, so the named colour stays true: stripes round the body (Z is up;
    a 7 cm repeat), checks (2.5 cm squares from two band sets), heather (fine mottling); 1.0 for plain cloth. A wave
    texture's bands repeat every 2 pi / (20 scale) metres."""
    def bands(repeat_m, direction):
        return g.math("GREATER_THAN", g.wave(2 * np.pi / (20 * repeat_m), 0.0, direction=direction), 0.5)
    if pattern == "stripes":
        return g.around_one(bands(0.07, "Z"), 0.28, (0.5, 0.5))
    if pattern == "checks":
        return g.around_one(g.math("ABSOLUTE", g.math("SUBTRACT", bands(0.05, "X"), bands(0.05, "Z"))), 0.18, (0.5, 0.5))
    if pattern == "heather":
        return g.around_one(g.noise(400.0, 2.0), 0.12)
    return 1.0


def _leather(g, base, m, r):
    grain = g.voronoi(r.uniform(80, 150), "DISTANCE_TO_EDGE")
    return g.tint(base, g.grunge(0.1, 0.5)), g.smooth(0.2, 0.3), grain, 0.3, {}


def _skin(g, base, m, r):
    return g.tint(base, g.grunge(0.05, 0.3)), g.smooth(0.1, 0.2), g.noise(120, 2), 0.05, {}


def _hair(g, base, m, r):
    strands = g.noise(r.uniform(60, 120), 2, vector=g.scaled(12.0, 12.0, 0.5))
    return g.tint(base, g.around_one(strands, 0.15)), g.around_one(strands, 0.2), strands, 0.3, {}


def _paint(g, base, m, r):
    return g.tint(base, g.grunge(0.03, 1.0)), 1.0, g.noise(200, 2), 0.02, {}


def _rubber(g, base, m, r):
    return g.tint(base, g.grunge(0.1, 0.5)), g.smooth(0.1, 0.5), g.noise(150, 3), 0.1, {}


def _cardboard(g, base, m, r):
    fibres = g.noise(r.uniform(80, 150), 4, vector=g.scaled(1.0, 4.0, 1.0))
    flutes = g.wave(1 / 0.008, 0.0, direction="Z")
    albedo = g.tint(base, g.product(g.around_one(fibres, 0.05), g.grunge(0.08, 0.3)))
    return albedo, 1.0, flutes, 0.15, {}


def _plastic(g, base, m, r):
    """Kinds without a recipe (a concept's abstract forms): a gently worn satin surface."""
    return g.tint(base, g.grunge(0.06, 2.0)), g.smooth(0.2, 1.0), g.noise(40, 3), 0.05, {}


# rounded edges in the shading (Cycles' Bevel node): real edges are never knife-sharp, and the highlight they catch
# is much of what tells a solid from a paper model; metres of radius per kind (the geometry and labels stay sharp)
BEVEL_M = {"stone": 0.03, "marble": 0.02, "brick": 0.02, "concrete": 0.025, "wood": 0.01, "metal": 0.005, "bronze": 0.01,
           "tile": 0.01, "plaster": 0.02, "paint": 0.01, "rubber": 0.005, "cardboard": 0.003, "": 0.01}

RECIPES = {"stone": _stone, "marble": _marble, "brick": _brick, "concrete": _concrete, "wood": _wood, "metal": _metal,
           "bronze": _bronze, "glass": _glass, "tile": _tile, "plaster": _plaster, "foliage": _foliage, "bark": _bark,
           "ground": _ground, "paving": _paving, "fabric": _fabric, "leather": _leather, "hair": _hair, "skin": _skin,
           "paint": _paint, "rubber": _rubber, "cardboard": _cardboard, "grass": _grass, "rock": _rock, "sand": _sand,
           "snow": _snow, "soil": _ground, "water": _water, "foam": _foam}


def photo_material(tree, spec, rest: bool = False, simple_indirect: bool = False, bevel_samples: int = 4):
    """The photo look: the kind's recipe (plain PBR for a kind without one, e.g. a concept's abstract forms get a
    gently varied plastic), its bump into the BSDF's normal only, and the geometric normal AOV. `rest`: patterns on
    the mesh's rest positions (a skinned body). `simple_indirect`: rays from a diffuse bounce see the material's plain
    colour and roughness, without its patterns, bump or bevel (render.indirect=simple)."""
    if spec.kind == "cornea":
        return cornea_material(tree)
    rng = np.random.default_rng(spec.seed)
    g = Graph(tree, spec.seed, rest)
    recipe = RECIPES.get(spec.kind, _plastic)
    albedo, rough, height, strength, extra = recipe(g, tuple(spec.base_color), spec, rng)
    if spec.wet_below is not None:          # wet ground by the water: darker and glossier, fading over 40 cm up
        z = g.node("ShaderNodeSeparateXYZ", {"Vector": g.nodes.new("ShaderNodeNewGeometry").outputs["Position"]}).outputs["Z"]
        dry = g.math("MULTIPLY", g.math("SUBTRACT", z, spec.wet_below), 2.5, clamp=True)
        albedo = g.tint(albedo, g.math("MULTIPLY_ADD", dry, 0.45, 0.55))
        rough = g.math("MULTIPLY", rough, g.math("MULTIPLY_ADD", dry, 0.6, 0.4))
    bsdf = tree.nodes["Principled BSDF"]
    if spec.albedo_gain is not None:                     # over the clip: the pattern times that frame's gain
        gain = g.node("ShaderNodeRGB")
        gain.outputs[0].default_value = (1.0, 1.0, 1.0, 1.0)
        keyed_gain(gain.outputs[0], spec)
        albedo = g.node("ShaderNodeMix", {"Factor": 1.0, "A": albedo, "B": gain.outputs[0]}, data_type="RGBA",
                        blend_type="MULTIPLY").outputs["Result"]
    g._set(bsdf.inputs["Base Color"], albedo)
    g._set(bsdf.inputs["Roughness"], g.math("MULTIPLY", rough, spec.roughness, clamp=True) if is_socket(rough)
           else float(np.clip(spec.roughness * rough, 0.0, 1.0)))
    bsdf.inputs["Metallic"].default_value = spec.metallic
    for name, value in extra.items():
        bsdf.inputs[name].default_value = value
    emit(bsdf, spec)
    normal = None
    if spec.kind in BEVEL_M or spec.kind not in RECIPES:
        normal = g.node("ShaderNodeBevel", {"Radius": BEVEL_M.get(spec.kind, BEVEL_M[""])},
                        samples=bevel_samples).outputs["Normal"]
    if height is not None and strength > 0:
        bump = g.node("ShaderNodeBump", {"Height": height, "Strength": strength, "Distance": 0.02})
        if normal is not None:
            tree.links.new(normal, bump.inputs["Normal"])
        normal = bump.outputs["Normal"]
    if normal is not None:
        tree.links.new(normal, bsdf.inputs["Normal"])
    shader = bsdf.outputs[0]
    if simple_indirect:
        shader = plain_for_diffuse_rays(tree, bsdf, spec, spec.roughness * (1.0 if is_socket(rough) else rough), extra)
    shaded_outside_data_render(tree, shader, "Material Output")
    write_geometric_normal(tree)
