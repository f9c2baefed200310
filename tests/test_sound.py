"""Sound (#16): the exactness of the soundtrack against the scene (footsteps at heel contacts, events within their
sources' frames, Doppler against radial velocity, speech inside its script lines with monotonic words), the mix's
arithmetic, subtitles read by real parsers, and a rendered clip's files (MP4 audio as long as its video, DCASE TSV,
ActivityNet JSON). Everything but the last runs without Blender."""
import csv
import json
import subprocess
import sys
from types import SimpleNamespace

import av
import numpy as np
import pytest
import srt
import webvtt
from conftest import ROOT, run_cli
from scipy.io import wavfile

from engine import speech
from engine.checks import ConfigError
from engine.mixing import SPEED_OF_SOUND, Listener, place_moving
from engine.soundfiles import srt as to_srt
from engine.soundfiles import webvtt as to_vtt
from engine.streams import Streams
from engine.taxonomy import load_taxonomy
from job.config import compose
from scenes.motion import events
from scenes.motion.events import joint_world
from scenes.motion.recipe import build
from scenes.motion.sound import soundtrack

SR = 48000
AUDIO = SimpleNamespace(sample_rate=SR, narration=["en", "ko"], words_per_minute=165, max_speedup=1.6, music=True)


def _clip(situation: str, context: str, seed: int = 0, frames: int = 48, **extra):
    """A motion spec (no rendering) with its clip layers, every actor taken as in view."""
    over = [f"scene.{k}={v}" for k, v in extra.items()]
    cfg = compose(["scene=motion", "render=preview", f"scene.situations=[{situation}]", f"scene.frames={frames}",
                   f"scene.contexts=[{context}]", *over])
    streams = Streams((seed, 0, 0))
    spec = build(cfg.scene, streams, 0, 128, 96)
    tracks = [{"track_id": a.track_id, "frames_in_view": list(range(spec.n_frames))} for a in spec.timeline.actors]
    clip = events.clip_layers(spec, [], tracks, load_taxonomy())
    return spec, {"actions": clip.actions, "events": clip.events, "script": clip.script}, streams


@pytest.mark.parametrize("context", ["plaza", "interior"])
def test_footsteps_start_where_heels_touch_down_and_sound_there(context):
    spec, labels, streams = _clip("meet_and_greet", context, bystanders="[0,0]", vehicle_probability=0.0)
    mix, _ = soundtrack(spec, labels, streams, AUDIO)
    mix.finish(["dialogue_en", "dialogue_ko"])
    steps = [e for e, *_ in mix.events if e["class"] == "footstep"]
    assert len(steps) >= 4
    for e in steps:
        # the touchdown: the landing heel passes below the other between the frames around emitted_s
        heels = {s: joint_world(spec, e["track_id"], f"{s}_heel")[:, 2] for s in ("left", "right")}
        other = "right" if e["foot"] == "left" else "left"
        f = int(np.ceil(e["emitted_s"] * spec.fps - 1e-3)) - 1        # the frame before the heel is down
        d = heels[e["foot"]] - heels[other]
        assert d[f] > 0 >= d[f + 1], e
        assert abs((f + d[f] / (d[f] - d[f + 1])) / spec.fps - e["emitted_s"]) < 1e-4
        assert e["emitted_s"] <= e["onset_s"] < e["emitted_s"] + 0.06      # heard after the sound travels (< 20 m)
    # the effects stem rises at each labelled onset (within one 1024-sample block), not before
    effects = np.abs(mix.stems["effects"]).max(axis=0)
    onsets = sorted(round(e["onset_s"] * SR) for e in steps)
    for prev, at in zip([-SR] + onsets, onsets):
        if at - prev < 0.35 * SR:
            continue                           # a step still ringing from the one before
        before, after = effects[max(0, at - 2048):at - 8].max(), effects[at:at + 1024].max()
        assert after > 4 * before, (at, before, after)


