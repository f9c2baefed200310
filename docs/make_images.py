"""Re-make the README's pictures from real runs (CPU, about 15 minutes):

    python docs/make_images.py              # every picture
    python docs/make_images.py motion       # one of: landmark landscape concept asset motion

Each family is rendered with the engine's own CLI into runs/docs/<family> (render=default unless noted), then its
contact sheet (the run's overview.png) is copied here; the motion strip shows four frames of five clips with the
keypoint skeletons (COCO visibility: green visible, red hidden) and, in the last column, the body-part labels.
"""
import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parent.parent
RUNS = ROOT / "runs" / "docs"
SHEETS = {"landmark": ["scene=landmark", "n=8", "seed=11"],
          "landscape": ["scene=landscape", "n=8", "seed=16", "render.resolution=[384,216]"],
          "concept": ["scene=concept", "n=12", "seed=2"],
          "asset": ["scene=asset", "n=8", "seed=1", "scene.frames=4"]}
MOTION = ["scene=motion", "n=5", "seed=6", "render.resolution=[256,192]", "scene.frames=24", "scene.fps=12",
          "export.formats=[]"]


def render(name: str, args: list) -> Path:
    out = RUNS / name
    shutil.rmtree(out, ignore_errors=True)          # always a fresh run: the pictures show today's engine
    subprocess.run([sys.executable, str(ROOT / "render.py"), *args, f"out={out}", "output.report=false"], check=True)
    return out


def motion_strip(out: Path, path: Path):
    tiles = []
    skeleton = json.loads((out / "dataset.json").read_text())["taxonomy"]["skeletons"]["humanoid"]["bones"]
    for sample in sorted((out / "samples").glob("0*")):
        labels = json.loads((sample / "labels.json").read_text())
        n = len(labels["frames"])
        row = []
        for column, f in enumerate(np.linspace(0, n - 1, 4).round().astype(int)):
            frame = labels["frames"][f]
            image = Image.open(sample / f"{f:04d}" / "rgb.png").convert("RGB")
            if column == 3 and (sample / f"{f:04d}" / "part.png").exists():   # body parts, coloured per part
                part = np.array(Image.open(sample / f"{f:04d}" / "part.png"))
                colours = np.random.default_rng(3).integers(60, 255, (part.max() + 1, 3)).astype(np.uint8)
                rgb = np.array(image)
                rgb[part > 0] = (0.35 * rgb[part > 0] + 0.65 * colours[part[part > 0]]).astype(np.uint8)
                image = Image.fromarray(rgb)
            draw = ImageDraw.Draw(image)
            if column < 3:
                for obj in frame["objects"]:
                    points = obj.get("keypoints_2d")
                    if not points:
                        continue
                    for a, b in skeleton:
                        if points[a][2] and points[b][2]:
                            draw.line([tuple(points[a][:2]), tuple(points[b][:2])], fill=(250, 240, 60), width=1)
                    for x, y, v in points:
                        if v:
                            draw.ellipse([x - 1.5, y - 1.5, x + 1.5, y + 1.5], fill=(40, 240, 40) if v == 2 else (240, 40, 40))
            draw.text((4, 4), f"{frame['time_s']:.2f} s", fill=(255, 255, 255))
            row.append(image)
        tiles.append(row)
    width, height = tiles[0][0].size
    sheet = Image.new("RGB", (4 * width, len(tiles) * height))
    for r, row in enumerate(tiles):
        for c, image in enumerate(row):
            sheet.paste(image, (c * width, r * height))
    sheet.save(path)


def main():
    wanted = sys.argv[1:] or [*SHEETS, "motion"]
    for name in wanted:
        if name == "motion":
            motion_strip(render("motion", MOTION), ROOT / "docs" / "motion_strip.png")
        else:
            shutil.copy(render(name, SHEETS[name]) / "overview.png", ROOT / "docs" / f"{name}_overview.png")
        print(f"docs: {name} done", flush=True)


if __name__ == "__main__":
    main()
