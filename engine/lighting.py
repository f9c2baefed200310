"""Light for the photo look: sky, sun, haze, white balance, all from the scene's Environment (numpy here; build_world
fills the world's node tree the backend hands it, without importing bpy).

Sky models (Environment.sky_model):
    physical   Blender's multiple-scattering sky from the sun's elevation; the sun is a lamp whose colour and strength
               come from the same atmosphere (SUN_SKY, measured from Blender's sky texture), so the balance of sun and
               sky, and its change towards dusk, is the atmosphere's, not a guess
    overcast   a grey CIE overcast dome (radiance (1 + 2 sin(elevation)) / 3 of the zenith's) and a weak, wide sun
    gradient   the colours the recipe gives (concept grammars: the sky's colour is one of the causes)
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.shading import Graph
from engine.surfaces import by_ray, shaded_outside_data_render

# Blender 5.0's MULTIPLE_SCATTERING sky (air, aerosol and ozone densities 1, sea level), per sun elevation (degrees):
# the sun disc's irradiance on a surface facing it, and the sky's irradiance on a horizontal surface, linear Rec.709,
# in the sky texture's units (measured by rendering a white plane under the sky, and the disc through a narrow camera;
# tests/test_lighting.py re-measures the sky at one elevation, so a Blender that changes its sky shows up).
SUN_SKY = np.array([
    (0.5, 10.177, 1.793, 0.0, 1.4759, 1.6181, 2.2939), (1, 17.75, 3.984, 0.0, 1.7225, 1.9629, 2.7304),
    (2, 33.518, 10.574, 0.07, 2.1851, 2.6884, 3.7072), (3, 48.271, 18.972, 1.639, 2.6013, 3.4178, 4.7838),
    (5, 72.154, 36.911, 8.379, 3.3111, 4.7733, 7.0365), (7, 89.776, 53.168, 17.766, 3.8915, 5.9373, 9.1908),
    (10, 108.189, 72.492, 32.443, 4.5808, 7.3297, 11.913), (13, 120.579, 86.682, 45.46, 5.1168, 8.3878, 13.9842),
    (16, 129.347, 97.243, 56.329, 5.5515, 9.2217, 15.5821), (20, 137.599, 107.564, 67.897, 6.0254, 10.1136, 17.263),
    (25, 144.621, 116.636, 78.813, 6.5119, 11.0187, 18.9591), (30, 149.464, 123.052, 86.971, 6.9202, 11.7766, 20.3822),
    (40, 155.613, 131.355, 98.046, 7.5836, 13.0127, 22.712), (50, 159.202, 136.292, 104.924, 8.103, 13.9815, 24.5431),
    (60, 161.403, 139.351, 109.292, 8.5098, 14.7388, 25.9721), (75, 163.167, 141.825, 112.884, 8.8928, 15.4641, 27.3538),
    (90, 163.692, 142.564, 113.967, 9.0307, 15.7147, 27.8253)])
SKY_SCALE = 0.01                # sky texture units -> scene units (keeps a noon sun near 1.6 W/m^2)
REAL_SUN_DEG = 0.545            # the sun's angular diameter: crisp shadows on a clear day
LUMA = np.array([0.2126, 0.7152, 0.0722])


def sun_irradiance(elevation_deg: float) -> np.ndarray:
    """RGB irradiance of the clear-sky sun on a surface facing it, scene units."""
    return np.array([np.interp(elevation_deg, SUN_SKY[:, 0], SUN_SKY[:, k]) for k in (1, 2, 3)]) * SKY_SCALE


def sky_irradiance(elevation_deg: float) -> np.ndarray:
    """RGB irradiance of the clear sky (sun excluded) on a horizontal surface, scene units."""
    return np.array([np.interp(elevation_deg, SUN_SKY[:, 0], SUN_SKY[:, k]) for k in (4, 5, 6)]) * SKY_SCALE


def daylight(elevation_deg: float) -> np.ndarray:
    """Total horizontal irradiance of a clear day: sun plus sky."""
    return sun_irradiance(elevation_deg) * np.sin(np.deg2rad(elevation_deg)) + sky_irradiance(elevation_deg)


# a camera set to daylight white balance: neutral under a high sun, so low suns stay golden and shade stays blue
WHITE_BALANCE = (daylight(60.0) @ LUMA) / daylight(60.0)


@dataclass
class Lighting:
    sky_model: str
    elevation_deg: float
    azimuth_deg: float            # clockwise from north (+Y), as Blender's sky texture turns its sun
    sun_color: tuple              # lamp colour (max channel 1) and strength (W/m^2), angular diameter
    sun_strength: float
    sun_angle_deg: float
    zenith: tuple                 # gradient and overcast skies: radiance at the zenith and the horizon
    horizon: tuple
    ground: tuple
    haze_radiance: tuple          # what aerial haze blends towards, in the same units as the render
    haze_sky: bool                # whether haze also veils the sky pixels (not over a physical sky: it has its own)
    white_balance: tuple          # per-channel gains already applied to every light above (the camera's white balance:
                                  # scaling all light scales the linear image, so the .blend reproduces it exactly)
    cloud_cover: float = 0.0      # share of the sky the cloud layer covers (0: none)
    cloud_seed: int = 0
    cloud_lit: tuple = (1.0, 1.0, 1.0)     # radiance of sunlit cloud tops and of shaded bases, in the sky's units
    cloud_shade: tuple = (0.5, 0.5, 0.5)
    veil: bool = False            # the photo look's thin high cloud over clear and gradient skies (the flat look: a
                                  # barely varying gradient, as before the photo look)


def lighting(env) -> Lighting:
    """The sky, sun and haze of the photo look for an Environment."""
    x, y, z = env.sun_direction
    elevation, azimuth = float(np.rad2deg(np.arcsin(np.clip(z, -1.0, 1.0)))), float(np.rad2deg(np.arctan2(x, y)) % 360)
    if env.sky_model == "gradient":
        return recipe_lighting(env, clouds=True)
    wb = WHITE_BALANCE
    sun = sun_irradiance(elevation) * env.sun_factor * wb
    sun_color, sun_strength = tuple((sun / max(sun.max(), 1e-9)).round(5).tolist()), round(float(sun.max()), 6)
    if env.sky_model == "physical":
        sky = sky_irradiance(elevation) * wb
        haze = (sky + 0.3 * sun * np.sin(np.deg2rad(elevation))) / np.pi * 1.4      # in-scattered sky and sunlight
        cloud = (sun * max(np.sin(np.deg2rad(elevation)), 0.2) + sky) / np.pi / SKY_SCALE     # in the sky texture's units
        return Lighting("physical", elevation, azimuth, sun_color, sun_strength, float(env.sun_angle_deg),
                        (0, 0, 0), (0, 0, 0), (0, 0, 0), tuple(haze.round(6).tolist()), False, _rounded(wb),
                        float(env.cloud_cover), int(env.cloud_seed), _rounded(0.85 * cloud), _rounded(0.35 * cloud), veil=True)
    # overcast: the clouds pass on part of the clear day's light as a grey dome, E = 7/9 pi L_zenith (CIE overcast)
    zenith = float(daylight(elevation) @ LUMA) * env.dome_factor / (7.0 / 9.0 * np.pi) * np.array([0.96, 0.98, 1.0])
    return Lighting("overcast", elevation, azimuth, sun_color, sun_strength, float(env.sun_angle_deg), _rounded(zenith),
                    _rounded(zenith / 3), _rounded(zenith * 0.15), _rounded(zenith / 3), True, _rounded(wb),
                    float(env.cloud_cover), int(env.cloud_seed), _rounded(zenith * 1.15), _rounded(zenith * 0.6))


def _rounded(rgb) -> tuple:
    return tuple(np.round(np.asarray(rgb, dtype=np.float64), 6).tolist())


def recipe_lighting(env, clouds: bool = False) -> Lighting:
    """The sun and gradient sky exactly as the recipe gives them (the flat look, and the concept grammars' skies), with
    the recipe's clouds and a veil of high cloud in the photo look (lit by its sun, shaded by its horizon)."""
    x, y, z = env.sun_direction
    strength = float(env.sky_strength)
    zenith, horizon = np.multiply(env.sky_zenith, strength), np.multiply(env.sky_horizon, strength)
    lit = np.asarray(env.sun_color) * env.sun_strength * max(z, 0.2) * 0.8 / np.pi + 0.5 * zenith
    return Lighting("gradient", float(np.rad2deg(np.arcsin(np.clip(z, -1.0, 1.0)))), float(np.rad2deg(np.arctan2(x, y)) % 360),
                    tuple(env.sun_color), float(env.sun_strength), float(env.sun_angle_deg), _rounded(zenith),
                    _rounded(horizon), _rounded(np.multiply(env.sky_ground, strength)), tuple(env.haze_color), True,
                    (1.0, 1.0, 1.0), float(env.cloud_cover) if clouds else 0.0, int(env.cloud_seed), _rounded(lit),
                    _rounded(0.7 * horizon), veil=clouds)


def build_world(tree, light: Lighting, simple_indirect: bool = False):
    """The world's node tree: a physical sky texture, or a gradient over the ray's elevation (overcast and gradient
    skies: horizon to zenith, linear in sin(elevation) for the CIE dome, over 0..0.4 for the recipe's gradient); then
    the cloud layer, if any. `simple_indirect`: only camera rays, reflections and refractions see the clouds and
    veil; the light the sky casts (its light samples, diffuse bounces) comes from the same sky smoothed, clouds
    blended in by their cover (render.indirect=simple)."""
    tree.nodes.clear()
    g = Graph(tree, light.cloud_seed)
    direction = g.node("ShaderNodeTexCoord").outputs["Generated"]
    split = g.node("ShaderNodeSeparateXYZ", {"Vector": direction})
    # below the horizon the sky texture turns to a dark ground; rays there (past the end of the ground, or through
    # gaps) see the horizon instead, as the eye does over flat land
    up = g.math("MAXIMUM", split.outputs["Z"], 0.01)
    if light.sky_model == "physical":
        lifted = g.vec("NORMALIZE", g.node("ShaderNodeCombineXYZ", {"X": split.outputs["X"], "Y": split.outputs["Y"],
                                                                       "Z": up}).outputs[0])
        sky = g.node("ShaderNodeTexSky", {"Vector": lifted}, sky_type="MULTIPLE_SCATTERING", sun_disc=False,
                     sun_elevation=float(np.deg2rad(max(light.elevation_deg, 0.5))),
                     sun_rotation=float(np.deg2rad(light.azimuth_deg)))
        colour, strength = g.tint(sky.outputs["Color"], light.white_balance), SKY_SCALE   # the camera's balance
    else:
        ramp = g.node("ShaderNodeMapRange", {"Value": split.outputs["Z"], "From Min": 0.0,
                                             "From Max": 1.0 if light.sky_model == "overcast" else 0.4})
        colour, strength = g.blend(ramp.outputs["Result"], light.horizon, light.zenith), 1.0
    smooth = colour
    layer = _cloud_layer(g, direction, up)
    if light.cloud_cover > 0:
        colour = _clouds(g, colour, layer, up, light)
    if light.veil:           # thin high cloud, streaked by the wind, seen in perspective: no real sky is a gradient
        streaks = g.vec("MULTIPLY", layer, (1.0, 0.25, 1.0))
        colour = g.tint(colour, g.around_one(g.noise(1 / 2500.0, 5, 0.62, vector=streaks), 0.05))
    elif light.sky_model != "overcast":
        colour = g.tint(colour, g.around_one(g.noise(3.0, 4, 0.6, vector=direction), 0.025))
    background = g.node("ShaderNodeBackground", {"Color": colour, "Strength": strength})
    output = g.node("ShaderNodeOutputWorld")
    shader = background.outputs["Background"]
    if simple_indirect:
        if light.cloud_cover > 0:        # the clouds' mean colour over the share they cover, fading as they do
            near = g.node("ShaderNodeMapRange", {"Value": up, "From Min": 0.02, "From Max": 0.2}).outputs["Result"]
            mean_cloud = tuple(0.5 * (np.asarray(light.cloud_lit) + np.asarray(light.cloud_shade)))
            smooth = g.blend(g.math("MULTIPLY", near, float(light.cloud_cover)), smooth, mean_cloud)
        plain = g.node("ShaderNodeBackground", {"Color": smooth, "Strength": strength})
        shader = by_ray(tree, shader, plain.outputs[0])
    if light.sky_model == "physical":   # Cycles computes a Sky Texture again whenever the world's shader changes
        tree.links.new(shader, output.inputs["Surface"])        # (~0.2 s): it keeps one shader
    else:                               # the data render's rays that miss see black instead of the clouds
        shaded_outside_data_render(tree, shader, output.name, "ShaderNodeBackground")


def _cloud_layer(g: Graph, direction, up):
    """Where each ray meets a cloud layer 1.5 km up: direction * (1500 / z), shifted by the seed's offset."""
    return g.vec("ADD", g.node("ShaderNodeVectorMath", {"Vector": direction, "Scale": g.math("DIVIDE", 1500.0, up)},
                               operation="SCALE").outputs["Vector"], tuple(np.multiply(g.offset, 40.0)))


def _clouds(g: Graph, sky, layer, up, light: Lighting):
    """Clouds on the layer: fBm noise there, thresholded to the cover, is the cloud; a second noise lights its tops
    and shades its bases; it fades towards the horizon, where the layer is too far away to resolve."""
    body = g.noise(1 / 1800.0, 5, 0.62, vector=layer)
    cut = 0.5 + 0.065 * float(np.clip(np.sqrt(2) * _erfinv(1 - 2 * light.cloud_cover), -3, 3))   # share above it
    density = g.node("ShaderNodeMapRange", {"Value": body, "From Min": cut - 0.01, "From Max": cut + 0.05,
                                            "To Min": 0.0, "To Max": 1.0}).outputs["Result"]
    near = g.node("ShaderNodeMapRange", {"Value": up, "From Min": 0.02, "From Max": 0.2}).outputs["Result"]
    lit = g.blend(g.noise(1 / 700.0, 2, 0.6, vector=layer), light.cloud_shade, light.cloud_lit)
    return g.blend(g.math("MULTIPLY", density, near), sky, lit)


def _erfinv(y: float) -> float:
    """Inverse error function (Winitzki's approximation; plenty for a cloud cover)."""
    a = 0.147
    ln = np.log(max(1e-12, 1 - y * y))
    first = 2 / (np.pi * a) + ln / 2
    return float(np.sign(y) * np.sqrt(np.sqrt(first * first - ln / a) - first))
