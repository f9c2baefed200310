"""The landmark catalogue: twelve procedural landmark types built from parameters with trimesh.

A `landmark_id` fixes one landmark's identity (type, style, proportions, materials) independently of the run seed, so
the same landmark can be rendered from many viewpoints, times of day and weathers.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import trimesh

from engine.spec import Mesh
from generators.materials import material, pick
from generators.shapes import MeshBuilder, box, dome, frustum, place, sphere

LANDMARK_NAMESPACE = 0x1A4D  # keeps identity seeds apart from sample seeds


@dataclass
class Landmark:
    landmark_id: int
    type: str
    class_path: str
    style: str
    mesh: Mesh
    materials: list
    params: dict            # every sampled parameter (rounded), stored as provenance and used by captions

    @property
    def height(self) -> float:
        return float(self.mesh.vertices[:, 2].max())

    @property
    def radius(self) -> float:
        return float(np.linalg.norm(self.mesh.vertices[:, :2], axis=1).max())


def _u(rng, lo, hi, digits=2):
    return round(float(rng.uniform(lo, hi)), digits)


def _square_frustum(half_bottom, half_top, height):
    """Axis-aligned square frustum (4-sided) standing on z=0, given half widths."""
    return frustum(half_bottom * np.sqrt(2), half_top * np.sqrt(2), height, sections=4)


def _pagoda(rng, style):
    storeys = int(pick(rng, [3, 5, 7, 9]))
    base, taper, storey_h = _u(rng, 4, 7), _u(rng, 0.8, 0.9), _u(rng, 2.5, 4.0)
    overhang = _u(rng, 1.3, 1.6) if style == "traditional" else _u(rng, 1.05, 1.2)
    mats = ([material(rng, "wood", pick(rng, ["red", "brown"])), material(rng, "tile", pick(rng, ["dark_grey", "green"]))]
            if style == "traditional" else [material(rng, "stone", pick(rng, ["grey", "sandstone"]))] * 2)
    b = MeshBuilder().add(box((base * 2.4, base * 2.4, 1.2), (0, 0, 0.6)), 1)
    z, half = 1.2, base
    for _ in range(storeys):
        b.add(box((half * 2, half * 2, storey_h), (0, 0, z + storey_h / 2)), 0)
        roof_h = storey_h * 0.35
        b.add(place(_square_frustum(half * overhang, half * taper, roof_h), (0, 0, z + storey_h)), 1)
        z, half = z + storey_h + roof_h, half * taper
    spire = _u(rng, 3, 6)
    b.add(place(frustum(0.35, 0.1, spire, 8), (0, 0, z)), 1)
    return b, mats, {"storeys": storeys, "base_half_width": base, "storey_height": storey_h, "overhang": overhang}


def _observation_tower(rng, style):
    height, r0, r1 = _u(rng, 60, 140), _u(rng, 4, 7), _u(rng, 2, 3.5)
    pod_z, pod_r = round(height * _u(rng, 0.72, 0.85), 2), _u(rng, 7, 12)
    mats = [material(rng, "concrete" if style == "modern" else "metal", pick(rng, ["white", "grey", "red"])),
            material(rng, "glass", pick(rng, ["blue", "teal", "dark_grey"])), material(rng, "metal", "grey")]
    b = MeshBuilder().add(frustum(r0, r1, height, 12), 0)
    b.add(place(frustum(pod_r, pod_r * 0.8, pod_r * 0.7, 16), (0, 0, pod_z)), 1)
    b.add(place(frustum(pod_r * 0.8, r1, pod_r * 0.3, 16), (0, 0, pod_z + pod_r * 0.7)), 0)
    antenna = _u(rng, 10, 30)
    b.add(place(frustum(0.6, 0.15, antenna, 6), (0, 0, height)), 2)
    return b, mats, {"height": height, "pod_height": pod_z, "pod_radius": pod_r, "antenna": antenna}


def _clock_tower(rng, style):
    width, height = _u(rng, 5, 9), _u(rng, 22, 45)
    kinds = ("stone", "tile") if style == "medieval" else ("brick", "metal")
    mats = [material(rng, kinds[0], pick(rng, ["grey", "sandstone"] if style == "medieval" else ["red", "brown"])),
            material(rng, kinds[1], pick(rng, ["dark_grey", "copper_green"])), material(rng, "plaster", "white"),
            material(rng, "metal", "black")]
    b = MeshBuilder().add(box((width, width, height), (0, 0, height / 2)), 0)
    stage = width * 1.15
    b.add(box((stage, stage, width * 1.2), (0, 0, height + width * 0.6)), 0)
    face_z = height + width * 0.6
    for k in range(4):
        yaw = k * np.pi / 2
        d = stage / 2 + 0.05
        disc = place(trimesh.creation.cylinder(radius=width * 0.38, height=0.1, sections=24),
                     rotation=trimesh.transformations.rotation_matrix(np.pi / 2, [1, 0, 0])[:3, :3])   # faces -Y
        b.add(place(disc, (d * np.sin(yaw), -d * np.cos(yaw), face_z), yaw=yaw), 2)
    spire = _u(rng, 0.8, 2.0) * width
    b.add(place(_square_frustum(stage / 2, 0.0, spire), (0, 0, height + width * 1.2)), 1)
    return b, mats, {"width": width, "shaft_height": height, "spire_height": spire}


def _lighthouse(rng, style):
    height, r0 = _u(rng, 15, 35), _u(rng, 2.5, 4.5)
    r1 = r0 * _u(rng, 0.6, 0.8)
    stripes = int(rng.integers(0, 5)) if style == "classical" else 0
    mats = [material(rng, "plaster" if style == "classical" else "concrete", "white"),
            material(rng, "plaster", pick(rng, ["red", "black", "blue"])), material(rng, "glass", "yellow"),
            material(rng, "metal", pick(rng, ["red", "dark_grey", "green"]))]
    b = MeshBuilder()
    bands = 2 * stripes + 1
    for k in range(bands):   # stacked bands of a tapered cylinder, alternating colour
        z0, z1 = height * k / bands, height * (k + 1) / bands
        rb, rt = r0 + (r1 - r0) * z0 / height, r0 + (r1 - r0) * z1 / height
        b.add(place(frustum(rb, rt, z1 - z0, 20), (0, 0, z0)), k % 2)
    b.add(place(frustum(r1 * 1.4, r1 * 1.4, 0.4, 20), (0, 0, height)), 3)
    lantern = r1 * 1.2
    b.add(place(frustum(r1 * 0.8, r1 * 0.8, lantern, 16), (0, 0, height + 0.4)), 2)
    b.add(place(dome(r1 * 0.9, 4, 16), (0, 0, height + 0.4 + lantern)), 3)
    return b, mats, {"height": height, "base_radius": r0, "stripes": stripes}


def _windmill(rng, style):
    height, r0 = _u(rng, 10, 16), _u(rng, 3, 4.5)
    blade = _u(rng, 8, 12)
    mats = [material(rng, pick(rng, ["plaster", "brick", "wood"]), pick(rng, ["white", "brown", "red"])),
            material(rng, "wood", pick(rng, ["dark_grey", "brown"])), material(rng, "wood", pick(rng, ["white", "brown"]))]
    b = MeshBuilder().add(frustum(r0, r0 * 0.65, height, 8), 0)
    b.add(place(frustum(r0 * 0.75, 0.0, r0 * 0.9, 8), (0, 0, height)), 1)
    hub = np.array([0.0, -(r0 * 0.75 + 0.6), height + r0 * 0.3])
    tilt = np.deg2rad(_u(rng, 0, 45))
    for k in range(4):      # sails in the x-z plane in front of the cap, facing -Y
        angle = tilt + k * np.pi / 2
        rot = trimesh.transformations.rotation_matrix(angle, [0, 1, 0])[:3, :3]
        sail = box((1.6, 0.15, blade), (0.5, 0, blade / 2 + 0.4))
        b.add(place(sail, hub, rotation=rot), 2)
    return b, mats, {"height": height, "base_radius": r0, "sail_length": blade, "sail_angle_deg": round(np.rad2deg(tilt), 2)}


def _obelisk(rng, style):
    height, half = _u(rng, 15, 40), _u(rng, 1.0, 2.0)
    mats = [material(rng, "stone" if style == "ancient" else "marble",
                     pick(rng, ["sandstone", "grey", "ochre"]) if style == "ancient" else "white"),
            material(rng, "stone", pick(rng, ["grey", "dark_grey"])), material(rng, "bronze", "gold")]
    plinth = half * _u(rng, 2.5, 4.0)
    b = MeshBuilder().add(box((plinth * 2, plinth * 2, 1.0), (0, 0, 0.5)), 1)
    b.add(box((plinth * 1.4, plinth * 1.4, 1.5), (0, 0, 1.75)), 1)
    b.add(place(_square_frustum(half, half * 0.7, height), (0, 0, 2.5)), 0)
    b.add(place(_square_frustum(half * 0.7, 0.0, half * 1.2), (0, 0, 2.5 + height)), 2)
    return b, mats, {"height": height, "half_width": half, "plinth_half_width": plinth}


def _statue(rng, style):
    plinth_h, plinth_w, figure = _u(rng, 2.5, 5), _u(rng, 2.5, 4), _u(rng, 4, 9)
    mats = [material(rng, "bronze" if style == "classical" else "metal",
                     pick(rng, ["bronze", "copper_green", "gold"]) if style == "classical" else pick(rng, ["grey", "red"])),
            material(rng, "marble" if style == "classical" else "concrete", pick(rng, ["white", "grey"]))]
    b = MeshBuilder().add(box((plinth_w * 1.3, plinth_w * 1.3, 0.6), (0, 0, 0.3)), 1)
    b.add(box((plinth_w, plinth_w, plinth_h), (0, 0, 0.6 + plinth_h / 2)), 1)
    z, s = 0.6 + plinth_h, figure / 8.0   # a figure of eight head-heights, abstract (no likeness)
    raised = bool(rng.integers(2))
    for side in (-1, 1):
        b.add(place(frustum(0.45 * s, 0.35 * s, 4 * s, 8), (side * 0.5 * s, 0, z)), 0)          # legs
        arm_rot = trimesh.transformations.rotation_matrix(side * (2.6 if raised and side > 0 else 0.25), [0, 1, 0])[:3, :3]
        b.add(place(frustum(0.3 * s, 0.22 * s, 3.2 * s, 8), (side * 1.3 * s, 0, z + 6.8 * s), rotation=arm_rot
                    @ trimesh.transformations.rotation_matrix(np.pi, [0, 1, 0])[:3, :3]), 0)  # arms hang from shoulders
    b.add(place(frustum(0.9 * s, 1.2 * s, 3.0 * s, 10), (0, 0, z + 4 * s)), 0)                  # torso
    b.add(place(sphere(0.55 * s, 2), (0, 0, z + 7.6 * s)), 0)                                     # head
    return b, mats, {"plinth_height": plinth_h, "figure_height": figure, "arm_raised": raised}


def _triumphal_arch(rng, style):
    width, height, depth = _u(rng, 14, 24), _u(rng, 12, 22), _u(rng, 5, 9)
    opening = width * _u(rng, 0.35, 0.5)
    mats = [material(rng, "marble" if style == "classical" else "concrete",
                     pick(rng, ["white", "sandstone"]) if style == "classical" else "grey"),
            material(rng, "stone", pick(rng, ["grey", "sandstone"]))]
    pier_w = (width - opening) / 2
    spring = height * 0.62
    b = MeshBuilder()
    for side in (-1, 1):
        b.add(box((pier_w, depth, spring), (side * (opening / 2 + pier_w / 2), 0, spring / 2)), 0)
    b.add(box((width, depth, height - spring), (0, 0, spring + (height - spring) / 2)), 0)
    b.add(box((width * 1.06, depth * 1.08, 0.8), (0, 0, height + 0.4)), 1)                     # cornice
    b.add(box((width * 0.7, depth * 0.9, height * 0.18), (0, 0, height + 0.8 + height * 0.09)), 0)  # attic
    return b, mats, {"width": width, "height": height, "depth": depth, "opening": opening}


def _domed_hall(rng, style):
    width, body_h = _u(rng, 24, 45), _u(rng, 10, 18)
    dome_r = width * _u(rng, 0.3, 0.42)
    columns = int(pick(rng, [4, 6, 8]))
    mats = [material(rng, "marble" if style == "classical" else "concrete", pick(rng, ["white", "sandstone", "grey"])),
            material(rng, "metal" if style == "classical" else "glass",
                     pick(rng, ["copper_green", "gold", "dark_grey"]) if style == "classical" else pick(rng, ["blue", "teal"])),
            material(rng, "marble", "white")]
    b = MeshBuilder().add(box((width, width * 0.8, body_h), (0, 0, body_h / 2)), 0)
    b.add(place(frustum(dome_r * 1.05, dome_r * 1.05, dome_r * 0.5, 20), (0, 0, body_h)), 0)    # drum
    b.add(place(dome(dome_r, 8, 24), (0, 0, body_h + dome_r * 0.5)), 1)
    b.add(place(frustum(dome_r * 0.12, dome_r * 0.12, dome_r * 0.3, 8), (0, 0, body_h + dome_r * 1.5)), 1)  # lantern
    portico_y = -width * 0.4 - 3.0
    for k in range(columns):
        x = (k - (columns - 1) / 2) * (width * 0.6 / (columns - 1))
        b.add(place(frustum(0.6, 0.5, body_h * 0.85, 10), (x, portico_y, 0)), 2)
    b.add(box((width * 0.7, 6.5, body_h * 0.15), (0, -width * 0.4 - 2.6, body_h * 0.925)), 0)   # entablature
    return b, mats, {"width": width, "body_height": body_h, "dome_radius": dome_r, "columns": columns}


def _stadium(rng, style):
    rx, ry, tiers = _u(rng, 40, 70), 0.0, int(rng.integers(2, 5))
    ry = round(rx * _u(rng, 0.65, 0.8), 2)
    tier_h = _u(rng, 4, 7)
    mats = [material(rng, "concrete", pick(rng, ["grey", "white"])), material(rng, "plaster", pick(rng, ["red", "blue", "yellow"])),
            material(rng, "metal", pick(rng, ["white", "grey"])), material(rng, "ground", "green")]
    b = MeshBuilder()
    for k in range(tiers):   # each tier a ring stepping outwards and upwards, scaled into an ellipse
        r_in, r_out = 1.0 + 0.08 * k, 1.12 + 0.08 * k
        ring = trimesh.creation.annulus(r_min=r_in, r_max=r_out, height=tier_h * (k + 1), sections=40)
        b.add(place(ring, (0, 0, tier_h * (k + 1) / 2), scale=(rx, ry, 1.0)), k % 2)
    roof = trimesh.creation.annulus(r_min=1.0 + 0.08 * tiers, r_max=1.2 + 0.08 * tiers, height=0.6, sections=40)
    b.add(place(roof, (0, 0, tier_h * tiers + 1.5), scale=(rx, ry, 1.0)), 2)
    b.add(place(box((2 * rx * 0.95, 2 * ry * 0.95, 0.2), (0, 0, 0.1))), 3)
    return b, mats, {"radius_x": rx, "radius_y": ry, "tiers": tiers, "tier_height": tier_h}


def _stepped_pyramid(rng, style):
    steps, base, height = int(rng.integers(4, 9)), _u(rng, 18, 35), _u(rng, 18, 35)
    mats = [material(rng, "stone", pick(rng, ["sandstone", "grey", "ochre"])), material(rng, "stone", pick(rng, ["grey", "dark_grey"]))]
    b, step_h = MeshBuilder(), height / steps
    for k in range(steps):
        half = base * (1 - 0.8 * k / steps)
        b.add(box((2 * half, 2 * half, step_h), (0, 0, (k + 0.5) * step_h)), 0)
    temple = base * 0.2
    b.add(box((2 * temple, 2 * temple, step_h * 1.5), (0, 0, height + step_h * 0.75)), 1)
    for k in range(steps):   # a stairway up the south face, one block per step
        half = base * (1 - 0.8 * k / steps)
        b.add(box((base * 0.3, step_h * 2, step_h), (0, -half - step_h, (k + 0.5) * step_h)), 1)
    return b, mats, {"steps": steps, "base_half_width": base, "height": height}


def _arch_bridge(rng, style):
    span, width, deck_z = _u(rng, 40, 80), _u(rng, 6, 12), _u(rng, 8, 16)
    rise = deck_z * _u(rng, 0.7, 0.95) if style == "classical" else deck_z + _u(rng, 8, 20)
    mats = [material(rng, "stone" if style == "classical" else "concrete", pick(rng, ["grey", "sandstone"])),
            material(rng, "stone" if style == "classical" else "metal", pick(rng, ["grey", "sandstone"]) if style == "classical" else pick(rng, ["red", "white"]))]
    b = MeshBuilder().add(box((span + 20, width, 1.2), (0, 0, deck_z)), 0)
    for side in (-1, 1):
        b.add(box((6, width * 1.1, deck_z), (side * (span / 2 + 3), 0, deck_z / 2)), 0)       # abutments
    segments = 16
    xs = np.linspace(-span / 2, span / 2, segments + 1)
    zs = 0.6 + rise * (1 - (2 * xs / span) ** 2)                       # parabolic arch; ribs (1.2 m) rest on z=0
    for k in range(segments):
        p0, p1 = np.array([xs[k], 0, zs[k]]), np.array([xs[k + 1], 0, zs[k + 1]])
        length = np.linalg.norm(p1 - p0)
        angle = np.arctan2(p1[2] - p0[2], p1[0] - p0[0])
        rot = trimesh.transformations.rotation_matrix(-angle, [0, 1, 0])[:3, :3]
        rib = box((length * 1.05, width * (0.9 if style == "classical" else 0.3), 1.2))
        for y in ((0.0,) if style == "classical" else (-width * 0.4, width * 0.4)):
            b.add(place(rib, (p0 + p1) / 2 + [0, y, 0], rotation=rot), 1)
    return b, mats, {"span": span, "deck_width": width, "deck_height": deck_z, "arch_rise": round(float(rise), 2)}


# type -> (taxonomy class path, builder, styles it comes in)
CATALOGUE = {
    "pagoda": ("landmark/tower/pagoda", _pagoda, ["traditional", "ancient"]),
    "observation_tower": ("landmark/tower/observation_tower", _observation_tower, ["modern", "industrial"]),
    "clock_tower": ("landmark/tower/clock_tower", _clock_tower, ["medieval", "classical"]),
    "lighthouse": ("landmark/tower/lighthouse", _lighthouse, ["classical", "modern"]),
    "windmill": ("landmark/building/windmill", _windmill, ["traditional"]),
    "obelisk": ("landmark/monument/obelisk", _obelisk, ["ancient", "classical"]),
    "statue": ("landmark/monument/statue", _statue, ["classical", "modern"]),
    "triumphal_arch": ("landmark/monument/triumphal_arch", _triumphal_arch, ["classical", "modern"]),
    "domed_hall": ("landmark/building/domed_hall", _domed_hall, ["classical", "modern"]),
    "stadium": ("landmark/building/stadium", _stadium, ["modern"]),
    "stepped_pyramid": ("landmark/monument/stepped_pyramid", _stepped_pyramid, ["ancient"]),
    "arch_bridge": ("landmark/bridge/arch_bridge", _arch_bridge, ["classical", "modern"]),
}
TYPES = list(CATALOGUE)


def landmark(landmark_id: int) -> Landmark:
    """The landmark with this identity: type cycles through the catalogue, everything else from the id's own seed."""
    if landmark_id < 0:
        raise ValueError(f"landmark_id must be >= 0, got {landmark_id}")
    rng = np.random.default_rng([LANDMARK_NAMESPACE, landmark_id])
    kind = TYPES[landmark_id % len(TYPES)]
    class_path, builder, styles = CATALOGUE[kind]
    style = pick(rng, styles)
    parts, materials, params = builder(rng, style)
    return Landmark(landmark_id, kind, class_path, style, parts.build(), list(materials), params)
