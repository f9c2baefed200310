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
from scenes.motion.room import build_room

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
        return build_room(rng, keepout, camera, objects)
    if ctx == "street":
        return _street(rng, keepout, centre, objects)
    return _open_ground(rng, ctx, keepout, centre, objects)


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
        _scatter(rng, keepout, context.tree, int(rng.integers(14, 26)), 30, 55, centre, objects, _tree_class)
        _backdrop(child(rng), keepout, centre, objects, 60)
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
        keepout.add_strip(eye, spot, lm.radius + 2)            # the backdrop must not hide the landmark
    _backdrop(child(rng), keepout, centre, objects, plaza_half + 10)
    _scatter(rng, keepout, lambda r: context.prop(r), int(rng.integers(3, 8)), 3, 18, centre, objects, _prop_class)
    _scatter(rng, keepout, context.tree, int(rng.integers(0, 5)), 8, 28, centre, objects, _tree_class)
    _clutter(child(rng), keepout, centre, objects)
    return tags


def _backdrop(rng, keepout: Keepout, centre: np.ndarray, objects: list, ring: float):
    """A row of buildings round the square or park, fronts on a ring `ring` metres from its centre, so the view ends in
    a townscape, not an empty horizon; clear of any landmark, the actors' paths and the camera's sight lines."""
    big = [(o.pose(0)[:2, 3], footprint_radius(o.mesh)) for o in objects if o.class_path.startswith("landmark/")]
    angle = start = rng.uniform(0, 2 * np.pi)
    while True:
        mesh, mats, params = context.building(child(rng))
        half = params["width"] / 2 / ring                  # the facade's half-width as an angle on the ring
        angle += half + rng.uniform(1.0, 8.0) / ring
        if angle + half > start + 2 * np.pi:
            return
        xy = centre + (ring + params["depth"] / 2 + rng.uniform(0, 5)) * np.array([np.cos(angle), np.sin(angle)])
        radius = footprint_radius(mesh)
        if keepout.free(xy, radius) and all(np.linalg.norm(xy - c) > radius + r + 2 for c, r in big):
            iid = len(objects) + 1
            objects.append(SceneObject(iid, "context/building", f"building_{iid:03d}", mesh, mats,
                                       [pose((*xy, 0.0), yaw=angle + np.pi / 2)], params,
                                       {"generator": "generators.context.building"}))
        angle += half


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
