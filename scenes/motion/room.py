"""Motion's interior context: a closed room round the actors and the camera. Floor with a rug, four walls with
skirting, windows, a door and pictures, a ceiling with lamp panels, tables with chairs, shelves and a potted plant;
furniture is kept off the actors' paths and the camera's sight lines like every prop (the keep-out)."""
from __future__ import annotations

import numpy as np

from engine.geometry import pose
from engine.spec import Camera, SceneObject
from engine.streams import child
from generators import context
from generators.materials import material, pick
from generators.placement import place_each
from generators.shapes import MeshBuilder, box

WINDOW_GLOW, LAMP_GLOW = 6.0, 25.0        # radiance of a pane (the day outside) and of a lamp panel
PICTURE_COLOURS = ["red", "blue", "ochre", "teal", "yellow", "green", "dark_grey", "white"]


def build_room(rng, keepout, camera: Camera, objects: list) -> dict:
    """Adds the room's objects (ids continue after the actors'); returns the context tags."""
    eyes = np.array([np.asarray(p)[:3, 3] for p in camera.poses])
    pts = np.vstack([keepout.paths, eyes[:, :2]])
    lo, hi = pts.min(axis=0) - rng.uniform(1.5, 3.0, 2), pts.max(axis=0) + rng.uniform(1.5, 3.0, 2)
    mid, half = (lo + hi) / 2, (hi - lo) / 2
    wall_h = float(max(3.0, eyes[:, 2].max() + 0.6))
    floor_mat = material(rng, pick(rng, ["wood", "paving", "concrete"]), pick(rng, ["brown", "grey", "sandstone"]))   # paving: floor tiles
    wall_mat = material(rng, "plaster", pick(rng, ["white", "sandstone", "grey", "teal"]))
    fittings = child(rng)          # rug, windows, door, pictures, trim, ceiling and lamps draw from their own stream
    rug_mat = material(fittings, "fabric", pick(fittings, ["red", "blue", "ochre", "dark_grey", "teal"]))
    rug = (min(2 * half[0] - 1.0, fittings.uniform(2.0, 3.5)), min(2 * half[1] - 1.0, fittings.uniform(1.5, 2.5)))
    floor = MeshBuilder().add(box((2 * half[0], 2 * half[1], 0.02), (0, 0, -0.01)), 0)
    floor.add(box((*rug, 0.012), (*fittings.uniform(-0.3, 0.3, 2) * half, 0.006)), 1)
    objects.append(SceneObject(len(objects) + 1, "interior/floor", "floor", floor.build(), [floor_mat, rug_mat],
                               [pose((*mid, 0.0))], {"size_m": np.round(2 * half, 2).tolist(),
                                                     "rug_m": np.round(rug, 2).tolist()}, {"generator": "floor"}))
    _walls(fittings, mid, half, wall_h, wall_mat, objects)
    _ceiling(fittings, lo, hi, wall_h, objects)
    _furniture(rng, lo, hi, keepout, objects)
    return {"context": "interior", "room_m": np.round(2 * half, 2).tolist()}


def _walls(rng, mid, half, wall_h: float, wall_mat, objects: list):
    trim = material(rng, pick(rng, ["wood", "plaster"]), pick(rng, ["white", "white", "brown", "dark_grey"]))   # mostly white, as most are
    daylight = material(rng, "glass", "white", jitter=0.02)
    daylight.emission = WINDOW_GLOW
    door = material(rng, "wood", pick(rng, ["brown", "white", "dark_grey", "ochre"]))
    handle = material(rng, "metal", "grey")
    art = [material(rng, pick(rng, ["fabric", "plaster"]), pick(rng, PICTURE_COLOURS)) for _ in range(3)]
    door_wall = int(rng.integers(4))
    for k, (dx, dy, sx, sy) in enumerate(((0, 1, 2, 0), (0, -1, 2, 0), (1, 0, 0, 2), (-1, 0, 0, 2))):
        size = (half[0] * sx + 0.2, half[1] * sy + 0.2, wall_h)
        centre = (mid[0] + dx * (half[0] + 0.1), mid[1] + dy * (half[1] + 0.1), wall_h / 2)
        mesh, features = _wall(rng, size, (dx, dy), wall_h, door=k == door_wall)
        objects.append(SceneObject(len(objects) + 1, "interior/wall", f"wall_{k}", mesh,
                                   [wall_mat, trim, daylight, door, handle, *art], [pose(centre)],
                                   {"height_m": round(wall_h, 2), **features}, {"generator": "wall"}))


