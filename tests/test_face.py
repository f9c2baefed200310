"""scene=face: the eye and physiology labels are exact by construction, and the rendered pixels agree with them (the
pupil's centre is in the pupil mask, iris landmarks on the iris mask's edge, a closed eye shows no pupil, the skin's
green carries the labelled pulse at its rate); its exports parse; bad parameters fail in one line."""
import csv
import json

import numpy as np
import pytest
from PIL import Image

from conftest import load_json, run_cli
from engine.checks import ConfigError
from engine.streams import Streams
from generators import eyes, physiology
from job.config import compose, validate
from scenes import FAMILIES
from scenes.face.labels import ellipse, face_layer
from scenes.face.outputs import PATCH, normalising, pitch_yaw

STILL_ARGS = ["scene=face", "render=preview", "n=2", "seed=3", "render.resolution=[320,240]", "render.samples=16",
              "scene.cameras=[phone]", "export.formats=[]", "output.report=false", "output.overview=false"]
# a clean clip: a steady strong pulse, a still head, few blinks, lit by the screen (direct light: little render noise),
# denoised; 6 s at 10 fps covers 5+ beats at any rate drawn. (At the default amplitude the pulse moves skin's green by
# ~1 level of 8 bits: real rPPG's regime, which needs longer clips and more skin pixels than a test can afford.)
CLIP_ARGS = ["scene=face", "render=preview", "n=1", "seed=1", "render.resolution=[96,96]", "render.samples=16",
             "render.denoise=true", "scene.frames=60", "scene.fps=10", "scene.cameras=[phone]", "scene.lights=[screen]",
             "scene.ppg_amplitude=0.1",
             "scene.head_motion_deg=0", "scene.heart_variability=0", "scene.blinks_per_min=[0.5,0.5]",
             "export.formats=[]", "output.report=false", "output.overview=false"]


def _spec(overrides=(), index=0, seed=0, size=(160, 120)):
    cfg = compose(["scene=face", *overrides])
    return FAMILIES["face"].build(cfg.scene, Streams((seed, index, 0)), index, *size)


@pytest.fixture(scope="module")
def stills(tmp_path_factory):
    out = tmp_path_factory.mktemp("face_stills")
    assert run_cli(*STILL_ARGS, f"out={out}").returncode == 0
    return out


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    out = tmp_path_factory.mktemp("face_clip")
    assert run_cli(*CLIP_ARGS, f"out={out}").returncode == 0
    return out / "samples" / "000000"


@pytest.mark.parametrize("override,key", [("scene.heart_bpm=[0,60]", "scene.heart_bpm"),
                                          ("scene.pupil_mm=[2,14]", "scene.pupil_mm"),
                                          ("scene.cameras=[drone]", "scene.cameras"),
                                          ("scene.target_shares=[0,0,0]", "scene.target_shares")])
def test_bad_parameters_are_rejected_in_one_line(override, key):
    with pytest.raises(ConfigError) as error:
        validate(compose(["scene=face", override]))
    assert key in str(error.value) and "\n" not in str(error.value)


def test_bad_parameter_on_the_command_line_writes_nothing(tmp_path):
    result = run_cli("scene=face", "scene.pupil_mm=[3,13]", f"out={tmp_path / 'run'}")
    assert result.returncode == 2 and "iris" in result.stderr.strip().splitlines()[-1]
    assert not (tmp_path / "run").exists()


def test_gaze_rays_meet_their_targets_and_the_screen():
    """Each eye's line of sight (its centre through its pupil's centre) passes through the point it fixates, and
    the combined gaze's screen point lies on the screen's plane, on that line."""
    for index in range(3):
        spec = _spec(["scene.frames=12"], index=index)
        layer = face_layer(spec)
        for f, row in enumerate(layer["frames"]):
            target = np.asarray(row["gaze"]["target_camera"])
            for side in ("left", "right"):
                eye = row["eyes"][side]
                centre, pupil = np.asarray(eye["centre_camera"]), np.asarray(eye["pupil_centre_camera"])
                ray = (pupil - centre) / np.linalg.norm(pupil - centre)
                assert np.allclose(ray, eye["gaze_camera"], atol=1e-5)
                if spec.timeline.on_target[f][0 if side == "left" else 1]:
                    off = np.linalg.norm(np.cross(target - centre, ray))
                    assert off < 2e-5 and (target - centre) @ ray > 0, f"{side} eye misses its target by {off} m"
            screen = row["gaze"]["screen"]
            if screen is not None:
                origin, direction = np.asarray(row["gaze"]["origin_camera"]), np.asarray(row["gaze"]["direction_camera"])
                hit = np.asarray(screen["point_camera"])
                assert np.linalg.norm(np.cross(hit - origin, direction)) < 1e-5
                w2c = spec.camera.world_to_camera(f)
                normal = w2c[:3, :3] @ np.asarray(spec.timeline.screen["normal_world"])
                centre = w2c[:3, :3] @ np.asarray(spec.timeline.screen["centre_world"]) + w2c[:3, 3]
                assert abs((hit - centre) @ normal) < 1e-5