def test_every_sound_event_lies_within_the_clip_and_its_source():
    spec, labels, streams = _clip("collision_fall", "street", seed=2, frames=60, vehicle_probability=1.0)
    mix, layer = soundtrack(spec, labels, streams, AUDIO)
    mix.finish(["dialogue_en", "dialogue_ko"])
    found = [e for e, *_ in mix.events]
    classes = {e["class"] for e in found}
    assert {"footstep", "body_fall", "car_engine", "traffic", "music"} <= classes, classes
    duration = spec.n_frames / spec.fps
    tracks = {a.track_id for a in spec.timeline.actors} | {o.instance_id for o in spec.objects}
    for e in found:
        assert 0 <= e["emitted_s"] <= e["onset_s"] < e["offset_s"] <= duration + 1e-6, e
        assert e["track_id"] is None or e["track_id"] in tracks
        assert -120 < e["loudness_dbfs"] <= -1.0
    fall = next(e for e in found if e["class"] == "body_fall")
    seg = next(s for s in labels["actions"] if s["action"] == "fall" and s["track_id"] == fall["track_id"])
    assert seg["start_s"] < fall["emitted_s"] <= seg["end_s"]               # the thud lands inside the fall


def test_a_moving_tone_is_shifted_by_its_radial_velocity():
    """Doppler from the propagation delay: a 1 kHz source passing at 20 m/s is heard at f c / (c + v_r)."""
    fps, seconds = 10.0, 4.0
    frames = np.arange(int(seconds * fps) + 1) / fps
    xyz = np.stack([-40 + 20.0 * frames, np.full_like(frames, 10.0), np.zeros_like(frames)], axis=1)
    camera = np.eye(4)                                                    # at the origin, looking down -Z
    listener = Listener([camera] * len(frames), fps)
    times = np.arange(int((seconds + 1) * SR)) / SR - 0.5
    tone = np.sin(2 * np.pi * 1000.0 * times)
    path = lambda t: np.stack([np.interp(t, frames, xyz[:, k]) for k in range(3)], axis=1)   # noqa: E731
    stereo, distance = place_moving(times, tone, path, int(seconds * SR), listener, SR, outdoor=False)
    heard = stereo.sum(axis=0)
    for centre in (0.8, 1.5, 2.5, 3.2):
        a = int(centre * SR) - 4800
        window = heard[a:a + 9600] * np.hanning(9600)
        spectrum = np.abs(np.fft.rfft(window, 2 ** 20))
        k = int(np.argmax(spectrum))
        measured = k * SR / 2 ** 20
        tau = centre - distance[int(centre * SR)] / SPEED_OF_SOUND          # when what is heard was emitted
        p = path(np.array([tau]))[0]
        radial = float(np.dot(p / np.linalg.norm(p), [20.0, 0.0, 0.0]))   # m/s away from the listener
        expected = 1000.0 * SPEED_OF_SOUND / (SPEED_OF_SOUND + radial)
        assert abs(measured - expected) < 0.6, (centre, measured, expected)
    assert 1000 * SPEED_OF_SOUND / (SPEED_OF_SOUND - 18) > 1050           # the test's speeds shift by > 5 %


