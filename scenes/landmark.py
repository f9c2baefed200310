"""scene=landmark: one catalogue landmark in context (ground, buildings, trees, props, sky), seen from a sampled viewpoint.

Pure recipe: (config, random streams, sample index) -> SceneSpec. No bpy here.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional

import numpy as np
from omegaconf import MISSING

from engine.checks import ConfigError, require_between, require_choices, require_range
from engine.geometry import SENSOR_WIDTH_MM, compass_name, look_at, pose
from engine.labels import ClipLayers
from engine.spec import Camera, SceneObject, SceneSpec
from engine.streams import Streams, child
from generators import context
from generators.landmarks import CATALOGUE, TYPES, landmark
from generators.materials import COLORS, KINDS, pick
from generators.placement import place_each
from generators.sky import TIME_PHRASES, TIMES_OF_DAY, WEATHER_PHRASES, WEATHERS, environment
from scenes.family import SceneFamily, register
from scenes.text import a_an, obj


@dataclass
class Config:
    name: str = MISSING
    landmarks: Optional[List[int]] = MISSING
    num_landmarks: int = MISSING
    times_of_day: List[str] = MISSING
    weathers: List[str] = MISSING
    buildings: List[int] = MISSING
    trees: List[int] = MISSING
    props: List[int] = MISSING
    fill: List[float] = MISSING
    elevation_deg: List[float] = MISSING
    focal_mm: List[float] = MISSING
    focus_classes: List[str] = MISSING
    views_per_scene: int = MISSING


CONTEXT_KINDS = {"context/building": "buildings", "context/tree": "trees",
                 **{f"context/prop/{kind}": "props" for kind in context.PROPS}}
FOCUSABLE = [CATALOGUE[t][0] for t in TYPES] + list(CONTEXT_KINDS)


def validate(cfg):
    require_choices(list(cfg.focus_classes), FOCUSABLE, "scene.focus_classes") if len(cfg.focus_classes) else None
    if cfg.landmarks is not None:
        if len(cfg.landmarks) == 0 or min(cfg.landmarks) < 0:
            raise ConfigError(f"scene.landmarks: {list(cfg.landmarks)} is not allowed; give landmark ids >= 0, or null")
    elif cfg.num_landmarks < 1:
        raise ConfigError(f"scene.num_landmarks: {cfg.num_landmarks} is not allowed; give >= 1")
    require_choices(list(cfg.times_of_day), list(TIMES_OF_DAY), "scene.times_of_day")
    require_choices(list(cfg.weathers), list(WEATHERS), "scene.weathers")
    for key, hi in (("buildings", 40), ("trees", 200), ("props", 40)):
        require_range(cfg[key], 0, hi, f"scene.{key}")
    require_range(cfg.fill, 0.05, 1.5, "scene.fill")
    require_range(cfg.elevation_deg, -10.0, 85.0, "scene.elevation_deg")
    require_range(cfg.focal_mm, 8.0, 600.0, "scene.focal_mm")
    require_between(cfg.views_per_scene, 1, 64, "scene.views_per_scene")


def identities(cfg) -> list[int]:
    """Landmark ids to cycle through; with landmark classes in focus_classes, only ids of those types."""
    focus = [TYPES.index(t) for t in TYPES if CATALOGUE[t][0] in cfg.focus_classes]
    if cfg.landmarks is not None:
        return [i for i in cfg.landmarks if not focus or i % len(TYPES) in focus] or focus
    if focus:       # num_landmarks identities, all of the focused types (id i has type i % 12)
        return [t + len(TYPES) * k for k in range(max(1, cfg.num_landmarks // len(focus))) for t in focus]
    return list(range(cfg.num_landmarks))


def _count_range(cfg, class_path: str):
    """[min, max] objects of a context class; a class in focus gets up to twice the usual maximum."""
    lo, hi = cfg[CONTEXT_KINDS[class_path]]
    return (hi, max(2 * hi, 1)) if class_path in cfg.focus_classes else (lo, hi)


def _place_context(rng, kind_count, makers, lm_radius, cameras_xy, target_xy, plaza_half):
    """Scatter context objects around the landmark: no overlaps, none at a camera, no building between a camera and
    the landmark (a wall would hide it entirely); trees and props may stand in the line of sight and occlude naturally."""
    placed = []   # (kind, x, y, radius)

    def clear_of(camera_xy, x, y, r, kind):
        if np.hypot(x - camera_xy[0], y - camera_xy[1]) < r + 6.0:
            return False
        if kind == "building":   # distance to the camera -> landmark segment
            seg = target_xy - camera_xy
            t = np.clip(np.dot([x, y] - camera_xy, seg) / np.dot(seg, seg), 0, 1)
            if np.hypot(*([x, y] - (camera_xy + t * seg))) < r + lm_radius * 0.6:
                return False
        return True

    def free(x, y, r, kind):
        if any(np.hypot(x - px, y - py) < r + pr + 1.0 for _, px, py, pr in placed):
            return False
        return all(clear_of(c, x, y, r, kind) for c in cameras_xy)

    for kind, count, r_min, r_max in kind_count:
        def spot(r, radius, kind=kind, r_min=r_min, r_max=r_max):
            lo = (plaza_half + radius + 1) if kind == "building" else lm_radius + radius + r_min
            dist, ang = r.uniform(lo, lo + r_max), r.uniform(0, 2 * np.pi)
            return target_xy[0] + dist * np.sin(ang), target_xy[1] + dist * np.cos(ang)

        for mesh, mats, params, (x, y), radius in place_each(rng, count, 30, makers[kind], spot,
                                                              lambda xy, r, kind=kind: free(*xy, r, kind)):
            placed.append((kind, x, y, radius))
            yield kind, mesh, mats, params, pose((x, y, 0.0), yaw=rng.uniform(0, 2 * np.pi))


def _view(cfg, rng, lm, width: int, height: int, sector: tuple | None = None) -> tuple:
    """(Camera, position, target, viewpoint tags): distance so the landmark's extent fills `fill` of the frame,
    compass azimuth from the landmark; `sector` (offset, view, views) keeps view k of a shared scene in its own
    360/views degrees of azimuth, so the views go round the landmark."""
    focal = float(rng.uniform(*cfg.focal_mm))
    half_hfov = np.arctan(SENSOR_WIDTH_MM / 2 / focal)
    half_vfov = np.arctan(SENSOR_WIDTH_MM * height / width / 2 / focal)
    fill = rng.uniform(*cfg.fill)
    distance = max(lm.height / 2 / np.tan(half_vfov), lm.radius / np.tan(half_hfov)) / fill
    distance = max(distance, lm.radius + 8.0)
    azimuth = rng.uniform(0, 360)
    if sector is not None:
        offset, view, views = sector
        azimuth = (offset + (view + azimuth / 360) * 360 / views) % 360
    elevation = np.deg2rad(rng.uniform(*cfg.elevation_deg))
    target = np.array([0.0, 0.0, lm.height * rng.uniform(0.3, 0.6)])
    a = np.deg2rad(azimuth)
    cam_pos = target + distance * np.array([np.cos(elevation) * np.sin(a), np.cos(elevation) * np.cos(a), np.sin(elevation)])
    cam_pos[2] = max(cam_pos[2], 1.6)            # eye height at least
    aim = target + rng.normal(0, 0.05, 3) * [lm.radius, lm.radius, lm.height]
    camera = Camera(width=width, height=height, lens_mm=round(focal, 3), poses=[look_at(cam_pos, aim)],
                    sensor_width_mm=SENSOR_WIDTH_MM)
    view_tags = {"azimuth_deg": round(azimuth, 2), "compass": compass_name(azimuth),
                 "elevation_deg": round(float(np.rad2deg(elevation)), 2), "distance_m": round(float(distance), 2),
                 "focal_mm": round(focal, 3)}
    return camera, cam_pos, target, view_tags


def build(cfg, streams: Streams, index: int, width: int, height: int) -> SceneSpec:
    """A landmark in its context. With scene.views_per_scene = k, samples k*g .. k*g+k-1 are k views of one scene:
    landmark, sky and context from the group's streams (Streams.for_scene), each view's camera in its own sector."""
    views = int(cfg.views_per_scene)
    group, view = divmod(index, views)
    scene = streams.for_scene(group) if views > 1 else streams
    ids = identities(cfg)
    lm = landmark(ids[group % len(ids)])          # balanced over identities: many views per landmark
    sky = scene["environment"]
    time_of_day, weather = pick(sky, list(cfg.times_of_day)), pick(sky, list(cfg.weathers))
    env, env_tags = environment(sky, time_of_day, weather)
    if views == 1:
        cameras = [_view(cfg, streams["camera"], lm, width, height)]
    else:             # every view of the scene drawn, so that the context keeps clear of all of them
        rng = scene["camera"]
        offset = rng.uniform(0, 360)
        cameras = [_view(cfg, child(rng), lm, width, height, (offset, k, views)) for k in range(views)]
    camera, cam_pos, target, view_tags = cameras[view]

    primary = lm.materials[0]
    lm_attrs = {"landmark_id": lm.landmark_id, "landmark_type": lm.type, "style": lm.style,
                "material": primary.kind, "color": primary.color_name, "params": lm.params}
    objects = [SceneObject(1, lm.class_path, f"{lm.type}_{lm.landmark_id:04d}", lm.mesh, lm.materials, [pose()],
                           lm_attrs, {"generator": "generators.landmarks.landmark", "landmark_id": lm.landmark_id})]
    rng = scene["layout"]                        # ground, plaza and the context objects around the landmark
    plaza_half = lm.radius + rng.uniform(6, 15)
    g_mesh, g_mats, g_params = context.ground(rng, plaza_half, extent=1500.0)
    objects.append(SceneObject(2, "ground", "ground", g_mesh, g_mats, [pose()], {"surface": g_mats[0].color_name},
                               {"generator": "generators.context.ground", "params": g_params}))
    counts = [(kind, int(rng.integers(lo, hi + 1)), near, far) for kind, (lo, hi), near, far in (
        ("building", _count_range(cfg, "context/building"), 0.0, 90.0), ("tree", _count_range(cfg, "context/tree"), 2.0, 60.0),
        ("prop", max(_count_range(cfg, f"context/prop/{c}") for c in context.PROPS), 1.0, 15.0))]
    focus_props = [c.rsplit("/", 1)[1] for c in cfg.focus_classes if c.startswith("context/prop/")]
    makers = {"building": context.building, "tree": context.tree,      # a prop class in focus: only that kind of prop
              "prop": lambda r: context.prop(r, kind=pick(r, focus_props) if focus_props else None)}
    for kind, mesh, mats, params, obj_pose in _place_context(rng, counts, makers, lm.radius, [c[1][:2] for c in cameras],
                                                             target[:2], plaza_half):
        iid = len(objects) + 1
        class_path = f"context/prop/{params['kind']}" if kind == "prop" else f"context/{kind}"
        objects.append(SceneObject(iid, class_path, f"{kind}_{iid:03d}", mesh, mats, [obj_pose], params,
                                   {"generator": f"generators.context.{kind}", "params": params}))

    tags = {"landmark_id": lm.landmark_id, "landmark_type": lm.type, "landmark_class": lm.class_path,
            "style": lm.style, "material": primary.kind, "color": primary.color_name, **env_tags, "viewpoint": view_tags}
    if views > 1:             # which samples share this scene: the same (group, attempt)
        tags["shared_scene"] = {"group": group, "attempt": streams.key[2], "view": view, "views": views}
    return SceneSpec(family="landmark", category=lm.class_path, objects=objects, camera=camera, environment=env, tags=tags,
                     subject_instance_id=1, scene_key=f"landmark{scene.key}" if views > 1 else None)


# ---- captions: exact, from the spec and the measured visibility ------------------------------------------------------
_STYLE = {"traditional": "전통", "ancient": "고대", "modern": "현대", "industrial": "산업풍", "medieval": "중세풍",
          "classical": "고전풍"}
_COMPASS_KO = {"north": "북쪽", "north-east": "북동쪽", "east": "동쪽", "south-east": "남동쪽", "south": "남쪽",
               "south-west": "남서쪽", "west": "서쪽", "north-west": "북서쪽"}
_OCCLUDER = {"context/tree": ("trees", "나무"), "context/building": ("buildings", "건물"),
             **{f"context/prop/{kind}": ("street furniture", "거리 시설물") for kind in context.PROPS},
             "ground": ("the terrain", "지형")}
_NUMBER = {3: "three", 5: "five", 7: "seven", 9: "nine"}


def describe(spec: SceneSpec, frames: list, clip: ClipLayers, taxonomy, rng: np.random.Generator) -> dict:
    """English and Korean captions from the spec and the landmark's labels in the first frame (visible_fraction,
    occluded_by, truncated)."""
    t = spec.tags
    subject = next(o for o in frames[0]["objects"] if o["instance_id"] == spec.subject_instance_id)
    cls = taxonomy[t["landmark_class"]]
    color_en, color_ko = COLORS[t["color"]][0], COLORS[t["color"]][1]
    mat_en, mat_ko = KINDS[t["material"]][0], KINDS[t["material"]][1]
    storeys = spec.objects[0].attributes["params"].get("storeys") if t["landmark_type"] == "pagoda" else None
    noun_en = f"{_NUMBER[storeys]}-storey {cls.en}" if storeys else cls.en
    noun_ko = f"{storeys}층 {cls.ko}" if storeys else cls.ko
    when_en, when_ko = TIME_PHRASES[t["time_of_day"]]
    sky_en, sky_ko = WEATHER_PHRASES[t["weather"]]
    compass = t["viewpoint"]["compass"]
    seen = pick(rng, ["seen", "viewed", "photographed"])

    visible, occluders = subject["visible_fraction"], subject.get("occluded_by", {})
    top = max(occluders, key=occluders.get) if occluders else None
    cut = bool(subject.get("truncated"))
    if visible >= 0.95 or top is None:
        occ_en, occ_ko = ("cut off by the frame", "화면 가장자리에서 잘림") if cut else ("in full view", "전체가 온전히 보임")
    else:
        by_en, by_ko = _OCCLUDER.get(top, ("other objects", "다른 물체"))
        amount_en, amount_ko = ("mostly", "대부분") if visible < 0.5 else ("partly", "일부")
        occ_en, occ_ko = f"{amount_en} hidden by {by_en}", f"{by_ko}에 {amount_ko} 가려짐"
        if cut:
            occ_en, occ_ko = occ_en + " and cut off by the frame", occ_ko + ", 화면 가장자리에서 잘림"

    en = [f"{a_an(color_en)} {color_en} {noun_en} {when_en}, {seen} from the {compass}, {occ_en}.",
          f"{a_an(t['style'])} {t['style']} {mat_en} {cls.en} {sky_en} {when_en}, {seen} from the {compass}.",
          f"The {noun_en} (landmark {t['landmark_id']}) {sky_en}; {occ_en}."]
    ko = [f"{when_ko}의 {color_ko} {noun_ko}, {_COMPASS_KO[compass]}에서 본 모습, {occ_ko}.",
          f"{sky_ko} {_STYLE[t['style']]} {mat_ko} {obj(cls.ko)} {_COMPASS_KO[compass]}에서 바라본 {when_ko} 풍경.",
          f"{noun_ko}(랜드마크 {t['landmark_id']}), {sky_ko}; {occ_ko}."]
    return {"en": en, "ko": ko}


assert len(TYPES) >= 12


@register
class Landmark(SceneFamily):
    name = "landmark"
    Config = Config
    validate = staticmethod(validate)
    build = staticmethod(build)
    describe = staticmethod(describe)