def test_pupil_and_iris_sizes_are_the_meshes():
    spec = _spec(["scene.frames=4"])
    layer = face_layer(spec)
    for f, row in enumerate(layer["frames"]):
        for side in ("left", "right"):
            pupil = spec.object_by_id(spec.timeline.ids[side]["pupil"])
            world = pupil.world_vertices(f)
            across = np.linalg.norm(world[:, None] - world[None], axis=-1).max()
            assert abs(across * 1000 - row["eyes"][side]["pupil_diameter_mm"]) < 0.01
            assert row["eyes"][side]["pupil_diameter_mm"] < row["eyes"][side]["iris_diameter_mm"]
            iris = spec.object_by_id(spec.timeline.ids[side]["iris"]).world_vertices(f)
            assert abs(np.linalg.norm(iris[:, None] - iris[None], axis=-1).max() * 1000 - row["eyes"][side]["iris_diameter_mm"]) < 0.01


def test_lids_close_over_the_cornea_and_follow_the_gaze():
    for pitch in (-25.0, 0.0, 20.0):
        upper, lower = eyes.lid_apertures(0.0, pitch)
        assert upper < lower                                   # closed: the upper lid comes past the lower one
        open_upper, _ = eyes.lid_apertures(1.0, pitch)
        assert open_upper > lower
    assert eyes.lid_apertures(1.0, -20.0)[0] < eyes.lid_apertures(1.0, 0.0)[0]    # looking down, the lid drops
    v = eyes.lid_vertices(*eyes.lid_apertures(0.0, 0.0), 1.0)
    assert np.linalg.norm(v, axis=1).min() > eyes.CORNEA_APEX * eyes.EYE_R          # never through the cornea


def test_ellipse_fit_recovers_a_projected_circle():
    t = np.linspace(0, 2 * np.pi, 16, endpoint=False)
    a, b, angle, centre = 7.0, 3.0, np.deg2rad(30.0), np.array([40.0, 25.0])
    pts = np.stack([a * np.cos(t), b * np.sin(t)], 1) @ np.array([[np.cos(angle), np.sin(angle)], [-np.sin(angle), np.cos(angle)]]) + centre
    e = ellipse(pts)
    assert np.allclose(e["centre_px"], centre, atol=1e-3) and np.allclose(e["semi_axes_px"], [a, b], atol=1e-3)
    assert abs(e["angle_deg"] - 30.0) < 1e-2


def test_physiology_rates_and_samplings_agree():
    s = physiology.draw(np.random.default_rng(0), 72.0, 15.0, 10.0, variability=0.0)
    assert abs(s.heart_rate(0.0, 10.0) - 72.0) < 1e-6 and abs(s.breathing_rate(0.0, 10.0) - 15.0) < 1.5
    varied = physiology.draw(np.random.default_rng(0), 72.0, 15.0, 60.0)
    intervals = np.diff(varied.beats_s)
    assert 0.01 < intervals.std() / intervals.mean() < 0.06 and abs(varied.heart_rate(0.0, 60.0) - 72.0) < 3.0
    spec = _spec(["scene.frames=30"])
    p = spec.timeline.physiology
    fine_t = np.arange(len(p["ppg"])) / p["signal_hz"]
    assert np.allclose(np.interp(np.arange(30) / spec.fps, fine_t, p["ppg"]), p["ppg_frames"], atol=0.05)


def test_normalisation_centres_the_eye_and_zeroes_a_gaze_into_the_virtual_camera():
    K = np.array([[500.0, 0, 320], [0, 500.0, 240], [0, 0, 1]])
    centre = np.array([0.05, -0.03, 0.6])
    head = np.array([[-1.0, 0, 0], [0, 0, -1.0], [0, -1.0, 0]])              # facing the camera, upright
    W, R = normalising(K, centre, head)
    p = W @ (K @ centre)
    assert np.allclose(p[:2] / p[2], np.array(PATCH) / 2, atol=1e-6)
    assert np.allclose(pitch_yaw(R @ (-centre / np.linalg.norm(centre))), 0.0, atol=1e-9)
    _, R = normalising(K, np.array([0.0, 0.0, 0.6]), head)                 # an eye on the axis, the face frontal
    assert np.allclose(pitch_yaw(R @ head @ [0.0, 1.0, 0.0]), 0.0, atol=1e-9)


def _mask_edges(mask: np.ndarray) -> np.ndarray:
    """Midpoints (x, y) of the pixel sides between the mask and the rest: its outline."""
    rows, cols = np.nonzero(mask[:, 1:] != mask[:, :-1])
    across = np.stack([cols + 1.0, rows + 0.5], 1)
    rows, cols = np.nonzero(mask[1:] != mask[:-1])
    return np.vstack([across, np.stack([cols + 0.5, rows + 1.0], 1)])


