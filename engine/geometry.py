"""Camera and transform maths shared by recipes, backend and annotator (numpy only)."""
from __future__ import annotations

import functools

import numpy as np

# Blender cameras look down -Z with +Y up; OpenCV cameras look down +Z with +Y down.
BLENDER_TO_OPENCV = np.diag([1.0, -1.0, -1.0, 1.0])
SENSOR_WIDTH_MM = 36.0     # every camera's sensor (full frame, horizontal fit): focal lengths read as on a 35 mm camera


def intrinsics(lens_mm: float, sensor_width_mm: float, width: int, height: int) -> np.ndarray:
    """Pinhole K for Blender's horizontal sensor fit, square pixels, principal point at the image centre."""
    f = lens_mm / sensor_width_mm * width
    return np.array([[f, 0.0, width / 2.0], [0.0, f, height / 2.0], [0.0, 0.0, 1.0]])


def blender_to_opencv_world_to_camera(camera_to_world_blender: np.ndarray) -> np.ndarray:
    return BLENDER_TO_OPENCV @ np.linalg.inv(camera_to_world_blender)


def look_at(position, target, up=(0.0, 0.0, 1.0)) -> np.ndarray:
    """Blender camera-to-world matrix for a camera at `position` looking at `target`."""
    position, target = np.asarray(position, float), np.asarray(target, float)
    forward = target - position
    forward /= np.linalg.norm(forward)
    right = np.cross(forward, up)
    if np.linalg.norm(right) < 1e-9:          # looking straight up/down: any right vector will do
        right = np.array([1.0, 0.0, 0.0])
    right /= np.linalg.norm(right)
    cam_up = np.cross(right, forward)
    m = np.eye(4)
    m[:3, 0], m[:3, 1], m[:3, 2], m[:3, 3] = right, cam_up, -forward, position
    return m


def pose(translation=(0.0, 0.0, 0.0), yaw: float = 0.0, scale: float = 1.0) -> np.ndarray:
    """Object-to-world matrix: uniform scale, rotation about Z (radians), then translation."""
    c, s = np.cos(yaw), np.sin(yaw)
    m = np.eye(4)
    m[:3, :3] = np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]]) * scale
    m[:3, 3] = translation
    return m


def skinned(vertices: np.ndarray, weights: np.ndarray, matrices: np.ndarray) -> np.ndarray:
    """Linear-blend skinning: every vertex moved by the weighted sum of its bones' (B, 4, 4) posed-from-rest
    transforms; `weights` (V, B) rows sum to 1."""
    blended = (weights @ matrices[:, :3, :].reshape(len(matrices), 12)).reshape(-1, 3, 4)  # (V, 3, 4), one product
    return np.einsum("vij,vj->vi", blended[:, :, :3], vertices) + blended[:, :, 3]


def to_camera(points_world: np.ndarray, world_to_camera: np.ndarray) -> np.ndarray:
    """World points (..., 3) -> camera-space points (OpenCV axes)."""
    return points_world @ world_to_camera[:3, :3].T + world_to_camera[:3, 3]


def pinhole(points_camera: np.ndarray, K: np.ndarray) -> np.ndarray:
    """Camera-space points (..., 3) -> pixel coordinates (..., 2); pixel centres sit at (i + 0.5, j + 0.5). The one
    pinhole projection every stage uses (labels, rasteriser, flow, recipes)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return points_camera[..., :2] / points_camera[..., 2:3] * [K[0, 0], K[1, 1]] + [K[0, 2], K[1, 2]]


def project(points_world: np.ndarray, K: np.ndarray, world_to_camera: np.ndarray, distortion=None):
    """World points -> (pixel coords (N, 2), depth along the view axis (N,)); through the lens's radial distortion
    (OpenCV k1, k2) when there is one."""
    cam = to_camera(points_world, world_to_camera)
    return distort(pinhole(cam, K), K, distortion), cam[:, 2]


def distort(uv: np.ndarray, K: np.ndarray, distortion) -> np.ndarray:
    """Pinhole pixel coordinates -> where the distorted lens images them: the ray's angle theta = atan(r) put through
    the inverse of `lens_polynomial` (the lens Cycles renders), so projections land exactly where the render shows
    the point. OpenCV's radial model with the same k1, k2 (cv2.projectPoints) agrees within `lens_fit_px`."""
    if distortion is None or not any(distortion):
        return uv
    centre, f = np.array([K[0, 2], K[1, 2]]), np.array([K[0, 0], K[1, 1]])
    a = lens_polynomial(distortion, K, int(round(2 * K[0, 2])), int(round(2 * K[1, 2])))
    x = (uv - centre) / f
    r_u = np.linalg.norm(x, axis=-1, keepdims=True)
    theta = np.arctan(r_u)
    k1, k2 = distortion
    rho = r_u * (1 + k1 * r_u ** 2 + k2 * r_u ** 4)               # OpenCV's answer: the start for Newton
    da = np.polynomial.polynomial.polyder(a)
    for _ in range(8):
        rho = rho - (np.polynomial.polynomial.polyval(rho, a) - theta) / np.polynomial.polynomial.polyval(rho, da)
    scale = np.divide(rho, r_u, out=np.ones_like(r_u), where=r_u > 0)
    return centre + f * x * scale


