"""Statistics measured on a frame's final pixels and its exact masks (numpy only): what the image actually shows."""
from __future__ import annotations

import numpy as np


def _hsv(rgb: np.ndarray):
    mx, mn = rgb.max(axis=-1), rgb.min(axis=-1)
    delta = mx - mn
    sat = np.where(mx > 0, delta / np.maximum(mx, 1e-12), 0.0)
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    safe = np.maximum(delta, 1e-12)
    hue = np.where(mx == r, ((g - b) / safe) % 6, np.where(mx == g, (b - r) / safe + 2, (r - g) / safe + 4)) * 60
    return np.where(delta > 0, hue, 0.0), sat, mx


def image_stats(rgb8: np.ndarray, instance: np.ndarray, depth: np.ndarray, subject_id: int | None = None) -> dict:
    rgb = rgb8.astype(np.float64) / 255.0
    luma = rgb @ [0.2126, 0.7152, 0.0722]
    hue, sat, val = _hsv(rgb)
    rg = (rgb8[..., 0].astype(np.float64) - rgb8[..., 1])
    yb = 0.5 * (rgb8[..., 0].astype(np.float64) + rgb8[..., 1]) - rgb8[..., 2]
    colourfulness = np.hypot(rg.std(), yb.std()) + 0.3 * np.hypot(rg.mean(), yb.mean())   # Hasler & Süsstrunk 2003
    weight = (sat * val).ravel()
    hist, _ = np.histogram(hue.ravel(), bins=12, range=(0, 360), weights=weight)
    top = np.argsort(hist)[::-1][:3]
    sky = ~np.isfinite(depth)
    stats = {"brightness": float(luma.mean()), "contrast": float(luma.std()), "colourfulness": float(colourfulness),
             "saturation": float(sat.mean()), "warmth": float((rgb[..., 0] - rgb[..., 2]).mean()),
             "dominant_hues_deg": [{"hue": int(k * 30 + 15), "weight": float(hist[k] / max(hist.sum(), 1e-12))} for k in top],
             "openness": float(sky.mean()),
             "mean_log_depth": float(np.log(depth[~sky]).mean()) if (~sky).any() else None}
    if subject_id is not None:
        mask = instance == subject_id
        rows, cols = np.nonzero(mask)
        stats["subject_area"] = float(mask.mean())
        stats["subject_centre"] = [float((cols.mean() + 0.5) / mask.shape[1]), float((rows.mean() + 0.5) / mask.shape[0])] \
            if len(rows) else None
    return {k: (round(v, 6) if isinstance(v, float) else v) for k, v in stats.items()}