def _wall(rng, size, inward_from, height: float, door: bool):
    """A wall slab (centred on its pose) with, on its room side, a skirting board, sometimes windows (frames in the
    trim material, panes that glow with the day outside), a door and pictures. Materials: 0 wall, 1 trim, 2 pane,
    3 door, 4 handle, 5-7 pictures. Every part belongs to the wall's instance and class."""
    b = MeshBuilder().add(box(size, (0, 0, 0)), 0)
    along = 0 if size[0] > size[1] else 1                     # the wall's long axis
    normal = -np.array(inward_from, float)                    # from the wall's centre into the room
    face = np.asarray(size, float)[1 - along] / 2             # centre -> room-side face
    length = size[along] - 0.4
    floor = -height / 2

    def on_face(u, z, w, h, depth, out):
        centre, extent = np.zeros(3), np.zeros(3)
        centre[along], centre[1 - along], centre[2] = u, normal[1 - along] * (face + out), z
        extent[along], extent[1 - along], extent[2] = w, depth, h
        return box(tuple(extent), tuple(centre))

    b.add(on_face(0.0, floor + 0.05, length, 0.1, 0.03, 0.015), 1)                  # skirting board
    slots = list((np.arange(int(length // 2.4)) - (int(length // 2.4) - 1) / 2) * 2.4)   # 2.4 m bays along the wall
    rng.shuffle(slots)
    features = {"windows": 0, "door": False, "pictures": 0}
    if door and slots:
        u = slots.pop()
        b.add(on_face(u, floor + 1.05, 0.9, 2.1, 0.04, 0.02), 3).add(on_face(u + 0.35, floor + 1.0, 0.12, 0.03, 0.05, 0.06), 4)
        for du, dz, fw, fh in ((0, 2.13, 1.06, 0.08), (0.49, 1.05, 0.08, 2.1), (-0.49, 1.05, 0.08, 2.1)):
            b.add(on_face(u + du, floor + dz, fw, fh, 0.05, 0.025), 1)                 # the door's casing
        features["door"] = True
    for u in slots:
        if rng.uniform() < 0.45:
            w, h, sill = rng.uniform(0.9, 1.4), rng.uniform(1.1, 1.5), 0.9
            z = floor + sill + h / 2
            b.add(on_face(u, z, w, h, 0.01, 0.004), 2)                               # the pane
            for du, dz, fw, fh in ((0, h / 2, w + 0.1, 0.05), (0, -h / 2, w + 0.2, 0.06), (w / 2, 0, 0.05, h),
                                   (-w / 2, 0, 0.05, h), (0, 0, 0.03, h)):
                b.add(on_face(u + du, z + dz, fw, fh, 0.06, 0.03), 1)                # frame, sill and mullion
            features["windows"] += 1
        elif rng.uniform() < 0.6:
            w, h = rng.uniform(0.4, 1.1), rng.uniform(0.3, 0.8)
            z = floor + rng.uniform(1.4, 1.7)
            b.add(on_face(u, z, w + 0.06, h + 0.06, 0.03, 0.015), 1)                  # frame
            b.add(on_face(u, z, w, h, 0.01, 0.032), 5 + int(rng.integers(3)))         # the picture
            features["pictures"] += 1
    return b.build(), features


def _ceiling(rng, lo, hi, wall_h: float, objects: list):
    half, mid = (hi - lo) / 2, (hi + lo) / 2
    ceiling = MeshBuilder().add(box((2 * half[0] + 0.4, 2 * half[1] + 0.4, 0.2), (0, 0, 0.1)), 0).build()
    objects.append(SceneObject(len(objects) + 1, "interior/ceiling", "ceiling", ceiling,
                               [material(rng, "plaster", "white", jitter=0.02)], [pose((*mid, wall_h))],
                               {"height_m": round(wall_h, 2)}, {"generator": "ceiling"}))
    lamp_mat = material(rng, "glass", pick(rng, ["white", "yellow"]), jitter=0.02)
    lamp_mat.emission = LAMP_GLOW
    panel = MeshBuilder().add(box((0.6, 0.6, 0.05), (0, 0, -0.025)), 0).build()
    grid = np.maximum(1, np.round(2 * half / 3.5)).astype(int)          # a lamp every few metres
    for i in range(grid[0]):
        for j in range(grid[1]):
            xy = lo + (np.array([i, j]) + 0.5) * (hi - lo) / grid
            objects.append(SceneObject(len(objects) + 1, "interior/lamp", f"lamp_{i}_{j}", panel, [lamp_mat],
                                       [pose((*xy, wall_h))], {"size_m": [0.6, 0.6]}, {"generator": "ceiling lamp"}))


def _furniture(rng, lo, hi, keepout, objects: list):
    """Tables (each with chairs round it), shelves and a potted plant where the keep-out allows."""
    mid = (lo + hi) / 2

    def spot(r, radius):
        return r.uniform(lo + radius, hi - radius) if np.all(hi - lo > 2 * radius) else mid

    def add(class_path, mesh, mats, params, xy, yaw, generator):
        iid = len(objects) + 1
        objects.append(SceneObject(iid, class_path, f"{class_path.rsplit('/', 1)[-1]}_{iid:03d}", mesh, mats,
                                   [pose((*xy, 0.0), yaw=yaw)], params, {"generator": generator}))

    for kind, count in (("table", int(rng.integers(1, 3))), ("shelf", int(rng.integers(1, 3)))):
        for mesh, mats, params, xy, _ in place_each(rng, count, 25, lambda r: furniture(r, kind), spot, keepout.free):
            yaw = float(rng.choice([0, np.pi / 2]))
            add(f"interior/{kind}", mesh, mats, params, xy, yaw, kind)
            if kind == "table":
                _chairs(child(rng), xy, yaw, params, keepout, add)
    for mesh, mats, params, xy, _ in place_each(rng, int(rng.integers(0, 2)), 25, lambda r: context.prop(r, "planter"),
                                                spot, keepout.free):
        add("context/prop/planter", mesh, mats, params, xy, 0.0, "generators.context.prop")


def _chairs(rng, table_xy, table_yaw: float, table: dict, keepout, add):
    """Chairs on the table's long sides, facing it, wherever the keep-out leaves room."""
    mesh, mats, params = furniture(rng, "chair")
    c, s = np.cos(table_yaw), np.sin(table_yaw)
    for along in rng.choice([-0.35, 0.35], size=int(rng.integers(1, 3)), replace=False) * table["width"]:
        for side in (-1, 1):
            offset = np.array([along, side * (table["depth"] / 2 + 0.3)])
            xy = np.asarray(table_xy) + [c * offset[0] - s * offset[1], s * offset[0] + c * offset[1]]
            if keepout.free(xy, 0.3):
                add("interior/chair", mesh, mats, params, xy, table_yaw + (np.pi if side > 0 else 0.0), "chair")


def furniture(rng, kind: str):
    """A table, a shelf or a chair (its back towards -y), in one wooden material."""
    wood = material(rng, "wood", pick(rng, ["brown", "ochre", "white", "dark_grey"]))
    b = MeshBuilder()
    if kind == "table":
        w, d, h = rng.uniform(1.0, 1.8), rng.uniform(0.6, 0.9), rng.uniform(0.72, 0.78)
        b.add(box((w, d, 0.05), (0, 0, h - 0.025)), 0)
        for sx in (-1, 1):
            for sy in (-1, 1):
                b.add(box((0.06, 0.06, h - 0.05), (sx * (w / 2 - 0.05), sy * (d / 2 - 0.05), (h - 0.05) / 2)), 0)
    elif kind == "chair":
        w, d, h = 0.44, 0.44, 0.45
        b.add(box((w, d, 0.04), (0, 0, h - 0.02)), 0).add(box((w, 0.04, 0.45), (0, -d / 2 + 0.02, h + 0.225)), 0)
        for sx in (-1, 1):
            for sy in (-1, 1):
                b.add(box((0.04, 0.04, h - 0.04), (sx * (w / 2 - 0.02), sy * (d / 2 - 0.02), (h - 0.04) / 2)), 0)
    else:
        w, d, h = rng.uniform(0.8, 1.6), rng.uniform(0.3, 0.45), rng.uniform(1.5, 2.1)
        for sx in (-1, 1):
            b.add(box((0.04, d, h), (sx * (w / 2 - 0.02), 0, h / 2)), 0)
        for k in range(5):
            b.add(box((w - 0.08, d, 0.03), (0, 0, 0.05 + k * (h - 0.1) / 4)), 0)
    return b.build(), [wood], {"kind": kind, "width": round(float(w), 3), "depth": round(float(d), 3), "height": round(float(h), 3)}
