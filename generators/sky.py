"""Sun, sky and haze from a time of day and a weather (numpy only)."""
from __future__ import annotations

import numpy as np

from engine.spec import Environment

# time of day -> nominal hour (jittered by up to +-0.5 h per sample)
TIMES_OF_DAY = {"dawn": 6.6, "morning": 9.0, "noon": 12.5, "afternoon": 15.5, "dusk": 18.4}
# weather -> (sun strength factor, sun angular diameter (deg), haze density range (1/m), sky model of the photo look,
#             share of a clear day's light an overcast dome passes on)
WEATHERS = {"clear": (1.0, 0.545, (0.0002, 0.0006), "physical", 0.0),
            "hazy": (0.7, 3.0, (0.0008, 0.0015), "physical", 0.0),
            "overcast": (0.12, 30.0, (0.0004, 0.0008), "overcast", 0.45),
            "foggy": (0.08, 40.0, (0.0025, 0.005), "overcast", 0.35)}
# share of the sky under cloud, by weather (overcast: a textured layer everywhere; fog hides the sky)
CLOUD_COVER = {"clear": (0.05, 0.35), "hazy": (0.2, 0.5), "overcast": (0.97, 1.0), "foggy": (0.0, 0.0)}
# exposure key of the photo look: low sun and fog are low-key and high-key scenes, the rest middle grey
EXPOSURE_KEY = {"dawn": 0.13, "dusk": 0.13}

# caption phrases (English, Korean) for each time of day and weather
TIME_PHRASES = {"dawn": ("at dawn", "새벽"), "morning": ("in the morning", "아침"), "noon": ("at midday", "한낮"),
                "afternoon": ("in the afternoon", "오후"), "dusk": ("at dusk", "해 질 녘")}
WEATHER_PHRASES = {"clear": ("under a clear sky", "맑은 하늘 아래"), "hazy": ("in light haze", "옅은 안개 속"),
                   "overcast": ("under an overcast sky", "흐린 하늘 아래"), "foggy": ("in thick fog", "짙은 안개 속")}


def sun_position(hour: float, max_elevation_deg: float):
    """(elevation, azimuth) in degrees; the sun rises in the east (90), culminates south (180), sets west (270)."""
    phase = np.clip((hour - 6.0) / 13.0, 0.0, 1.0)
    elevation = max(2.0, max_elevation_deg * np.sin(np.pi * phase))
    return float(elevation), float(90.0 + 180.0 * phase)


def environment(rng: np.random.Generator, time_of_day: str, weather: str):
    hour = TIMES_OF_DAY[time_of_day] + rng.uniform(-0.5, 0.5)
    elevation, azimuth = sun_position(hour, rng.uniform(45, 70))
    el, az = np.deg2rad(elevation), np.deg2rad(azimuth)
    direction = (np.cos(el) * np.sin(az), np.cos(el) * np.cos(az), np.sin(el))   # azimuth clockwise from north (+Y)
    warmth = np.clip(1.0 - elevation / 25.0, 0.0, 1.0)                              # low sun is orange
    sun_color = np.array([1.0, 0.96, 0.9]) * (1 - warmth) + np.array([1.0, 0.55, 0.3]) * warmth
    strength_factor, sun_angle, haze_range, sky_model, dome = WEATHERS[weather]
    zenith = np.array([0.18, 0.35, 0.85]) * (1 - 0.6 * warmth)
    horizon = np.array([0.7, 0.78, 0.9]) * (1 - warmth) + np.array([1.0, 0.6, 0.35]) * warmth
    if weather in ("overcast", "foggy"):
        grey = np.array([0.62, 0.64, 0.68]) * (1 - 0.5 * warmth)
        zenith, horizon = grey * 0.85, grey
    haze = float(rng.uniform(*haze_range))
    low, high = CLOUD_COVER[weather]
    cover, cloud_seed = round(float(rng.uniform(low, high)), 4), int(rng.integers(2**31))
    fog_height = round(float(rng.uniform(15.0, 60.0)), 2) if weather == "foggy" else 0.0   # fog lies low; haze does not
    env = Environment(
        sun_direction=tuple(np.round(direction, 6).tolist()), sun_color=tuple(np.round(sun_color, 4).tolist()),
        sun_strength=round(float(4.0 * strength_factor * (0.35 + 0.65 * np.sin(el))), 4), sun_angle_deg=sun_angle,
        sky_zenith=tuple(np.round(zenith, 4).tolist()), sky_horizon=tuple(np.round(horizon, 4).tolist()),
        sky_ground=(0.2, 0.2, 0.2), sky_strength=round(1.0 - 0.4 * warmth, 4),
        haze_density=round(haze, 6), haze_height_m=fog_height, haze_color=tuple(np.round(horizon * 0.9 + 0.1, 4).tolist()),
        sky_model=sky_model, sun_factor=strength_factor,
        dome_factor=dome, exposure_key=0.2 if weather == "foggy" else EXPOSURE_KEY.get(time_of_day, 0.18),
        cloud_cover=cover, cloud_seed=cloud_seed)
    tags = {"time_of_day": time_of_day, "weather": weather, "hour": round(float(hour), 2),
            "sun_elevation_deg": round(elevation, 2), "sun_azimuth_deg": round(azimuth, 2)}
    return env, tags
