import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from engine.passes import FramePasses

ROOT = Path(__file__).resolve().parent.parent


def run_cli(*args, cwd=ROOT):
    return subprocess.run([sys.executable, str(ROOT / "render.py"), *args], cwd=cwd, capture_output=True, text=True,
                          timeout=600)


def read_frame(sample_dir: Path, frame: int = 0) -> dict:
    d = sample_dir / f"{frame:04d}"
    return {"rgb": np.array(Image.open(d / "rgb.png")), "instance": np.array(Image.open(d / "instance.png")),
            "semantic": np.array(Image.open(d / "semantic.png")), "depth": np.load(d / "depth.npz")["depth"],
            "normal": np.load(d / "normal.npz")["normal"],
            **({"part": np.array(Image.open(d / "part.png"))} if (d / "part.png").exists() else {}),
            **({"flow": np.load(d / "flow.npz")["flow"]} if (d / "flow.npz").exists() else {})}


def as_passes(frame: dict) -> FramePasses:
    """A frame read back from disk as the passes the pipeline hands between stages."""
    return FramePasses(frame["rgb"], frame["depth"], frame["normal"], frame["instance"], frame["semantic"],
                       frame.get("part"), index_error=0.0, flow=frame.get("flow"))


def camera_rays(cam: dict, pixels_vu: np.ndarray) -> np.ndarray:
    """Rays (z = 1) through pixel centres from a frame's camera label, the way a user would get them: OpenCV's
    undistortPoints for a distorted camera (an independent check of our lens), K's inverse for a pinhole."""
    import cv2
    uv = (pixels_vu[:, ::-1] + 0.5).astype(np.float64)
    K = np.array(cam["K"])
    dist = np.array(cam.get("distortion", [0.0] * 5), np.float64)
    criteria = (cv2.TERM_CRITERIA_COUNT | cv2.TERM_CRITERIA_EPS, 100, 1e-12)
    xy = cv2.undistortPointsIter(uv.reshape(-1, 1, 2), K, dist, None, None, criteria).reshape(-1, 2)
    return np.column_stack([xy, np.ones(len(xy))])


def camera_project(cam: dict, world: np.ndarray) -> np.ndarray:
    """World points -> pixels with OpenCV's projectPoints and the frame's camera label (distortion included)."""
    import cv2
    w2c = np.array(cam["world_to_camera"])
    rvec, _ = cv2.Rodrigues(w2c[:3, :3])
    dist = np.array(cam.get("distortion", [0.0] * 5), np.float64)
    uv, _ = cv2.projectPoints(np.asarray(world, np.float64).reshape(-1, 1, 3), rvec, w2c[:3, 3], np.array(cam["K"]), dist)
    return uv.reshape(-1, 2)


def load_json(path: Path):
    return json.loads(Path(path).read_text(encoding="utf-8"))


# Small real runs shared by the invariant tests: every landmark type once; landscapes as 3-frame flythroughs over
# several biomes; equirectangular panoramas. Non-square frames catch axis mix-ups.
RUN_ARGS = ["render=preview", "n=12", "seed=3", "render.resolution=[112,84]"]
LANDSCAPE_ARGS = ["scene=landscape", "render=preview", "n=3", "seed=5", "render.resolution=[112,84]",
                  "scene.camera_mode=flythrough", "scene.frames=3", "scene.plants=[300,600]", "scene.settlements=[1,2]",
                  "output.scene3d=true"]
PANORAMA_ARGS = ["scene=landscape", "render=preview", "n=2", "seed=8", "render.resolution=[128,64]",
                 "scene.camera_mode=panorama", "scene.plants=[200,400]", "output.scene3d=true"]
# Motion clips: the situations with the most going on (a parcel changing hands, a collision and fall, a greeting),
# with the EXR (its vector pass checks our flow) and the MOT export.
MOTION_ARGS = ["scene=motion", "render=preview", "n=3", "seed=4", "render.resolution=[128,96]", "scene.frames=12",
               "scene.fps=6", "scene.situations=[hand_over,collision_fall,meet_and_greet]", "scene.bystanders=[1,1]",
               "output.exr=true", "export.formats=[coco,mot]"]
# The same clips through a lens with barrel distortion (rendered by Cycles' polynomial lens, labels follow it)
DISTORTED_ARGS = [*MOTION_ARGS, "n=2", "render.lens_distortion=[-0.1,0.01]"]
RUNS = {"landmark": RUN_ARGS, "landscape": LANDSCAPE_ARGS, "panorama": PANORAMA_ARGS, "motion": MOTION_ARGS,
        "distorted": DISTORTED_ARGS}


@pytest.fixture(scope="session")
def rendered_runs(tmp_path_factory):
    outs = {}
    for name, args in RUNS.items():
        out = tmp_path_factory.mktemp("run") / name
        result = run_cli(*args, f"out={out}")
        assert result.returncode == 0, result.stderr[-2000:]
        outs[name] = out
    return outs


@pytest.fixture(scope="session")
def rendered_run(rendered_runs):
    return rendered_runs["landmark"]


@pytest.fixture(params=list(RUNS))
def any_run(request, rendered_runs):
    """(family, output folder, the run's arguments), for tests every family must pass."""
    return request.param, rendered_runs[request.param], RUNS[request.param]


@pytest.fixture(scope="session")
def backend():
    """One in-process Blender session for the tests that render specs directly."""
    from engine.backend import BlenderBackend
    from engine.taxonomy import load_taxonomy
    from job.config import compose
    b = BlenderBackend(compose(["render=preview"]).render, load_taxonomy())
    yield b
    b.close()
