"""A clip's sound on disk: audio.wav (the mix with the first narration language), stems/<stem>.wav (which sum to each
mix), and subtitles/<lang>.srt and .vtt of what the narrator actually said, when. No bpy here."""
from __future__ import annotations

from engine.mixing import Mix, write_wav


def _clock(seconds: float, sep: str) -> str:
    ms = int(round(seconds * 1000))
    return f"{ms // 3600000:02d}:{ms // 60000 % 60:02d}:{ms // 1000 % 60:02d}{sep}{ms % 1000:03d}"


def srt(segments: list) -> str:
    return "".join(f"{k}\n{_clock(s['start_s'], ',')} --> {_clock(s['end_s'], ',')}\n{s['text']}\n\n"
                   for k, s in enumerate(segments, 1))


def webvtt(segments: list) -> str:
    cues = "".join(f"{_clock(s['start_s'], '.')} --> {_clock(s['end_s'], '.')}\n{s['text']}\n\n" for s in segments)
    return "WEBVTT\n\n" + cues


def write_sound(folder, mix: Mix, mixes: dict, layer: dict):
    """Every sound file of a sample (folder: a SampleLayout)."""
    write_wav(folder.audio, next(iter(mixes.values())), mix.sr)
    folder.stem("x").parent.mkdir()
    for name, stereo in mix.stems.items():
        write_wav(folder.stem(name), stereo, mix.sr)
    if layer["narration"]:
        folder.subtitles("x", "srt").parent.mkdir()
    for lang in layer["narration"]:
        spoken = [s for s in layer["speech"] if s["lang"] == lang]
        folder.subtitles(lang, "srt").write_text(srt(spoken), encoding="utf-8")
        folder.subtitles(lang, "vtt").write_text(webvtt(spoken), encoding="utf-8")
