"""scene=landscape: a procedural terrain patch of one biome with water, rocks, thousands of plants, settlements with
roads and an optional catalogue landmark; a single view or a smooth flythrough above the terrain.

Pure recipe: (config, random streams, sample index) -> SceneSpec. No bpy here.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import List

import numpy as np
from omegaconf import MISSING

from engine.checks import ConfigError, require_choices, require_range
from engine.geometry import SENSOR_WIDTH_MM, compass_name, look_at, pose
from engine.labels import ClipLayers
from engine.spec import Camera, Mesh, SceneObject, SceneSpec
from engine.streams import Streams, child
from generators import context, vegetation
from generators.landmarks import landmark
from generators.materials import material, pick
from generators.placement import footprint_radius
from generators.shapes import square_ring
from generators.sky import TIME_PHRASES, TIMES_OF_DAY, WEATHER_PHRASES, WEATHERS, environment
from generators.terrain import (
    BIOMES,
    SURFACES,
    base_level,
    border_falloff,
    make_terrain,
    road_mesh,
    surface_classes,
    terrain_meshes,
    water_surface,
)
from scenes.ambience import ambient_soundtrack
from scenes.family import SceneFamily, register
from scenes.text import a_an

SEASONS = ("summer", "autumn", "winter")
CAMERA_MODES = ("single", "flythrough", "panorama")
# surface -> (material kind, colours by season)
SURFACE_LOOK = {"grass": ("grass", {"summer": ["green"], "autumn": ["ochre", "yellow"], "winter": ["brown"]}),
                "rock": ("rock", {s: ["grey", "dark_grey"] for s in SEASONS}),
                "sand": ("sand", {s: ["sandstone"] for s in SEASONS}),
                "snow": ("snow", {s: ["white"] for s in SEASONS}),
                "soil": ("soil", {s: ["brown"] for s in SEASONS})}


@dataclass
class Config:
    name: str = MISSING
    biomes: List[str] = MISSING
    seasons: List[str] = MISSING
    times_of_day: List[str] = MISSING
    weathers: List[str] = MISSING
    extent_m: float = MISSING
    terrain_resolution: int = MISSING
    plants: List[int] = MISSING
    rocks: List[int] = MISSING
    settlements: List[int] = MISSING
    buildings_per_settlement: List[int] = MISSING
    landmark_chance: float = MISSING
    camera_mode: str = MISSING
    frames: int = MISSING
    fps: float = MISSING
    camera_height_m: List[float] = MISSING
    pitch_deg: List[float] = MISSING
    focal_mm: List[float] = MISSING


def validate(cfg):
    require_choices(list(cfg.biomes), list(BIOMES), "scene.biomes")
    require_choices(list(cfg.seasons), list(SEASONS), "scene.seasons")
    require_choices(list(cfg.times_of_day), list(TIMES_OF_DAY), "scene.times_of_day")
    require_choices(list(cfg.weathers), list(WEATHERS), "scene.weathers")
    require_choices([cfg.camera_mode], list(CAMERA_MODES), "scene.camera_mode")
    if not 100 <= cfg.extent_m <= 20000:
        raise ConfigError(f"scene.extent_m: {cfg.extent_m} is not allowed; give 100..20000 metres")
    if not 16 <= cfg.terrain_resolution <= 1024:
        raise ConfigError(f"scene.terrain_resolution: {cfg.terrain_resolution} is not allowed; give 16..1024 cells")
    if not 1 <= cfg.frames <= 10000 or cfg.fps <= 0:
        raise ConfigError(f"scene.frames/fps: {cfg.frames}/{cfg.fps} is not allowed; give frames 1..10000 and fps > 0")
    if not 0 <= cfg.landmark_chance <= 1:
        raise ConfigError(f"scene.landmark_chance: {cfg.landmark_chance} is not allowed; give 0..1")
    require_range(cfg.plants, 0, 60000, "scene.plants")
    require_range(cfg.rocks, 0, 5000, "scene.rocks")
    require_range(cfg.settlements, 0, 10, "scene.settlements")
    require_range(cfg.buildings_per_settlement, 1, 60, "scene.buildings_per_settlement")
    require_range(cfg.camera_height_m, 1.0, 2000.0, "scene.camera_height_m")
    require_range(cfg.pitch_deg, -89.0, 30.0, "scene.pitch_deg")
    require_range(cfg.focal_mm, 8.0, 600.0, "scene.focal_mm")


def _resample(path: np.ndarray, spacing: float) -> np.ndarray:
    s = np.concatenate([[0], np.cumsum(np.linalg.norm(np.diff(path, axis=0), axis=1))])
    at = np.arange(0, s[-1] + spacing, spacing)
    return np.column_stack([np.interp(at, s, path[:, 0]), np.interp(at, s, path[:, 1])])


class _Objects:
    """Collects SceneObjects with dense instance ids."""

    def __init__(self):
        self.items = []

    def add(self, class_path, name, mesh, mats, obj_pose, attributes, source):
        iid = len(self.items) + 1
        self.items.append(SceneObject(iid, class_path, f"{name}_{iid:05d}", mesh, mats, [obj_pose], attributes, source))
        return iid


def _settlements(rng, cfg, terrain, objects, classes_grid):
    """Clusters of buildings on gentle dry ground, each with a road to the terrain's edge; maybe a landmark."""
    slope = terrain.slope_deg()
    n = terrain.heights.shape[0]
    axis = np.linspace(-terrain.extent / 2, terrain.extent / 2, n)
    wet = terrain.heights < (terrain.water_level if terrain.water_level is not None else -np.inf) + 3
    ok = (slope < 8) & ~wet & (classes_grid != SURFACES.index("snow"))
    inner = np.zeros_like(ok)
    m = n // 5
    inner[m:-m, m:-m] = True
    cand = np.argwhere(ok & inner)
    footprints, roads, info = [], [], []
    count = int(rng.integers(cfg.settlements[0], cfg.settlements[1] + 1)) if len(cand) else 0
    for s in range(count):
        r, c = cand[int(rng.integers(len(cand)))]
        centre = np.array([axis[c], axis[r]])
        if any(np.hypot(*(centre - f[:2])) < 120 for f in footprints):
            continue
        landmark_kind = None
        if rng.random() < cfg.landmark_chance:
            lm = landmark(int(rng.integers(0, 10000)))
            z = float(terrain.height_at(*centre)) - 0.5
            objects.add(lm.class_path, lm.type, lm.mesh, lm.materials, pose((*centre, z)),
                        {"landmark_id": lm.landmark_id, "landmark_type": lm.type, "style": lm.style},
                        {"generator": "generators.landmarks.landmark", "landmark_id": lm.landmark_id})
            footprints.append((*centre, lm.radius + 4))
            landmark_kind = lm.type
        n_buildings = int(rng.integers(cfg.buildings_per_settlement[0], cfg.buildings_per_settlement[1] + 1))
        placed = 0
        for _ in range(n_buildings * 10):
            if placed == n_buildings:
                break
            mesh, mats, params = context.building(child(rng))
            radius = footprint_radius(mesh)
            ang, dist = rng.uniform(0, 2 * np.pi), rng.uniform(8, 25 + 8 * n_buildings)
            xy = centre + dist * np.array([np.sin(ang), np.cos(ang)])
            if any(np.hypot(*(xy - f[:2])) < radius + f[2] + 2 for f in footprints):
                continue
            ring = xy + radius * np.array([[1, 0], [-1, 0], [0, 1], [0, -1], [0, 0]])
            heights = terrain.height_at(ring[:, 0], ring[:, 1])
            if heights.max() - heights.min() > 4 or (terrain.water_level is not None and heights.min() < terrain.water_level + 1):
                continue
            objects.add("structure/building", "building", mesh, mats, pose((*xy, float(heights.min()) - 0.3),
                        yaw=rng.uniform(0, 2 * np.pi)), params, {"generator": "generators.context.building", "params": params})
            footprints.append((*xy, radius))
            placed += 1
        # a road from the settlement towards the edge, meandering a little
        heading = rng.uniform(0, 2 * np.pi)
        length = terrain.extent * 0.45
        steps = np.linspace(0, 1, 12)
        wiggle = np.cumsum(rng.normal(0, 0.25, len(steps)))
        path = centre + length * np.column_stack([steps * np.sin(heading + wiggle * 0.3), steps * np.cos(heading + wiggle * 0.3)])
        road = road_mesh(terrain, np.clip(path, -terrain.extent * 0.48, terrain.extent * 0.48), width=5.0)
        road_mats = [material(rng, "paving", pick(rng, ["grey", "dark_grey", "sandstone"]))]
        objects.add("structure/road", "road", road, road_mats, pose(), {"width_m": 5.0},
                    {"generator": "generators.terrain.road_mesh"})
        roads.append(path)
        info.append({"buildings": placed, "landmark": landmark_kind})
    return footprints, roads, info


