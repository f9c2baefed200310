"""The context around the actors: a street with a road and buildings, a park, a plaza with a landmark, or a room;
props kept off the actors' paths and the camera's lines of sight to them."""
from __future__ import annotations

import numpy as np

from engine.geometry import pose
from engine.spec import Camera, SceneObject
from engine.streams import child
from generators import context
from generators.landmarks import landmark
from generators.materials import material, pick
from generators.placement import footprint_radius, place_each
from generators.shapes import MeshBuilder, box, rectangle

CONTEXTS = ("street", "park", "plaza", "interior")


class Keepout:
    """Where props may not go: the actors' paths and the camera's eye and lines of sight to the actors."""

    def __init__(self, cast: list, camera: Camera, n_frames: int):
        self.paths = np.array([p for a in cast for p in a.positions])
        eyes = np.array([np.asarray(p)[:2, 3] for p in camera.poses])
        self.eyes = eyes
        step = max(1, n_frames // 8)
        self.segments = [(eyes[f], a.positions[f], 0.4) for f in range(0, n_frames, step) for a in cast]

    def add_strip(self, a, b, half_width: float):
        """Keep props off a strip (a road) from a to b."""
        self.segments.append((np.asarray(a, float), np.asarray(b, float), half_width + 0.5))

    def free(self, xy, r: float) -> bool:
        xy = np.asarray(xy, float)
        if np.min(np.linalg.norm(self.paths - xy, axis=1)) < r + 1.0:
            return False
        if np.min(np.linalg.norm(self.eyes - xy, axis=1)) < r + 1.5:
            return False
        for a, b, clearance in self.segments:
            ab = b - a
            t = np.clip(np.dot(xy - a, ab) / max(np.dot(ab, ab), 1e-9), 0, 1)
            if np.linalg.norm(xy - (a + t * ab)) < r + clearance:
                return False
        return True


def _scatter(rng, keepout: Keepout, maker, count, lo, hi, centre, objects, class_of):
    """`count` objects from `maker` at lo..hi metres from the centre, where the keep-out allows."""
    def spot(r, radius):
        dist, ang = r.uniform(lo, hi), r.uniform(0, 2 * np.pi)
        return centre + dist * np.array([np.cos(ang), np.sin(ang)])

    for mesh, mats, params, xy, _ in place_each(rng, count, 25, maker, spot, keepout.free):
        iid = len(objects) + 1
        cls = class_of(params)
        objects.append(SceneObject(iid, cls, f"{cls.rsplit('/', 1)[-1]}_{iid:03d}", mesh, mats,
                                   [pose((*xy, 0.0), yaw=rng.uniform(0, 2 * np.pi))], params,
                                   {"generator": getattr(maker, "__name__", "maker"), "params": params}))


def build_context(rng, ctx: str, keepout: Keepout, centre: np.ndarray, camera: Camera, objects: list) -> dict:
    """Adds the context's objects (ids continue after the actors'); returns context tags."""
    if ctx == "interior":
        return _interior(rng, keepout, camera, objects)
    if ctx == "street":
        return _street(rng, keepout, centre, objects)
    return _open_ground(rng, ctx, keepout, centre, objects)


def _interior(rng, keepout: Keepout, camera: Camera, objects: list) -> dict:
    """A room around the actors and the camera: floor, four walls, tables and shelves."""
    eyes = np.array([np.asarray(p)[:3, 3] for p in camera.poses])
    pts = np.vstack([keepout.paths, eyes[:, :2]])
    lo, hi = pts.min(axis=0) - rng.uniform(1.5, 3.0, 2), pts.max(axis=0) + rng.uniform(1.5, 3.0, 2)
    mid, half = (lo + hi) / 2, (hi - lo) / 2
    wall_h = float(max(3.0, eyes[:, 2].max() + 0.6))
    floor_mat = material(rng, pick(rng, ["wood", "tile", "concrete"]), pick(rng, ["brown", "grey", "sandstone"]))
    wall_mat = material(rng, "plaster", pick(rng, ["white", "sandstone", "grey", "teal"]))
    objects.append(SceneObject(len(objects) + 1, "interior/floor", "floor", rectangle(half[0], half[1]), [floor_mat],
                               [pose((*mid, 0.0))], {"size_m": np.round(2 * half, 2).tolist()}, {"generator": "floor"}))
    fittings = child(rng)          # windows, trim, ceiling and lamps draw from their own stream
    trim_mat = material(fittings, pick(fittings, ["wood", "plaster"]), pick(fittings, ["white", "brown", "dark_grey"]))
    daylight = material(fittings, "glass", "white", jitter=0.02)
    daylight.emission = 6.0                                   # a window's glow: the overcast day outside
    for k, (dx, dy, sx, sy) in enumerate(((0, 1, 2, 0), (0, -1, 2, 0), (1, 0, 0, 2), (-1, 0, 0, 2))):
        size = (half[0] * sx + 0.2, half[1] * sy + 0.2, wall_h)
        centre_w = (mid[0] + dx * (half[0] + 0.1), mid[1] + dy * (half[1] + 0.1), wall_h / 2)
        mesh, windows = _wall(fittings, size, (dx, dy), wall_h)
        objects.append(SceneObject(len(objects) + 1, "interior/wall", f"wall_{k}", mesh, [wall_mat, trim_mat, daylight],
                                   [pose(centre_w)], {"height_m": round(wall_h, 2), "windows": windows}, {"generator": "wall"}))
    ceiling = MeshBuilder().add(box((2 * half[0] + 0.4, 2 * half[1] + 0.4, 0.2), (0, 0, 0.1)), 0).build()
    objects.append(SceneObject(len(objects) + 1, "interior/ceiling", "ceiling", ceiling,
                               [material(fittings, "plaster", "white", jitter=0.02)], [pose((*mid, wall_h))],
                               {"height_m": round(wall_h, 2)}, {"generator": "ceiling"}))
    lamp_mat = material(fittings, "glass", pick(fittings, ["white", "yellow"]), jitter=0.02)
    lamp_mat.emission = 25.0
    grid = np.maximum(1, np.round(2 * half / 3.5)).astype(int)          # a lamp every few metres
    for i in range(grid[0]):
        for j in range(grid[1]):
            xy = lo + (np.array([i, j]) + 0.5) * (hi - lo) / grid
            objects.append(SceneObject(len(objects) + 1, "interior/lamp", f"lamp_{i}_{j}",
                                       MeshBuilder().add(box((0.6, 0.6, 0.05), (0, 0, -0.025)), 0).build(), [lamp_mat],
                                       [pose((*xy, wall_h))], {"size_m": [0.6, 0.6]}, {"generator": "ceiling lamp"}))

    def spot(r, radius):
        return r.uniform(lo + radius, hi - radius) if np.all(hi - lo > 2 * radius) else mid

    for kind, count in (("table", int(rng.integers(1, 3))), ("shelf", int(rng.integers(1, 3)))):
        for mesh, mats, params, xy, _ in place_each(rng, count, 25, lambda r: _furniture(r, kind), spot, keepout.free):
            iid = len(objects) + 1
            objects.append(SceneObject(iid, f"interior/{kind}", f"{kind}_{iid:03d}", mesh, mats,
                                       [pose((*xy, 0.0), yaw=rng.choice([0, np.pi / 2]))], params, {"generator": kind}))
    return {"context": "interior", "room_m": np.round(2 * half, 2).tolist()}


def _street(rng, keepout: Keepout, centre: np.ndarray, objects: list) -> dict:
    """Paving, a road behind the actors (as the camera sees them, so a passing car does not hide them), a row of
    buildings along each side, lamp posts and trees."""
    ground_mats = [material(rng, "paving", pick(rng, ["grey", "sandstone"]))]
    objects.append(SceneObject(len(objects) + 1, "ground", "ground", rectangle(1500, 1500), ground_mats, [pose()],
                               {"surface": ground_mats[0].color_name}, {"generator": "flat ground"}))
    eye = keepout.eyes[0]
    away = centre - eye
    away = away / max(np.linalg.norm(away), 1e-9)
    lateral = np.array([-away[1], away[0]])
    far = float(np.max((keepout.paths - centre) @ away))
    road_c = centre + away * (far + 4.5)
    road_yaw = float(np.arctan2(lateral[1], lateral[0]))
    keepout.add_strip(road_c - lateral * 200, road_c + lateral * 200, 3.5)
    road_mesh = MeshBuilder().add(box((400.0, 7.0, 0.02), (0, 0, 0.01)), 0).build()
    objects.append(SceneObject(len(objects) + 1, "structure/road", "road", road_mesh,
                               [material(rng, "concrete", "dark_grey", jitter=0.02)], [pose((*road_c, 0.0), yaw=road_yaw)],
                               {"width_m": 7.0}, {"generator": "road"}))
    for side in (-1, 1):            # a row of buildings along each side of the road
        for k in range(int(rng.integers(4, 9))):
            mesh, mats, params = context.building(child(rng))
            along = rng.uniform(-45, 45)
            depth = float(params["depth"])
            xy = road_c + lateral * along + away * side * (3.5 + 4.0 + depth / 2 + (far + 6.5 if side < 0 else 0))
            radius = footprint_radius(mesh)
            clear = all(np.linalg.norm(xy - o.pose(0)[:2, 3]) > radius + 6 for o in objects if o.class_path == "context/building")
            if clear and keepout.free(xy, radius):
                iid = len(objects) + 1
                objects.append(SceneObject(iid, "context/building", f"building_{iid:03d}", mesh, mats,
                                           [pose((*xy, 0.0), yaw=road_yaw)], params, {"generator": "generators.context.building"}))
    _scatter(rng, keepout, lambda r: context.prop(r, "lamppost"), int(rng.integers(2, 6)), 3, 20, centre, objects, _prop_class)
    _scatter(rng, keepout, context.tree, int(rng.integers(0, 4)), 5, 25, centre, objects, _tree_class)
    _clutter(child(rng), keepout, centre, objects)
    return {"context": "street", "road_heading_deg": round(float(np.rad2deg(road_yaw)), 2),
            "road_centre": np.round(road_c, 3).tolist(), "road_direction": np.round(lateral, 6).tolist()}


def _open_ground(rng, ctx: str, keepout: Keepout, centre: np.ndarray, objects: list) -> dict:
    """A park (trees, benches, lamp posts round a small paved patch) or a plaza (a wide paved square with a catalogue
    landmark in the background, beyond the actors)."""
    tags = {"context": ctx}
    plaza_half = 30.0 if ctx == "plaza" else float(rng.uniform(2.5, 5.0))
    g_mesh, g_mats, g_params = context.ground(rng, plaza_half, extent=1500.0)
    g_mesh.vertices = g_mesh.vertices + [*centre, 0.0]
    objects.append(SceneObject(len(objects) + 1, "ground", "ground", g_mesh, g_mats, [pose()], {"surface": g_mats[0].color_name},
                               {"generator": "generators.context.ground", "params": g_params}))
    if ctx == "park":
        _scatter(rng, keepout, context.tree, int(rng.integers(6, 16)), 4, 35, centre, objects, _tree_class)
        _scatter(rng, keepout, lambda r: context.prop(r, "bench"), int(rng.integers(2, 5)), 3, 12, centre, objects, _prop_class)
        _scatter(rng, keepout, lambda r: context.prop(r, "lamppost"), int(rng.integers(0, 3)), 3, 15, centre, objects, _prop_class)
        _clutter(child(rng), keepout, centre, objects)
        return tags
    lm = landmark(int(rng.integers(0, 120)))
    eye = keepout.eyes[0]
    away = (centre - eye) / max(np.linalg.norm(centre - eye), 1e-9)
    spot = centre + away * (lm.radius + rng.uniform(15, 30)) + np.array([-away[1], away[0]]) * rng.uniform(-10, 10)
    if keepout.free(spot, lm.radius):
        iid = len(objects) + 1
        objects.append(SceneObject(iid, lm.class_path, f"{lm.type}_{lm.landmark_id:04d}", lm.mesh, lm.materials,
                                   [pose((*spot, 0.0))], {"landmark_id": lm.landmark_id, "landmark_type": lm.type,
                                                            "style": lm.style},
                                   {"generator": "generators.landmarks.landmark", "landmark_id": lm.landmark_id}))
        tags["landmark_type"] = lm.type
    _scatter(rng, keepout, lambda r: context.prop(r), int(rng.integers(3, 8)), 3, 18, centre, objects, _prop_class)
    _scatter(rng, keepout, context.tree, int(rng.integers(0, 5)), 8, 28, centre, objects, _tree_class)
    _clutter(child(rng), keepout, centre, objects)
    return tags


def _clutter(rng, keepout: Keepout, centre, objects: list):
    """What people expect around them outdoors: bollards, planters, a sign, litter on the ground (each its own
    instance and class), off the actors' paths and the camera's sight lines like every prop."""
    for kind, count, lo, hi in (("bollard", int(rng.integers(0, 6)), 2, 12), ("planter", int(rng.integers(0, 3)), 3, 15),
                                ("sign", int(rng.integers(0, 2)), 3, 14), ("litter", int(rng.integers(2, 9)), 1.5, 10)):
        _scatter(rng, keepout, lambda r, kind=kind: context.prop(r, kind), count, lo, hi, centre, objects, _prop_class)


def _prop_class(params: dict) -> str:
    return f"context/prop/{params['kind']}"


def _tree_class(params: dict) -> str:
    return "context/tree"


def _wall(rng, size, inward_from, height: float):
    """A wall slab (centred on its pose) with a skirting board and, sometimes, windows on its room side: frames in the
    trim material and glowing panes (the day outside). Every part belongs to the wall's instance and class."""
    b = MeshBuilder().add(box(size, (0, 0, 0)), 0)
    along = 0 if size[0] > size[1] else 1                     # the wall's long axis
    normal = -np.array(inward_from, float)                    # from the wall's centre into the room
    face = np.asarray(size, float)[1 - along] / 2             # centre -> room-side face
    length = size[along] - 0.4

    def on_face(u, z, w, h, depth, out):
        centre, extent = np.zeros(3), np.zeros(3)
        centre[along], centre[1 - along], centre[2] = u, normal[1 - along] * (face + out), z
        extent[along], extent[1 - along], extent[2] = w, depth, h
        return box(tuple(extent), tuple(centre))

    b.add(on_face(0.0, -height / 2 + 0.05, length, 0.1, 0.03, 0.015), 1)             # skirting board
    windows = int(rng.integers(0, 3)) if length > 3 else 0
    for u in (np.arange(windows) - (windows - 1) / 2) * min(2.4, length / max(windows, 1)):
        w, h, sill = rng.uniform(0.9, 1.4), rng.uniform(1.1, 1.5), 0.9
        z = -height / 2 + sill + h / 2
        b.add(on_face(u, z, w, h, 0.01, 0.004), 2)                                  # the pane
        for du, dz, fw, fh in ((0, h / 2, w + 0.1, 0.05), (0, -h / 2, w + 0.2, 0.06), (w / 2, 0, 0.05, h), (-w / 2, 0, 0.05, h),
                               (0, 0, 0.03, h)):
            b.add(on_face(u + du, z + dz, fw, fh, 0.06, 0.03), 1)                   # frame, sill and mullion
    return b.build(), windows


def _furniture(rng, kind: str):
    wood = material(rng, "wood", pick(rng, ["brown", "ochre", "white", "dark_grey"]))
    b = MeshBuilder()
    if kind == "table":
        w, d, h = rng.uniform(1.0, 1.8), rng.uniform(0.6, 0.9), rng.uniform(0.72, 0.78)
        b.add(box((w, d, 0.05), (0, 0, h - 0.025)), 0)
        for sx in (-1, 1):
            for sy in (-1, 1):
                b.add(box((0.06, 0.06, h - 0.05), (sx * (w / 2 - 0.05), sy * (d / 2 - 0.05), (h - 0.05) / 2)), 0)
    else:
        w, d, h = rng.uniform(0.8, 1.6), rng.uniform(0.3, 0.45), rng.uniform(1.5, 2.1)
        for sx in (-1, 1):
            b.add(box((0.04, d, h), (sx * (w / 2 - 0.02), 0, h / 2)), 0)
        for k in range(5):
            b.add(box((w - 0.08, d, 0.03), (0, 0, 0.05 + k * (h - 0.1) / 4)), 0)
    return b.build(), [wood], {"kind": kind, "width": round(float(w), 3), "depth": round(float(d), 3), "height": round(float(h), 3)}
