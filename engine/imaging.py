"""Pixel conversions between the render's linear passes and the written images (numpy only)."""
from __future__ import annotations

import numpy as np

SKY_DISTANCE_M = 1500.0   # how far the haze integrates along rays that hit nothing (sky)


def apply_haze(linear_rgb: np.ndarray, depth: np.ndarray, density: float, color) -> np.ndarray:
    """Aerial perspective from the exact depth pass: blend towards the haze colour by 1 - exp(-density * distance)."""
    if density <= 0:
        return linear_rgb
    distance = np.where(np.isfinite(depth), depth, SKY_DISTANCE_M)
    amount = (1.0 - np.exp(-density * distance))[..., None]
    return linear_rgb * (1.0 - amount) + np.asarray(color, dtype=np.float32) * amount


def linear_to_srgb8(linear_rgb: np.ndarray) -> np.ndarray:
    """Scene-linear RGB -> 8-bit sRGB (the 'Standard' view transform: clip, then the sRGB transfer curve)."""
    c = np.clip(linear_rgb, 0.0, 1.0)
    srgb = np.where(c <= 0.0031308, 12.92 * c, 1.055 * np.power(c, 1 / 2.4) - 0.055)
    return np.round(srgb * 255.0).astype(np.uint8)