def lens_polynomial(distortion, K: np.ndarray, width: int, height: int) -> np.ndarray:
    """The ray angle theta(rho) = sum a_i rho^i (rho: distorted radius / focal length) of a pinhole lens with OpenCV
    radial distortion k1, k2, as the quartic Cycles renders (camera FISHEYE_LENS_POLYNOMIAL): a least-squares fit
    from the centre to the image's corner, weighted to pixels. The render, the rays and the projections of the
    labels all use this polynomial, so they agree exactly; OpenCV's model differs by `lens_fit_px`."""
    return _fitted_lens(tuple(map(float, distortion)), float(K[0, 0]), int(width), int(height)).copy()


@functools.lru_cache(maxsize=64)
def _fitted_lens(distortion: tuple, focal_px: float, width: int, height: int) -> np.ndarray:
    """One fit per lens: rays, projections and labels of every frame ask for the same polynomial."""
    rho, theta, weight = _radial_samples(distortion, focal_px, width, height)
    return np.polynomial.polynomial.polyfit(rho, theta, 4, w=weight)


def lens_fit_px(distortion, K: np.ndarray, width: int, height: int) -> float:
    """Largest distance in pixels, out to the image's corner, between where OpenCV's radial model (the labels' k1, k2)
    and the rendered polynomial lens put a point."""
    rho, theta, _ = _radial_samples(distortion, K[0, 0], width, height)
    uv = np.column_stack([K[0, 2] + K[0, 0] * np.tan(theta), np.full(len(theta), K[1, 2])])
    return float(np.abs(distort(uv, K, distortion)[:, 0] - (K[0, 2] + K[0, 0] * rho)).max())


def _radial_samples(distortion, focal_px: float, width: int, height: int):
    """(rho, theta, pixel weight) on Chebyshev nodes from the centre to the corner."""
    k1, k2 = distortion
    n = 400
    rho = (1 + np.cos(np.pi * (np.arange(n) + 0.5) / n)) / 2 * np.hypot(width / 2, height / 2) / focal_px * 1.01
    r = rho.copy()
    for _ in range(60):                                          # Newton on r (1 + k1 r^2 + k2 r^4) = rho
        r -= (r * (1 + k1 * r * r + k2 * r ** 4) - rho) / (1 + 3 * k1 * r * r + 5 * k2 * r ** 4)
    return rho, np.arctan(r), (1 + r * r) * (1 + 3 * k1 * r * r + 5 * k2 * r ** 4)      # weight: d rho / d theta


def pixel_rays(model: str, K, width: int, height: int, pixels_vu: np.ndarray, distortion=None) -> np.ndarray:
    """Camera-space (OpenCV) rays through pixel centres, scaled so that point = ray * depth:
    perspective and distorted: z = 1 (depth is planar, along the view axis); equirectangular: unit length (depth is
    the distance). Distorted: the ray at angle theta(rho) of `lens_polynomial` (what Cycles renders). Equirectangular
    as Blender renders it: longitude 0 at the image centre growing to the right, latitude +90 deg at the top row."""
    v, u = pixels_vu[:, 0] + 0.5, pixels_vu[:, 1] + 0.5
    if model in ("perspective", "distorted"):
        K = np.asarray(K)
        x, y = (u - K[0, 2]) / K[0, 0], (v - K[1, 2]) / K[1, 1]
        if model == "distorted":
            rho = np.hypot(x, y)
            theta = np.polynomial.polynomial.polyval(rho, lens_polynomial(distortion, K, width, height))
            scale = np.divide(np.tan(theta), rho, out=np.ones_like(rho), where=rho > 0)
            x, y = x * scale, y * scale
        return np.stack([x, y, np.ones(len(u))], axis=1)
    lon = u / width * 2 * np.pi - np.pi
    lat = np.pi / 2 - v / height * np.pi
    return np.stack([np.cos(lat) * np.sin(lon), -np.sin(lat), np.cos(lat) * np.cos(lon)], axis=1)


def image_rays(model: str, K, width: int, height: int, distortion=None) -> np.ndarray:
    """pixel_rays for every pixel, as an (height, width, 3) array."""
    pixels = np.stack(np.meshgrid(np.arange(height), np.arange(width), indexing="ij"), axis=-1).reshape(-1, 2)
    return pixel_rays(model, K, width, height, pixels, distortion).reshape(height, width, 3)


def back_project(depth: np.ndarray, K, world_to_camera: np.ndarray, pixels_vu: np.ndarray,
                 model: str = "perspective", distortion=None) -> np.ndarray:
    """Pixels (row, col) with their depth -> world points."""
    rays = pixel_rays(model, K, depth.shape[1], depth.shape[0], pixels_vu, distortion)
    cam = rays * depth[pixels_vu[:, 0], pixels_vu[:, 1]].astype(np.float64)[:, None]
    camera_to_world = np.linalg.inv(world_to_camera)
    return cam @ camera_to_world[:3, :3].T + camera_to_world[:3, 3]


def compass_name(azimuth_deg: float) -> str:
    """Eight-point compass direction for an azimuth measured clockwise from north (+Y)."""
    names = ["north", "north-east", "east", "south-east", "south", "south-west", "west", "north-west"]
    return names[int(((azimuth_deg % 360) + 22.5) // 45) % 8]
