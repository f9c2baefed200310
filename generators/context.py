"""Context around a landmark: ground with a plaza, ordinary buildings, trees and street props (distractors and occluders)."""
from __future__ import annotations

import numpy as np
import trimesh

from generators.materials import material, pick
from generators.shapes import MeshBuilder, box, dome, frustum, in_ellipsoid, limb, lump, place, sphere, square_ring


def ground(rng, plaza_half: float, extent: float):
    """Flat ground at z=0: a paved square plaza (material 1) inside grass/soil (material 0)."""
    vertices, ring, inner = square_ring(plaza_half, extent)
    mats = [material(rng, "ground", pick(rng, ["green", "ochre", "brown"])), material(rng, "paving", pick(rng, ["grey", "sandstone"]))]
    b = MeshBuilder().add(trimesh.Trimesh(vertices, inner, process=False), 1).add(trimesh.Trimesh(vertices, ring, process=False), 0)
    mats.append(material(rng, "stone", pick(rng, ["grey", "sandstone"])))
    for k in range(4):                                       # a kerb of stone along the plaza's edge
        along, across = (2 * plaza_half + 0.3, 0.3) if k < 2 else (0.3, 2 * plaza_half + 0.3)
        offset = (0, (1 if k == 0 else -1) * plaza_half) if k < 2 else ((1 if k == 2 else -1) * plaza_half, 0)
        b.add(box((along, across, 0.15), (*offset, 0.075)), 2)
    return b.build(), mats, {"plaza_half_width": round(plaza_half, 2), "extent": round(extent, 2)}


def building(rng):
    """An ordinary building: a block with a flat or gabled roof."""
    w, d, h = rng.uniform(8, 20), rng.uniform(8, 16), rng.uniform(6, 24)
    roof = pick(rng, ["flat", "gable"])
    mats = [material(rng, pick(rng, ["plaster", "brick", "concrete"]), pick(rng, ["white", "grey", "sandstone", "red", "brown"])),
            material(rng, "tile", pick(rng, ["dark_grey", "red", "brown"]))]
    b = MeshBuilder().add(box((w, d, h), (0, 0, h / 2)), 0)
    if roof == "flat":
        b.add(box((w + 0.4, d + 0.4, 0.5), (0, 0, h + 0.25)), 1)
    else:   # gable: a triangular prism along x
        rh = d * 0.35
        v = np.array([[-w / 2, -d / 2, 0], [w / 2, -d / 2, 0], [w / 2, d / 2, 0], [-w / 2, d / 2, 0],
                      [-w / 2, 0, rh], [w / 2, 0, rh]]) + [0, 0, h]
        f = np.array([[0, 1, 5], [0, 5, 4], [2, 3, 4], [2, 4, 5], [0, 4, 3], [1, 2, 5], [0, 3, 2], [0, 2, 1]])
        b.add(trimesh.Trimesh(v, f, process=False), 1)
    mats += [material(rng, "glass", pick(rng, ["dark_grey", "blue", "teal"])), material(rng, "wood", pick(rng, ["brown", "dark_grey"]))]
    storeys = _facades(b, rng, w, d, h)
    return b.build(), mats, {"width": round(w, 2), "depth": round(d, 2), "height": round(h, 2), "roof": roof,
                             "storeys": storeys}


