import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent


def run_cli(*args, cwd=ROOT):
    return subprocess.run([sys.executable, str(ROOT / "render.py"), *args], cwd=cwd, capture_output=True, text=True,
                          timeout=600)


def read_frame(sample_dir: Path, frame: int = 0) -> dict:
    d = sample_dir / f"{frame:04d}"
    return {"rgb": np.array(Image.open(d / "rgb.png")), "instance": np.array(Image.open(d / "instance.png")),
            "semantic": np.array(Image.open(d / "semantic.png")), "depth": np.load(d / "depth.npz")["depth"],
            "normal": np.load(d / "normal.npz")["normal"]}


def load_json(path: Path):
    return json.loads(Path(path).read_text(encoding="utf-8"))


# One small real run shared by the invariant tests: every catalogue type once, non-square frames.
RUN_ARGS = ["render=preview", "n=12", "seed=3", "render.resolution=[112,84]"]


@pytest.fixture(scope="session")
def rendered_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("run") / "lm"
    result = run_cli(*RUN_ARGS, f"out={out}")
    assert result.returncode == 0, result.stderr[-2000:]
    return out


@pytest.fixture(scope="session")
def backend():
    """One in-process Blender session for the tests that render specs directly."""
    from engine.backend import BlenderBackend
    from engine.config import compose
    from engine.taxonomy import load_taxonomy
    b = BlenderBackend(compose(["render=preview"]).render, load_taxonomy())
    yield b
    b.close()