def _camera_poses(rng, cfg, terrain, targets):
    half = terrain.extent * 0.3
    pitch = np.deg2rad(rng.uniform(*cfg.pitch_deg))
    if cfg.camera_mode in ("single", "panorama"):
        xy = rng.uniform(-half, half, 2)
        z = float(terrain.height_at(*xy)) + rng.uniform(*cfg.camera_height_m)
        if terrain.water_level is not None:
            z = max(z, terrain.water_level + rng.uniform(*cfg.camera_height_m))
        # look at something: a settlement when there is one, else the highest ground (peaks, ridges, canyon rims)
        if targets and rng.random() < 0.7:
            goal = targets[int(rng.integers(len(targets)))]
            goal = np.array([*goal, float(terrain.height_at(*goal)) + 5])
        else:
            n = terrain.heights.shape[0]
            i, j = np.unravel_index(np.argmax(terrain.heights + rng.uniform(0, 5, terrain.heights.shape)), terrain.heights.shape)
            axis = np.linspace(-terrain.extent / 2, terrain.extent / 2, n)
            goal = np.array([axis[j], axis[i], terrain.heights[i, j]])
        d = goal[:2] - xy
        if np.hypot(*d) < 30:                  # standing on the target: look anywhere
            heading = rng.uniform(0, 2 * np.pi)
        else:
            heading = np.arctan2(d[0], d[1])
            pitch = float(np.clip(np.arctan2(goal[2] - z, np.hypot(*d)) + rng.uniform(-0.05, 0.05),
                                  np.deg2rad(cfg.pitch_deg[0]), np.deg2rad(max(cfg.pitch_deg[1], 10.0))))
        if cfg.camera_mode == "panorama":
            pitch = 0.0                        # a level 360-degree view: the horizon is the middle row
        positions, headings = np.array([[*xy, z]]), np.array([heading])
    else:                                      # smooth flythrough: gentle turns, constant clearance over the terrain
        start, heading0 = rng.uniform(-half, half, 2), rng.uniform(0, 2 * np.pi)
        speed = rng.uniform(4, 10)             # metres per frame
        k = np.arange(cfg.frames)
        headings = heading0 + 0.35 * np.sin(k / max(cfg.frames, 2) * np.pi * rng.uniform(0.5, 1.5))
        steps = speed * np.column_stack([np.sin(headings), np.cos(headings)])
        xy = start + np.cumsum(steps, axis=0) - steps[0]
        clearance = max(rng.uniform(*cfg.camera_height_m), 30.0)   # above the tallest tree or building
        dense = np.linspace(0, 1, 8)[:, None, None] * steps[None] + xy[None]   # terrain between frames too
        ground = terrain.height_at(dense[..., 0], dense[..., 1]).max(axis=0)
        floor = ground + clearance
        if terrain.water_level is not None:
            floor = np.maximum(floor, terrain.water_level + clearance)
        window = np.lib.stride_tricks.sliding_window_view(np.pad(floor, 3, mode="edge"), 7)
        z = np.convolve(np.pad(window.max(axis=1), 2, mode="edge"), np.ones(5) / 5, mode="valid")   # smooth ...
        z = np.maximum(z, floor)                                                                   # ... and clear
        positions = np.column_stack([xy, z])
    poses = [look_at(p, p + [np.sin(h) * np.cos(pitch), np.cos(h) * np.cos(pitch), np.sin(pitch)])
             for p, h in zip(positions, headings)]
    return poses, positions, headings, pitch