def _facades(b: MeshBuilder, rng, w: float, d: float, h: float) -> int:
    """Windows on every storey of all four walls (panes proud of the wall by 3 cm, material 2, with a sill of the
    wall's material) and a door (material 3) in the middle of the front; returns the number of storeys. Part of the
    building's own mesh: windows and doors are the building's instance and class."""
    storey = rng.uniform(2.8, 3.6)
    storeys = max(1, int(h // storey))
    width, height = rng.uniform(0.9, 1.6), rng.uniform(1.2, 1.8)
    spacing = rng.uniform(width + 1.2, width + 2.8)
    for side, (length, half, axis) in enumerate(((w, d / 2, 1), (w, d / 2, 1), (d, w / 2, 0), (d, w / 2, 0))):
        sign = 1 if side % 2 == 0 else -1
        count = max(1, int((length - 1.0) // spacing))
        along = (np.arange(count) - (count - 1) / 2) * spacing
        for k in range(storeys):
            z = k * storey + storey * 0.45
            for a in along:
                if side == 0 and k == 0 and abs(a) < spacing / 2:
                    continue                                   # the door takes this bay
                pane = (width, 0.06, height) if axis == 1 else (0.06, width, height)
                centre = (a, sign * half, z + height / 2) if axis == 1 else (sign * half, a, z + height / 2)
                b.add(box(pane, centre), 2)
                sill = (width + 0.2, 0.16, 0.06) if axis == 1 else (0.16, width + 0.2, 0.06)
                b.add(box(sill, (centre[0], centre[1], z - 0.03)), 0)
    b.add(box((1.2, 0.08, 2.2), (0.0, d / 2, 1.1)), 3)
    return storeys


def tree(rng, kind: str | None = None, foliage=("leaf_green", "leaf_green", "olive", "ochre")):
    """A deciduous tree (a trunk forking into branches under a crown of leaf clusters) or a conifer (a trunk inside
    tiers of ragged, drooping whorls); `foliage` lists the named colours to draw from. All geometry: no alpha
    cut-outs, so masks stay hard."""
    kind = kind or pick(rng, ["deciduous", "conifer"])
    h = rng.uniform(5, 14)
    crown_color = pick(rng, list(foliage))
    mats = [material(rng, "bark", "brown"), material(rng, "foliage", crown_color, jitter=0.15)]
    b = MeshBuilder()
    if kind == "deciduous":
        trunk_h = h * rng.uniform(0.3, 0.4)
        b.add(frustum(h * 0.035, h * 0.025, trunk_h, 7), 0)
        r = h * rng.uniform(0.25, 0.35)
        centre = np.array([0.0, 0.0, trunk_h + r * 0.85])
        for k in range(int(rng.integers(3, 6))):                 # branches fork from the trunk's top into the crown
            tip = centre + in_ellipsoid(rng, (r * 0.7, r * 0.7, r * 0.6))
            b.add(limb((0.0, 0.0, trunk_h * 0.9), tip, h * 0.018), 0)
        for _ in range(int(rng.integers(22, 34))):                 # leaf clusters: denser towards the crown's skin
            spot = centre + in_ellipsoid(rng, (r, r, r * 1.1), shell=0.55)
            b.add(place(lump(rng), spot, scale=r * rng.uniform(0.22, 0.36)), 1)
    else:
        trunk_h = h * 0.15
        b.add(frustum(h * 0.03, h * 0.008, h * 0.95, 7), 0)
        tiers = int(rng.integers(7, 11))
        for k in range(tiers):
            z = trunk_h + (h * 0.85 - trunk_h) * k / tiers
            radius = h * 0.24 * (1 - k / tiers) ** 0.9 + 0.2
            b.add(_whorl(rng, radius, h * 0.22, z), 1)
    return b.build(), mats, {"kind": kind, "height": round(h, 2), "foliage": crown_color}


def _whorl(rng, radius: float, height: float, z: float) -> trimesh.Trimesh:
    """One tier of a conifer: a cone whose rim is ragged (branch tips of uneven length) and droops."""
    sections = 14                                  # neighbouring faces under 30 degrees apart: shaded smooth
    m = frustum(radius, 0.0, height, sections)
    v = np.asarray(m.vertices).copy()
    rim = np.arange(sections)
    v[rim, :2] *= rng.uniform(0.7, 1.15, (sections, 1))
    v[rim, 2] -= rng.uniform(0.0, 0.25, sections) * height
    v[:, 2] += z
    return trimesh.Trimesh(v, np.asarray(m.faces), process=False)


PROPS = ("lamppost", "bench", "bollard", "planter", "sign", "litter")


def prop(rng, kind: str | None = None):
    """Street furniture and clutter (drawn unless `kind` is given): lamp post, bench, bollard, planter with a shrub,
    sign on a pole, litter (a crumpled paper or a can). Materials: 0 metal, 1 wood, 2 the prop's own."""
    kind = kind or pick(rng, ["lamppost", "bench", "bench", "bollard", "bollard", "planter", "sign", "litter"])
    mats = [material(rng, "metal", pick(rng, ["black", "dark_grey", "green"])), material(rng, "wood", "brown")]
    b = MeshBuilder()
    if kind == "lamppost":
        h = rng.uniform(3.5, 6)
        b.add(frustum(0.08, 0.06, h, 8), 0).add(place(sphere(0.25, 1), (0, 0, h)), 0)
    elif kind == "bench":
        b.add(box((1.8, 0.5, 0.08), (0, 0, 0.45)), 1).add(box((1.8, 0.06, 0.45), (0, 0.22, 0.7)), 1)
        for x in (-0.8, 0.8):
            b.add(box((0.06, 0.45, 0.45), (x, 0, 0.225)), 0)
    elif kind == "bollard":
        h = rng.uniform(0.7, 1.0)
        b.add(frustum(0.1, 0.09, h, 12), 0).add(place(dome(0.09, 3, 12), (0, 0, h)), 0)
        mats.append(material(rng, "paint", pick(rng, ["white", "yellow", "red"])))
        b.add(frustum(0.102, 0.101, 0.06, 12).apply_translation((0, 0, h - 0.15)), 2)        # reflective band
    elif kind == "planter":
        w, h = rng.uniform(0.6, 1.2), rng.uniform(0.4, 0.7)
        mats.append(material(rng, "concrete", pick(rng, ["grey", "sandstone"])))
        mats.append(material(rng, "foliage", pick(rng, ["leaf_green", "olive"]), jitter=0.15))
        b.add(box((w, w, h), (0, 0, h / 2)), 2)
        for _ in range(5):
            r = w * rng.uniform(0.2, 0.3)
            b.add(place(lump(rng), (*rng.uniform(-w / 4, w / 4, 2), h + r * 0.6), scale=r), 3)
    elif kind == "sign":
        h = rng.uniform(2.2, 2.8)
        mats.append(material(rng, "paint", pick(rng, ["blue", "red", "white", "yellow"])))
        b.add(frustum(0.035, 0.035, h, 8), 0).add(box((rng.uniform(0.5, 0.8), 0.03, rng.uniform(0.4, 0.6)), (0, 0.05, h - 0.3)), 2)
    else:                                                                     # litter
        mats.append(material(rng, pick(rng, ["cardboard", "metal", "fabric"]), pick(rng, ["white", "red", "grey", "brown"])))
        s = rng.uniform(0.06, 0.15)
        flat = rng.uniform(0.25, 0.5)                                        # crumpled flat, not a ball
        b.add(place(lump(rng), (0, 0, s * flat * 0.5), scale=(s * rng.uniform(1.0, 1.6), s, s * flat)), 2)
    return b.build(), mats, {"kind": kind}