def test_speech_lies_inside_its_lines_with_monotonic_words():
    lines = [{"start_s": 0.0, "end_s": 3.0, "text": "The person in red walks toward the bench."},
             {"start_s": 2.0, "end_s": 3.5, "text": "The child waves."},                 # after the first, if it fits
             {"start_s": 3.5, "end_s": 4.3, "text": "The person in red cheerfully sits down on the ground."},
             {"start_s": 4.5, "end_s": 7.0, "text": "The person in red stands."}]
    for lang, texts in (("en", None), ("ko", ["빨간 옷의 사람이 벤치 쪽으로 걷는다.", "아이가 손을 흔든다.",
                                              "빨간 옷의 사람이 즐겁게 바닥에 앉는다.", "빨간 옷의 사람이 서 있다."])):
        if texts:
            lines = [{**line, "text": t} for line, t in zip(lines, texts)]
        track, segments = speech.narrate(lines, lang, 165, 1.6, SR, 7.0)
        spoken = {s["line"] for s in segments}
        assert 0 in spoken and 3 in spoken and 2 not in spoken              # too long for 0.8 s even sped up
        for s in segments:
            line = lines[s["line"]]
            assert line["start_s"] <= s["start_s"] < s["end_s"] <= line["end_s"] + 1e-6
            assert s["text"] == line["text"] and 165 <= s["words_per_minute"] <= 165 * 1.6 + 1
            starts = [w["start_s"] for w in s["words"]]
            assert starts == sorted(starts) and len(s["words"]) == len(s["text"].split())
            for w, nxt in zip(s["words"], s["words"][1:] + [None]):
                assert s["start_s"] <= w["start_s"] < w["end_s"] <= s["end_s"] + 1e-6
                assert nxt is None or w["end_s"] <= nxt["start_s"] + 1e-6
                assert w["text"].strip(".") in s["text"]
            voiced = np.abs(track[int(s["start_s"] * SR):int(s["end_s"] * SR)]).max()
            assert voiced > 0.05                                            # the words are in the track there
        quiet = np.ones(track.size, bool)
        for s in segments:
            quiet[int(s["start_s"] * SR):int(s["end_s"] * SR) + 1] = False
        assert np.abs(track[quiet]).max() < 1e-6                            # and nowhere else


def test_subtitles_parse_with_real_parsers(tmp_path):
    segments = [{"start_s": 0.25, "end_s": 1.9, "text": "The child waves."},
                {"start_s": 2.0, "end_s": 3.4567, "text": "아이가 손을 흔든다."}]
    subs = list(srt.parse(to_srt(segments)))
    assert [s.content for s in subs] == [s["text"] for s in segments]
    assert [(s.start.total_seconds(), s.end.total_seconds()) for s in subs] == [(0.25, 1.9), (2.0, 3.457)]
    (tmp_path / "a.vtt").write_text(to_vtt(segments), encoding="utf-8")
    cues = webvtt.read(str(tmp_path / "a.vtt"))
    assert [c.text for c in cues] == [s["text"] for s in segments]
    assert [(c.start, c.end) for c in cues] == [("00:00:00.250", "00:00:01.900"), ("00:00:02.000", "00:00:03.457")]


def test_stems_sum_to_each_mix_under_the_peak_limit():
    spec, labels, streams = _clip("hand_over", "interior", frames=60)
    mix, layer = soundtrack(spec, labels, streams, AUDIO)
    mixes = mix.finish(["dialogue_en", "dialogue_ko"])
    assert layer["space"]["kind"] == "room" and 0.1 < layer["space"]["rt60_s"] < 2.0
    for lang, other in (("dialogue_en", "dialogue_ko"), ("dialogue_ko", "dialogue_en")):
        total = sum(s for k, s in mix.stems.items() if k != other)
        assert np.allclose(total, mixes[lang], atol=1e-6)
        assert np.abs(mixes[lang]).max() <= 10 ** (-1 / 20) + 1e-6


def test_missing_espeak_fails_in_one_line(monkeypatch):
    monkeypatch.setattr(speech, "LIBRARY", "libespeak-ng-not-here.so.1")
    monkeypatch.setattr(speech.Espeak, "_instance", None)
    with pytest.raises(ConfigError, match="espeak-ng is not installed"):
        compose(["scene=motion"])
    compose(["scene=motion", "audio.narration=[]"])                        # without narration no voice is needed
    compose(["scene=landmark"])                                             # nor for families without sound
    with pytest.raises(ConfigError, match="audio.narration"):
        compose(["scene=motion", "audio.narration=[fr]"])


def test_missing_espeak_exits_2_with_nothing_written(tmp_path):
    code = ("import sys, engine.speech as s; s.LIBRARY = 'libespeak-ng-not-here.so.1'; import render; "
            f"sys.exit(render.main(['scene=motion', 'out={tmp_path / 'out'}']))")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert "espeak-ng is not installed" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()