def test_rendered_eyes_agree_with_their_labels(stills):
    """The projected pupil centre lies in the pupil's mask; visible iris landmarks lie on the iris mask's edge; the
    clear corneas never show in the masks."""
    checked = 0
    for sample in sorted((stills / "samples").iterdir()):
        labels = load_json(sample / "labels.json")
        instance = np.asarray(Image.open(sample / "0000" / "instance.png")).astype(np.int64)
        ids = json.loads((sample / "scene.json").read_text())["timeline"]["ids"]
        row = labels["face"]["frames"][0]
        assert not np.isin(instance, [ids[s]["cornea"] for s in ("left", "right")]).any()   # the data passes look through
        for side in ("left", "right"):
            eye = row["eyes"][side]
            x, y, v = eye["pupil_centre_px"]
            if v == 2 and eye["openness"] > 0.5 and eye["pupil_diameter_px"] >= 2.0:   # its pixel's centre inside it
                assert instance[int(y), int(x)] == ids[side]["pupil"], f"{sample.name} {side}: pupil centre off its mask"
                checked += 1
            edges = _mask_edges(np.isin(instance, [ids[side]["iris"], ids[side]["pupil"]]))
            for lx, ly, lv in eye["iris_landmarks_px"]:
                if lv == 2 and len(edges):
                    off = np.min(np.linalg.norm(edges - [lx, ly], axis=1))
                    assert off <= 1.0, f"{sample.name} {side}: iris point {off:.2f} px off the mask's edge"
                    checked += 1
    assert checked >= 10


def test_a_closed_eye_shows_no_pupil(backend, monkeypatch):
    from scenes.face import recipe
    monkeypatch.setattr(recipe.eyes, "blink_openness", lambda rng, times, per_min: (np.zeros_like(times), [0.0]))
    cfg = compose(["scene=face", "render=preview", "scene.cameras=[phone]"])
    spec = FAMILIES["face"].build(cfg.scene, Streams((0, 0, 0)), 0, 160, 120)
    backend.build(spec)
    instance = backend.render(spec)[0].instance
    shown = {k: int(np.isin(instance, [spec.timeline.ids[s][k] for s in ("left", "right")]).sum()) for k in ("pupil", "iris")}
    assert shown == {"pupil": 0, "iris": 0}
    assert np.isin(instance, [spec.timeline.ids[s]["eyelid"] for s in ("left", "right")]).sum() > 20


def _band(x, fps, lo=0.7, hi=3.5):
    spectrum, f = np.fft.rfft(x - x.mean()), np.fft.rfftfreq(len(x), 1 / fps)
    spectrum[(f < lo) | (f > hi)] = 0
    return np.fft.irfft(spectrum, len(x))


def test_the_pulse_is_in_the_skin_pixels(clip):
    """Detrended (band-passed) mean green over skin follows the labelled blood volume (inversely: more blood absorbs
    more green) and its dominant frequency is the labelled heart rate within 2 bpm."""
    labels = load_json(clip / "labels.json")
    face, fps = labels["face"], labels["fps"]
    n = len(labels["frames"])
    skin = face["subject_instance_id"]
    masks = np.stack([np.asarray(Image.open(clip / f"{f:04d}" / "instance.png")) == skin for f in range(n)])
    always = masks.all(axis=0)
    green = np.array([np.asarray(Image.open(clip / f"{f:04d}" / "rgb.png"))[..., 1][always].mean() for f in range(n)])
    signal, label = _band(green, fps), _band(np.asarray(face["physiology"]["ppg_frames"]), fps)
    assert np.corrcoef(signal, label)[0, 1] < -0.7
    t = np.arange(n) / fps
    bpm = np.linspace(42.0, 180.0, 2761)
    power = [abs(np.sum(np.hanning(n) * signal * np.exp(-2j * np.pi * b / 60.0 * t))) for b in bpm]
    assert abs(bpm[int(np.argmax(power))] - face["physiology"]["heart_rate_bpm"]) <= 2.0


def test_signals_and_eye_crops_load(clip):
    labels = load_json(clip / "labels.json")
    rows = list(csv.DictReader(open(clip / "signals.csv")))
    assert len(rows) == len(labels["frames"])
    assert [float(r["ppg"]) for r in rows] == labels["face"]["physiology"]["ppg_frames"]
    hi = list(csv.DictReader(open(clip / "signals_hi.csv")))
    assert len(hi) == len(labels["face"]["physiology"]["ppg"])
    gaze = list(csv.DictReader(open(clip / "eyes" / "gaze.csv")))
    assert len(gaze) == 2 * len(labels["frames"])
    for r in gaze[:4]:
        assert Image.open(clip / "eyes" / r["file"]).size == PATCH
        assert -np.pi / 2 <= float(r["gaze_pitch"]) <= np.pi / 2