def build(cfg, streams: Streams, index: int, width: int, height: int) -> SceneSpec:
    scene, sky = streams["scene"], streams["environment"]
    biome, season = pick(scene, list(cfg.biomes)), pick(scene, list(cfg.seasons))
    time_of_day, weather = pick(sky, list(cfg.times_of_day)), pick(sky, list(cfg.weathers))
    env, env_tags = environment(sky, time_of_day, weather)
    terrain = border_falloff(make_terrain(streams["terrain"], biome, float(cfg.extent_m), int(cfg.terrain_resolution)))
    grid_classes = surface_classes(terrain, season)
    objects = _Objects()
    _ground_and_water(streams["terrain"], terrain, grid_classes, biome, season, objects)
    footprints, roads, settlements = _settlements(streams["settlements"], cfg, terrain, objects, grid_classes)
    targets = [np.array(f[:2]) for f in footprints]
    focal = float(streams["camera"].uniform(*cfg.focal_mm))
    cam_poses, cam_positions, headings, pitch = _camera_poses(streams["camera"], cfg, terrain, targets)
    keep_out = _keep_out(terrain, footprints, roads, cam_positions)
    plant_counts, n_rocks = _plants_and_rocks(streams["vegetation"], cfg, terrain, grid_classes, biome, season, keep_out,
                                              objects)

    camera = Camera(width=width, height=height, lens_mm=round(focal, 3), poses=cam_poses, sensor_width_mm=SENSOR_WIDTH_MM,
                    clip_end=20000.0, model="equirectangular" if cfg.camera_mode == "panorama" else "perspective")
    az = float(np.rad2deg(headings[0]) % 360)
    tags = {"biome": biome, "season": season, **env_tags, "water": BIOMES[biome][3] if terrain.water_level is not None else "none",
            "settlements": settlements, "plants": plant_counts, "rocks": n_rocks,
            "camera": {"mode": cfg.camera_mode, "frames": len(cam_poses), "heading_deg": round(az, 2),
                       "compass": compass_name(az), "pitch_deg": round(float(np.rad2deg(pitch)), 2),
                       "height_above_ground_m": round(float(cam_positions[0][2] - terrain.height_at(*cam_positions[0][:2])), 2),
                       "focal_mm": round(focal, 3)}}
    return SceneSpec(family="landscape", category=f"landscape/{biome}", objects=objects.items, camera=camera,
                     environment=env, n_frames=len(cam_poses), fps=float(cfg.fps) if len(cam_poses) > 1 else 1.0, tags=tags)