@pytest.mark.render
def test_rendered_clip_has_its_sound(tmp_path):
    out = tmp_path / "run"
    result = run_cli("scene=motion", "render=preview", "n=1", "seed=2", "render.resolution=[96,72]", "scene.frames=30",
                     "scene.fps=10", "scene.situations=[approach]", "scene.contexts=[street]", "render.samples=2",
                     "export.formats=[dcase,activitynet]", "output.report=false", "output.overview=false", f"out={out}")
    assert result.returncode == 0, result.stderr[-2000:]
    folder = out / "samples" / "000000"
    labels = json.loads((folder / "labels.json").read_text())
    audio = labels["audio"]
    rate, data = wavfile.read(folder / "audio.wav")
    assert rate == SR and data.shape == (3 * SR, 2) and audio["duration_s"] == 3.0
    for stem in audio["stems"]:
        assert wavfile.read(folder / "stems" / f"{stem}.wav")[1].shape == (3 * SR, 2)
    with av.open(str(folder / "video.mp4")) as container:       # decode both: the audio lasts as long as the video
        assert [t.metadata.get("language") for t in container.streams.audio] == ["eng", "kor"]
    with av.open(str(folder / "video.mp4")) as container:
        n_video = sum(1 for _ in container.decode(video=0))
    with av.open(str(folder / "video.mp4")) as container:
        n_audio = sum(f.samples for f in container.decode(audio=0))
    assert n_video == 30
    assert abs(n_audio / SR - n_video / 10) <= 1 / 10, (n_audio, n_video)     # within one video frame
    for lang in ("en", "ko"):
        subs = list(srt.parse((folder / "subtitles" / f"{lang}.srt").read_text(encoding="utf-8")))
        spoken = [s for s in audio["speech"] if s["lang"] == lang]
        assert [(s.content, round(s.start.total_seconds(), 3)) for s in subs] == \
               [(s["text"], round(s["start_s"], 3)) for s in spoken]
        assert len(webvtt.read(str(folder / "subtitles" / f"{lang}.vtt"))) == len(spoken)
    with open(out / "dcase" / "metadata" / "train.tsv", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    assert {r["filename"] for r in rows} == {"000000.wav"} and (out / "dcase" / "audio" / "000000.wav").exists()
    assert len(rows) == len(audio["events"]) + sum(s["lang"] == "en" for s in audio["speech"])
    assert all(0 <= float(r["onset"]) < float(r["offset"]) <= 3.0 for r in rows)
    captions = json.loads((out / "activitynet" / "train.json").read_text())["v_000000"]
    assert captions["duration"] == 3.0 and len(captions["timestamps"]) == len(captions["sentences"]) > 0
    assert (out / "activitynet" / "videos" / "v_000000.mp4").exists()


@pytest.mark.parametrize("family, tags, bed", [("landscape", {"water": "sea", "biome": "coast"}, "waves"),
                                               ("landscape", {"water": "none", "biome": "snowfield"}, "wind"),
                                               ("asset", {}, "room_tone")])
def test_flythroughs_and_turntables_get_ambience(family, tags, bed):
    from scenes import FAMILIES
    spec = SimpleNamespace(n_frames=30, fps=12.0, tags=tags)
    mix, layer = FAMILIES[family].soundtrack(spec, {}, Streams((0, 0, 0)), AUDIO)
    mixes = mix.finish([])
    assert set(mix.stems) == {"ambience"} and layer["speech"] == [] and not FAMILIES[family].narrates
    found = [e for e, *_ in mix.events]
    assert found[0]["class"] == bed and found[0]["onset_s"] == 0 and found[0]["offset_s"] == 2.5
    level = {"waves": -28.0, "wind": -34.0, "room_tone": -44.0}[bed]
    assert abs(found[0]["loudness_dbfs"] - level) < 0.1
    assert mixes[""].shape == (2, int(2.5 * SR))
