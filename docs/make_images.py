"""Re-make the README's pictures from real runs (CPU, about 15 minutes):

    python docs/make_images.py              # every picture
    python docs/make_images.py motion       # one of: landmark landscape concept asset motion people face sound program

Each family is rendered with the engine's own CLI into runs/docs/<family> (render=default unless noted), then its
contact sheet (the run's overview.png) is copied here; the motion strip shows four frames of five clips with the
keypoint skeletons (COCO visibility: green visible, red hidden) and, in the last column, the body-part labels. The
people sheet shows 24 procedural people (seeds 1..24: every clothing kind, age group and hair style), each from the front, the side and the back, standing.
The face pictures: eyes_sheet.png, 12 close-up stills (phone camera, 640x480) cropped to the eyes with their labels
drawn (iris ellipse green, lid contour yellow, corners blue, pupil centre red, gaze cyan), and pulse.png, a clean
8-second clip's skin green (band-passed mean over skin pixels) against the labelled blood-volume pulse.
The sound strip: a 10-second street clip's frames, its mix's spectrogram, its labelled sound events and spoken words.
The program strip: a 24-second program's shots (middle frames) with their labels, and its importance curve.
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
EYES = ["scene=face", "n=12", "seed=21", "render.resolution=[640,480]", "render.samples=24", "scene.cameras=[phone]",
        "scene.target_shares=[0.4,0.2,0.4]", "export.formats=[]"]
PULSE = ["scene=face", "n=1", "seed=1", "render=preview", "render.resolution=[128,128]", "render.samples=16",
         "render.denoise=true", "scene.frames=80", "scene.fps=10", "scene.cameras=[phone]", "scene.lights=[screen]",
         "scene.ppg_amplitude=0.1", "scene.head_motion_deg=0", "scene.heart_variability=0",
         "scene.blinks_per_min=[0.5,0.5]", "export.formats=[]"]
SOUND = ["scene=motion", "n=1", "seed=3", "render.resolution=[256,192]", "scene.frames=120", "scene.fps=12",
         "scene.situations=[approach]", "scene.contexts=[street]", "scene.vehicle_probability=1.0", "export.formats=[]"]
PROGRAM = ["scene=program", "n=1", "seed=2", "render.resolution=[192,108]", "scene.duration_s=24", "scene.fps=8",
           "scene.transitions=[dissolve,fade]", "export.formats=[]"]
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


def eyes_sheet(out: Path, path: Path, columns: int = 3, tile=(360, 150)):
    tiles = []
    for sample in sorted((out / "samples").glob("0*")):
        labels = json.loads((sample / "labels.json").read_text())
        row = labels["face"]["frames"][0]
        image = Image.open(sample / "0000" / "rgb.png").convert("RGB")
        left, right = (np.asarray(row["eyes"][s]["pupil_centre_px"][:2]) for s in ("left", "right"))
        centre, half = (left + right) / 2, max(abs(left[0] - right[0]) * 1.1, 20)
        box = (centre[0] - half, centre[1] - half * tile[1] / tile[0], centre[0] + half, centre[1] + half * tile[1] / tile[0])
        scale = tile[0] / (box[2] - box[0])
        crop = image.crop(tuple(int(round(v)) for v in box)).resize(tile, Image.LANCZOS)
        draw = ImageDraw.Draw(crop)
        to = lambda p: ((p[0] - int(round(box[0]))) * scale, (p[1] - int(round(box[1]))) * scale)  # noqa: E731
        for side in ("left", "right"):
            eye = row["eyes"][side]
            iris = [to(p) for p in eye["iris_landmarks_px"]]
            draw.line(iris + iris[:1], fill=(60, 230, 90), width=1)
            draw.line([to(p) for p in eye["lid_upper_px"]], fill=(250, 220, 40), width=1)
            draw.line([to(p) for p in eye["lid_lower_px"]], fill=(250, 220, 40), width=1)
            for corner in eye["corners_px"].values():
                x, y = to(corner)
                draw.ellipse((x - 3, y - 3, x + 3, y + 3), outline=(80, 140, 255), width=2)
            x, y = to(eye["pupil_centre_px"])
            g = np.asarray(eye["gaze_camera"])
            draw.line([(x, y), (x + 60 * g[0], y + 60 * g[1])], fill=(40, 230, 240), width=2)
            draw.ellipse((x - 2, y - 2, x + 2, y + 2), fill=(255, 40, 40))
        gaze = row["gaze"]
        draw.text((4, 4), f"{gaze['target_kind']}  open {row['openness']:.2f}  pupil {row['eyes']['left']['pupil_diameter_mm']:.1f} mm",
                  fill=(255, 255, 255))
        tiles.append(crop)
    rows = (len(tiles) + columns - 1) // columns
    sheet = Image.new("RGB", (columns * tile[0], rows * tile[1]), (20, 20, 20))
    for i, t in enumerate(tiles):
        sheet.paste(t, ((i % columns) * tile[0], (i // columns) * tile[1]))
    sheet.save(path)


def pulse_plot(out: Path, path: Path, size=(900, 260)):
    """The clip's skin green against its label, both band-passed (0.7-3.5 Hz) and scaled to unit spread; the label
    drawn inverted (more blood, darker skin)."""
    sample = out / "samples" / "000000"
    labels = json.loads((sample / "labels.json").read_text())
    face, fps, n = labels["face"], labels["fps"], len(labels["frames"])
    skin = face["subject_instance_id"]
    masks = np.stack([np.asarray(Image.open(sample / f"{f:04d}" / "instance.png")) == skin for f in range(n)])
    always = masks.all(axis=0)
    green = np.array([np.asarray(Image.open(sample / f"{f:04d}" / "rgb.png"))[..., 1][always].mean() for f in range(n)])

    def band(x):
        spectrum, f = np.fft.rfft(x - x.mean()), np.fft.rfftfreq(len(x), 1 / fps)
        spectrum[(f < 0.7) | (f > 3.5)] = 0
        y = np.fft.irfft(spectrum, len(x))
        return y / y.std()
    signal, label = band(green), -band(np.asarray(face["physiology"]["ppg_frames"]))
    image = Image.new("RGB", size, (255, 255, 255))
    draw = ImageDraw.Draw(image)
    x = lambda i: 40 + i * (size[0] - 60) / (n - 1)                                    # noqa: E731
    y = lambda v: size[1] / 2 - v * (size[1] - 70) / 6                                # noqa: E731
    draw.line([(x(i), y(v)) for i, v in enumerate(label)], fill=(200, 40, 40), width=2)
    draw.line([(x(i), y(v)) for i, v in enumerate(signal)], fill=(30, 140, 60), width=2)
    corr = float(np.corrcoef(signal, label)[0, 1])
    draw.text((40, 8), f"red: labelled pulse (inverted), green: mean skin green from the pixels; {n} frames at {fps:g} fps, "
              f"heart rate {face['physiology']['heart_rate_bpm']:.1f} bpm, correlation {corr:.2f}", fill=(0, 0, 0))
    for second in range(0, int(n / fps) + 1):
        draw.text((x(min(second * fps, n - 1)) - 3, size[1] - 22), str(second), fill=(0, 0, 0))
    draw.text((size[0] - 60, size[1] - 40), "time (s)", fill=(0, 0, 0))
    image.save(path)


def sound_strip(out: Path, path: Path, width: int = 1400):
    """A clip with sound as a buyer checks it: frames across time, the mix's spectrogram (0-8 kHz, dB), then one lane
    per labelled sound class (bars from onset to offset, footsteps as ticks) and the words as spoken in each language."""
    from scipy.io import wavfile
    sample = out / "samples" / "000000"
    labels = json.loads((sample / "labels.json").read_text())
    audio = labels["audio"]
    duration, n = audio["duration_s"], len(labels["frames"])
    left, right = 110, 20
    x = lambda t: left + t / duration * (width - left - right)                       # noqa: E731
    thumbs = [Image.open(sample / f"{f:04d}" / "rgb.png").convert("RGB") for f in np.linspace(0, n - 1, 7).round().astype(int)]
    tw = (width - left - right) // 7
    th = tw * thumbs[0].height // thumbs[0].width
    rate, data = wavfile.read(sample / "audio.wav")
    mono = data.astype(np.float32).mean(axis=1) / 32768
    hop, size = rate // 100, 2048
    frames = np.lib.stride_tricks.sliding_window_view(np.pad(mono, (0, size)), size)[::hop] * np.hanning(size)
    spec = 20 * np.log10(np.abs(np.fft.rfft(frames, axis=1))[:, :int(8000 / rate * size)].T + 1e-6)
    spec = np.clip((spec - spec.max() + 70) / 70, 0, 1)[::-1]
    sh = 180
    picture = (np.stack([spec * 255, spec ** 0.7 * 200, (1 - spec) * 90 + spec * 40], axis=2)).astype(np.uint8)
    picture = Image.fromarray(picture).resize((width - left - right, sh))
    classes = sorted({e["class"] for e in audio["events"]}, key=lambda c: min(e["onset_s"] for e in audio["events"] if e["class"] == c))
    lanes = classes + [f"speech {lang}" for lang in audio["narration"]]
    lane_h = 22
    image = Image.new("RGB", (width, 40 + th + 10 + sh + 10 + lane_h * len(lanes) + 40), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    draw.text((left, 8), f"{labels['scene']['captions']['en'][0]}  ({duration:g} s, {audio['sample_rate']} Hz stereo, "
              f"{len(audio['events'])} sound events, {len(audio['speech'])} spoken lines)", fill=(0, 0, 0))
    for k, thumb in enumerate(thumbs):
        image.paste(thumb.resize((tw - 4, th)), (left + k * tw, 30))
    top = 40 + th
    image.paste(picture, (left, top))
    draw.text((8, top + sh // 2 - 6), "mix 0-8 kHz", fill=(0, 0, 0))
    palette = [(200, 60, 40), (40, 110, 200), (40, 150, 70), (180, 120, 20), (140, 60, 170), (20, 150, 160), (120, 120, 120)]
    y0 = top + sh + 10
    for k, lane in enumerate(lanes):
        y = y0 + k * lane_h
        draw.text((8, y + 5), lane, fill=(0, 0, 0))
        colour = palette[k % len(palette)]
        if lane.startswith("speech "):
            for seg in (s for s in audio["speech"] if s["lang"] == lane[-2:]):
                for w in seg["words"]:
                    draw.rectangle([x(w["start_s"]), y + 3, max(x(w["start_s"]) + 1, x(w["end_s"]) - 1), y + lane_h - 3],
                                   fill=(230, 230, 245), outline=colour)
                    draw.text((x(w["start_s"]) + 2, y + 5), w["text"] if lane.endswith("en") else "", fill=(0, 0, 0))
            continue
        for e in (e for e in audio["events"] if e["class"] == lane):
            if e["class"] == "footstep":
                draw.line([x(e["onset_s"]), y + 2, x(e["onset_s"]), y + lane_h - 2], fill=colour, width=2)
            else:
                draw.rectangle([x(e["onset_s"]), y + 4, x(e["offset_s"]), y + lane_h - 4], fill=colour)
    bottom = y0 + len(lanes) * lane_h + 4
    for second in range(int(duration) + 1):
        draw.line([x(second), bottom, x(second), bottom + 5], fill=(0, 0, 0))
        draw.text((x(second) - 3, bottom + 8), str(second), fill=(0, 0, 0))
    draw.text((width - 80, bottom + 22), "time (s)", fill=(0, 0, 0))
    image.save(path)


def program_strip(out: Path, path: Path, columns: int = 6, tile=(192, 108)):
    """Each shot's middle frame with its number, type, transition in and characters in view; scene titles; then the
    importance curve over the program with the shot boundaries."""
    sample = out / "samples" / "000000"
    labels = json.loads((sample / "labels.json").read_text())
    program = labels["program"]
    shots = program["shots"]
    rows = (len(shots) + columns - 1) // columns
    cell = (tile[0] + 8, tile[1] + 44)
    curve_h = 120
    image = Image.new("RGB", (columns * cell[0] + 16, 30 + rows * cell[1] + curve_h + 40), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    draw.text((8, 8), f"{program['duration_s']:g} s program, {len(program['scenes'])} scenes, {len(shots)} shots: "
              + " | ".join(s["title"]["en"] + f" (in: {s['transition_in']})" for s in program["scenes"]), fill=(0, 0, 0))
    for k, shot in enumerate(shots):
        r0, r1 = shot["rendered_frames"]
        frame = Image.open(sample / f"{(r0 + r1) // 2:04d}" / "rgb.png").convert("RGB").resize(tile)
        x, y = 8 + (k % columns) * cell[0], 30 + (k // columns) * cell[1]
        image.paste(frame, (x, y))
        draw.text((x, y + tile[1] + 3), f"#{k + 1} {shot['kind']}  scene {shot['scene'] + 1}", fill=(0, 0, 0))
        draw.text((x, y + tile[1] + 17), f"{shot['start_s']:.1f}-{shot['end_s']:.1f} s, in: {shot['transition_in']}, "
                  f"chars {shot['characters']}", fill=(60, 60, 60))
    top = 30 + rows * cell[1] + 10
    width = columns * cell[0] - 16
    n = program["n_frames"]
    px = lambda f: 8 + f / max(1, n - 1) * width                                      # noqa: E731
    py = lambda v: top + curve_h - v * curve_h                                          # noqa: E731
    for shot in shots:
        draw.line([px(shot["start_frame"]), top, px(shot["start_frame"]), top + curve_h], fill=(200, 200, 200))
    draw.line([(px(f), py(v)) for f, v in enumerate(program["importance"])], fill=(200, 60, 40), width=2)
    draw.text((8, top + curve_h + 6), "importance (0..1) per program frame; grey lines: shot boundaries", fill=(0, 0, 0))
    image.save(path)


def main():
    wanted = sys.argv[1:] or [*SHEETS, "motion", "people", "face", "sound", "program"]
    for name in wanted:
        if name == "face":
            eyes_sheet(render("face", EYES), ROOT / "docs" / "eyes_sheet.png")
            pulse_plot(render("face_pulse", PULSE), ROOT / "docs" / "pulse.png")
        elif name == "people":
            people_sheet(ROOT / "docs" / "people_sheet.png", first=1)   # seeds 1..24: every kind of clothing
        elif name == "program":
            program_strip(render("program", PROGRAM), ROOT / "docs" / "program_strip.png")
        elif name == "sound":
            sound_strip(render("sound", SOUND), ROOT / "docs" / "sound_strip.png")
        elif name == "motion":
            motion_strip(render("motion", MOTION), ROOT / "docs" / "motion_strip.png")
        else:
            shutil.copy(render(name, SHEETS[name]) / "overview.png", ROOT / "docs" / f"{name}_overview.png")
        print(f"docs: {name} done", flush=True)


if __name__ == "__main__":
    main()