def _ground_and_water(rng, terrain, grid_classes, biome: str, season: str, objects: _Objects):
    """One mesh per surface class of the terrain, far ground continuing its border level to the horizon, water."""
    looks = {}
    for surface, mesh in terrain_meshes(terrain, grid_classes).items():
        kind, colours = SURFACE_LOOK[surface]
        looks[surface] = [material(rng, kind, pick(rng, colours[season]))]
        if terrain.water_level is not None:
            looks[surface][0].wet_below = round(terrain.water_level + 0.15, 3)
        objects.add(f"terrain/{surface}", f"terrain_{surface}", mesh, looks[surface], pose(), {"surface": surface},
                    {"generator": "generators.terrain.make_terrain", "biome": biome})
    far_surface = "snow" if biome == "snowfield" or season == "winter" else "sand" if BIOMES[biome][5] else "grass"
    v, ring, _ = square_ring(terrain.extent / 2, 4000.0, base_level(terrain))
    objects.add(f"terrain/{far_surface}", "far_ground", Mesh(v, ring, np.zeros(len(ring), np.int64)),
                looks.get(far_surface) or [material(rng, SURFACE_LOOK[far_surface][0], SURFACE_LOOK[far_surface][1][season][0])],
                pose(), {"surface": far_surface, "far": True}, {"generator": "generators.shapes.square_ring"})
    if terrain.water_level is not None:
        half = 4000.0 if BIOMES[biome][3] == "sea" else terrain.extent / 2
        water_mats = [material(rng, "water", pick(rng, ["blue", "teal"])), material(rng, "foam", "white", jitter=0.02)]
        surface = water_surface(child(rng), terrain, BIOMES[biome][3], half)
        objects.add("water", "water", surface, water_mats, pose((0, 0, terrain.water_level)),
                    {"kind": BIOMES[biome][3]}, {"generator": "generators.terrain.water_surface"})


