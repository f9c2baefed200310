"""Pixel conversions between the render's linear passes and the written images (numpy only)."""
from __future__ import annotations

import importlib.util
from functools import lru_cache
from pathlib import Path

import numpy as np

SKY_DISTANCE_M = 1500.0   # how far the haze integrates along rays that hit nothing (sky)


def apply_haze(linear_rgb: np.ndarray, depth: np.ndarray, density: float, color, sky: bool = True,
               rays=None, eye_z: float = 0.0, scale_height: float = 0.0) -> np.ndarray:
    """Aerial perspective from the exact depth pass: blend towards the haze colour by 1 - exp(-optical depth); the sky
    too (as if SKY_DISTANCE_M away) unless `sky` is False (a physical sky has its own atmosphere). `rays` (H, W, 3):
    each pixel's world-space ray, scaled so that point = eye + ray * depth; without them depth is the distance. With a
    `scale_height` the haze thins with height above z = 0 as exp(-z / H) (ground fog: towers rise out of it, the sky
    above shows through), integrated exactly along each ray from the eye at `eye_z`; without, it is uniform."""
    if density <= 0:
        return linear_rgb
    length = np.ones(depth.shape) if rays is None else np.linalg.norm(rays, axis=-1)
    distance = np.where(np.isfinite(depth), depth * length, SKY_DISTANCE_M if sky else 0.0)
    optical_depth = density * distance
    if scale_height > 0 and rays is not None:
        rise = rays[..., 2] / np.maximum(length, 1e-12) * distance / scale_height     # (z_end - z_eye) / H
        mean_over_ray = np.where(np.abs(rise) < 1e-6, 1.0 - rise / 2, -np.expm1(-rise) / np.where(rise == 0, 1, rise))
        optical_depth = optical_depth * np.exp(-eye_z / scale_height) * mean_over_ray
    amount = (1.0 - np.exp(-optical_depth))[..., None]
    return linear_rgb * (1.0 - amount) + np.asarray(color, dtype=np.float32) * amount


def srgb8_to_linear(srgb8: np.ndarray) -> np.ndarray:
    c = srgb8.astype(np.float32) / 255.0
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def camera_effects(srgb8: np.ndarray, rng: np.random.Generator, sensor_noise: float, vignetting: float) -> np.ndarray:
    """What a real camera adds to the picture, in linear light, to the RGB only (no label moves): vignetting, the
    cos^4-like fall-off towards the corners (gain 1 / (1 + v r^2)^2, r = 1 at a corner), and sensor noise, signal-
    dependent shot noise plus read noise (Gaussian, per channel), scaled by `sensor_noise` (1: a phone at high ISO)."""
    if sensor_noise <= 0 and vignetting <= 0:
        return srgb8
    linear = srgb8_to_linear(srgb8[..., :3])
    h, w = linear.shape[:2]
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    r2 = ((x + 0.5 - w / 2) ** 2 + (y + 0.5 - h / 2) ** 2) / ((w / 2) ** 2 + (h / 2) ** 2)
    linear = linear * (1.0 / (1.0 + vignetting * r2) ** 2)[..., None]
    if sensor_noise > 0:
        sigma = np.sqrt(0.004 * sensor_noise * linear + (0.002 * sensor_noise) ** 2)
        linear = linear + sigma * rng.standard_normal(linear.shape, dtype=np.float32)
    return linear_to_srgb8(linear)


def linear_to_srgb8(linear_rgb: np.ndarray) -> np.ndarray:
    """Scene-linear RGB -> 8-bit sRGB (the 'Standard' view transform: clip, then the sRGB transfer curve)."""
    c = np.clip(linear_rgb, 0.0, 1.0)
    srgb = np.where(c <= 0.0031308, 12.92 * c, 1.055 * np.power(c, 1 / 2.4) - 0.055)
    return np.round(srgb * 255.0).astype(np.uint8)


AGX_LOOK = "AgX - Medium High Contrast"   # Blender's AgX view with a little more contrast than its base, as photos have


@lru_cache(maxsize=None)
def _blender_ocio(look: str):
    """A CPU processor for Blender's own colour management (the OpenColorIO config that ships inside bpy): scene-linear
    Rec.709 -> `look` -> the sRGB display's AgX view, exactly what Blender applies to a render it saves as PNG."""
    import PyOpenColorIO as ocio
    found = sorted(Path(importlib.util.find_spec("bpy").origin).parent.glob("*/datafiles/colormanagement/config.ocio"))
    config = ocio.Config.CreateFromFile(str(found[-1]))
    group = ocio.GroupTransform()
    group.appendTransform(ocio.LookTransform(src="Linear Rec.709", dst="Linear Rec.709", looks=look))
    group.appendTransform(ocio.DisplayViewTransform(src="Linear Rec.709", display="sRGB", view="AgX"))
    return config.getProcessor(group).getDefaultCPUProcessor()


def agx_to_srgb8(linear_rgb: np.ndarray, look: str = AGX_LOOK) -> np.ndarray:
    """Scene-linear Rec.709 RGB -> 8-bit sRGB through Blender's AgX: highlights roll off and bright saturated light
    desaturates towards white instead of clipping to flat colour, as film and camera pipelines do. Quantised with
    Blender's default dither, as Blender saves a PNG: smooth skies and walls do not band into flat steps."""
    display = np.ascontiguousarray(linear_rgb[..., :3], dtype=np.float32).copy()
    _blender_ocio(look).applyRGB(display)
    display += blender_dither(*display.shape[:2])[..., None]
    return np.round(np.clip(display, 0.0, 1.0) * 255.0).astype(np.uint8)


@lru_cache(maxsize=8)
def blender_dither(height: int, width: int) -> np.ndarray:
    """The noise Blender adds before it rounds a display value to 8 bits (render.dither_intensity, 1 by default): a
    fixed pattern hashed from the pixel's coordinates (no randomness), triangular in [-1, 1) times 0.0033 (0.84 of a
    level), the same on R, G and B."""
    y, x = np.mgrid[0:height, 0:width].astype(np.float64)
    uniform = np.modf(np.abs(np.sin(x * 12.9898 + y * 78.233) * 43758.5453))[0]
    centred = uniform * 2.0 - 1.0
    triangle = np.sign(centred) * (1.0 - np.sqrt(1.0 - np.abs(centred)))
    return (triangle * 0.0033).astype(np.float32)


def metered_exposure(linear_rgb: np.ndarray, key: float) -> float:
    """The factor that brings the frame's log-average luminance to `key` (Reinhard's auto-exposure; 0.18 is middle
    grey, lower keys make low-key scenes such as dusk). Extremes are left out so a sun glint or a black corner does
    not swing it."""
    luminance = linear_rgb[..., :3].astype(np.float64) @ [0.2126, 0.7152, 0.0722]
    lo, hi = np.percentile(luminance, [2, 98])
    kept = np.clip(luminance, max(lo, 1e-6), max(hi, 1e-6))
    return float(key / np.exp(np.mean(np.log(kept))))
