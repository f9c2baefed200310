"""Re-make the README's pictures from real runs (CPU, about 15 minutes):

    python docs/make_images.py              # every picture
    python docs/make_images.py motion       # one of: landmark landscape concept asset motion people

Each family is rendered with the engine's own CLI into runs/docs/<family> (render=default unless noted), then its
contact sheet (the run's overview.png) is copied here; the motion strip shows four frames of five clips with the
keypoint skeletons (COCO visibility: green visible, red hidden) and, in the last column, the body-part labels. The
people sheet shows 24 procedural people (seeds 1..24: every clothing kind, age group and hair style), each from the front, the side and the back, standing.
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


def people_sheet(path: Path, count: int = 24, columns: int = 4, width: int = 300, height: int = 260, first: int = 0,
                 distance: float = 3.4):
    """Each person three times side by side (front, left side, back) on paving under a clear sky, as the engine
    renders them (render=default); one tile per person, name of its age group, top and hair under it."""
    sys.path.insert(0, str(ROOT))
    from engine.backend import BlenderBackend
    from engine.geometry import look_at, pose
    from engine.spec import Articulation, Camera, SceneObject, SceneSpec
    from engine.taxonomy import load_taxonomy
    from generators import actors
    from generators.materials import material
    from generators.shapes import rectangle
    from generators.sky import environment
    from job.config import compose
    taxonomy = load_taxonomy()
    skeleton = taxonomy.skeletons["humanoid"]
    backend = BlenderBackend(compose(["render=default", f"render.resolution=[{width},{height}]"]).render, taxonomy)
    env, _ = environment(np.random.default_rng(5), "morning", "clear")
    ground = SceneObject(1, "ground", "ground", rectangle(30, 30), [material(np.random.default_rng(0), "paving", "grey")],
                         [pose()])
    tiles = []
    for seed in range(first, first + count):
        body = actors.humanoid(np.random.default_rng(seed), skeleton["parts"])
        angles, _, _ = actors.human_program("stand", 0.0, actors.STYLES["neutral"])
        joints, bones = actors.humanoid_pose(body, angles)
        art = Articulation("humanoid", body.face_part, np.stack([bones[n] for n in body.bones])[None],
                           np.array([[joints[n] for n in skeleton["joints"]]]), body.weights, body.bind)
        people = [SceneObject(2 + k, "actor/person", f"person_{k}", body.mesh, body.materials,
                              [pose((x, 0.0, 0.0), yaw=yaw)], {}, {}, art)
                  for k, (x, yaw) in enumerate(((-0.85, np.pi), (0.0, -np.pi / 2), (0.85, 0.0)))]
        camera = Camera(width, height, 35.0, [look_at((0.0, -distance, 0.4 + 0.19 * distance), (0.0, 0.0, 0.88 + 0.1 * (3.4 - distance)))])
        spec = SceneSpec("people", "sheet", [ground, *people], camera, env)
        backend.build(spec)
        image = Image.fromarray(backend.render(spec)[0].rgb)
        p = body.params
        ImageDraw.Draw(image).text((4, height - 14), f"{seed}: {p['age_group']}, {p['top']}, {p['hair']}", fill=(255, 255, 255))
        tiles.append(image)
        print(f"people: {seed + 1 - first}/{count}", flush=True)
    backend.close()
    width, height = tiles[0].size
    sheet = Image.new("RGB", (columns * width, -(-count // columns) * height))
    for i, image in enumerate(tiles):
        sheet.paste(image, ((i % columns) * width, (i // columns) * height))
    sheet.save(path)


def main():
    wanted = sys.argv[1:] or [*SHEETS, "motion", "people"]
    for name in wanted:
        if name == "people":
            people_sheet(ROOT / "docs" / "people_sheet.png", first=1)   # seeds 1..24: every kind of clothing
        elif name == "motion":
            motion_strip(render("motion", MOTION), ROOT / "docs" / "motion_strip.png")
        else:
            shutil.copy(render(name, SHEETS[name]) / "overview.png", ROOT / "docs" / f"{name}_overview.png")
        print(f"docs: {name} done", flush=True)


if __name__ == "__main__":
    main()