def _grid_value(terrain, field, x, y):
    n_grid = terrain.heights.shape[0]
    j = np.clip(np.rint((x + terrain.extent / 2) / terrain.cell).astype(int), 0, n_grid - 1)
    i = np.clip(np.rint((y + terrain.extent / 2) / terrain.cell).astype(int), 0, n_grid - 1)
    return field[i, j]


def _keep_out(terrain, footprints, roads, cam_positions):
    """Where plants and rocks may not stand: settlements, roads, the camera's ground spots, water."""
    road_points = [p for path in roads for p in _resample(path, spacing=4.0)]

    def keep_out(x, y):
        blocked = np.zeros(len(x), dtype=bool)
        for fx, fy, fr in footprints:
            blocked |= np.hypot(x - fx, y - fy) < fr + 2
        for p in cam_positions:
            blocked |= np.hypot(x - p[0], y - p[1]) < 8
        for px, py in road_points:
            blocked |= np.hypot(x - px, y - py) < 6
        if terrain.water_level is not None:
            blocked |= terrain.height_at(x, y) < terrain.water_level + 0.5
        return blocked
    return keep_out


def _plants_and_rocks(rng, cfg, terrain, grid_classes, biome: str, season: str, keep_out, objects: _Objects):
    """Instanced vegetation (a few shared variants per kind, thousands of placements, one instance id each) where
    slope, moisture and surface suit each kind, and boulders on the steeper ground."""
    slope = terrain.slope_deg()

    def suitable(kind):
        def rule(x, y):
            s, m, c = (_grid_value(terrain, f, x, y) for f in (slope, terrain.moisture, grid_classes))
            base = np.clip(1 - s / 35, 0, 1)
            if kind == "tree":
                base = base * (0.2 + m) * np.where(c == SURFACES.index("rock"), 0.1, 1.0)
            elif kind == "grass":
                base = base * np.where(c == SURFACES.index("grass"), 1.0, 0.1)
            return np.clip(base * np.where(c == SURFACES.index("snow"), 0.15, 1.0), 0, 1)
        return rule

    foliage = vegetation.FOLIAGE[season]
    variants = {"tree": [context.tree(child(rng), foliage=foliage if k % 2 == 0 else ("leaf_green", "olive") if season != "winter" else ("leaf_green",),
                                      kind="deciduous" if k % 2 == 0 else "conifer") for k in range(4)],
                "bush": [vegetation.bush(child(rng), foliage) for _ in range(2)],
                "grass": [vegetation.grass_clump(child(rng), foliage) for _ in range(2)]}
    density = {"canyon": 0.25, "snowfield": 0.2, "mountains": 0.7}.get(biome, 1.0)
    n_plants = int(rng.integers(cfg.plants[0], cfg.plants[1] + 1) * density)
    share = {"tree": 0.4, "bush": 0.25, "grass": 0.35}
    plant_counts = {}
    for kind, frac in share.items():
        points = vegetation.scatter(rng, terrain, int(n_plants * frac), suitable(kind), keep_out)
        z = terrain.height_at(points[:, 0], points[:, 1]) - 0.3          # sunk a little: no floating on slopes
        choice = rng.integers(len(variants[kind]), size=len(points))
        yaw, scale = rng.uniform(0, 2 * np.pi, len(points)), rng.uniform(0.7, 1.3, len(points))
        for (x, y), zz, v, a, sc in zip(points, z, choice, yaw, scale):
            mesh, mats, params = variants[kind][v]
            objects.add(f"vegetation/{kind}", kind, mesh, mats, pose((x, y, zz), yaw=a, scale=sc),
                        {"variant": int(v), **params}, {"generator": f"variant {v}"})
        plant_counts[kind] = len(points)
    rock_variants = [vegetation.boulder(child(rng)) for _ in range(3)]
    rock_points = vegetation.scatter(rng, terrain, int(rng.integers(cfg.rocks[0], cfg.rocks[1] + 1)),
                                     lambda x, y: np.clip(_grid_value(terrain, slope, x, y) / 30, 0.1, 1), keep_out)
    for x, y in rock_points:
        v = int(rng.integers(3))
        mesh, mats, params = rock_variants[v]
        objects.add("terrain/rock", "boulder", mesh, mats, pose((x, y, float(terrain.height_at(x, y))),
                    yaw=rng.uniform(0, 2 * np.pi)), {"variant": v, **params}, {"generator": f"boulder variant {v}"})
    return plant_counts, len(rock_points)


# ---- captions --------------------------------------------------------------------------------------------------------
_BIOME = {"mountains": ("mountain", "산악"), "hills": ("hilly", "구릉"), "plains": ("open plain", "평원"),
          "coast": ("coastal", "해안"), "canyon": ("desert canyon", "사막 협곡"), "snowfield": ("snowfield", "설원")}
_SEASON = {"summer": ("in summer", "여름"), "autumn": ("in autumn", "가을"), "winter": ("in winter", "겨울")}
_WATER = {"sea": ("the sea", "바다"), "lake": ("a lake", "호수"), "river": ("a river", "강")}


def describe(spec: SceneSpec, frames: list, clip: ClipLayers, taxonomy, rng: np.random.Generator) -> dict:
    """Captions from the spec plus what the first frame actually shows (pixel shares of each class group)."""
    t = spec.tags
    total = spec.camera.width * spec.camera.height
    share = {}
    for o in frames[0]["objects"]:
        group = o["class_path"].split("/")[0] if not o["class_path"].startswith("landmark") else "landmark"
        share[group] = share.get(group, 0) + o["pixel_count"] / total
    water_seen = share.get("water", 0) > 0.01
    en_parts, ko_parts = [], []
    if water_seen and t["water"] in _WATER:
        en_parts.append(f"{_WATER[t['water']][0]}")
        ko_parts.append(_WATER[t["water"]][1])
    if share.get("vegetation", 0) > 0.15:
        en_parts.append("dense vegetation")
        ko_parts.append("울창한 식생")
    if share.get("structure", 0) > 0.005:
        en_parts.append("a small settlement")
        ko_parts.append("작은 마을")
    if share.get("landmark", 0) > 0.002:
        en_parts.append("a landmark")
        ko_parts.append("랜드마크")
    biome_en, biome_ko = _BIOME[t["biome"]]
    season_en, season_ko = _SEASON[t["season"]]
    when_en, when_ko = TIME_PHRASES[t["time_of_day"]]
    sky_en, sky_ko = WEATHER_PHRASES[t["weather"]]
    with_en = (" with " + ", ".join(en_parts[:-1]) + (" and " if len(en_parts) > 1 else "") + en_parts[-1]) if en_parts else ""
    with_ko = ("·".join(ko_parts) + "이(가) 있는 ") if ko_parts else ""
    view = pick(rng, ["seen", "viewed"])
    mode_en = {"flythrough": "an aerial flythrough of", "panorama": "a 360-degree panorama of"}.get(t["camera"]["mode"], "a view of")
    mode_ko = {"flythrough": "항공 비행 영상", "panorama": "360도 파노라마"}.get(t["camera"]["mode"], "장면")
    en = [f"{a_an(biome_en)} {biome_en} landscape{with_en} {when_en} {season_en}, {sky_en}.",
          f"{mode_en.capitalize()} {biome_en} terrain {view} looking {t['camera']['compass']} {when_en}."]
    ko = [f"{season_ko} {when_ko}, {sky_ko} {with_ko}{biome_ko} 풍경.",
          f"{when_ko}에 {biome_ko} 지형을 바라본 {mode_ko}."]
    return {"en": en, "ko": ko}


@register
class Landscape(SceneFamily):
    name = "landscape"
    Config = Config
    validate = staticmethod(validate)
    build = staticmethod(build)
    describe = staticmethod(describe)
    # flythroughs: wind (in leaves, with birds, where plants grow), waves on a coast
    soundtrack = staticmethod(ambient_soundtrack(
        lambda spec: "surf" if spec.tags["water"] == "sea" else "wind" if spec.tags["biome"] in ("snowfield", "canyon")
        else "park"))
