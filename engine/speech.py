"""Narration: script lines spoken by espeak-ng (English, Korean; offline), through its C library so that each word's
timing comes from the synthesiser's own word events, then scheduled into the clip so that every spoken line lies inside
its script line's time (sped up within limits, or left unspoken when it cannot fit).

espeak-ng is a Debian package (`apt-get install espeak-ng`); `check_voice` fails with one line when it is missing."""
from __future__ import annotations

import ctypes
from dataclasses import dataclass

import numpy as np

from engine.checks import ConfigError

LIBRARY = "libespeak-ng.so.1"
VOICES = {"en": "en", "ko": "ko"}
_SYNCHRONOUS, _DONT_EXIT, _UTF8 = 2, 0x8000, 1
_WORD, _END, _RATE = 1, 5, 1
GAP_S = 0.15                 # silence between two spoken lines


class _Event(ctypes.Structure):
    _fields_ = [("type", ctypes.c_int), ("unique_identifier", ctypes.c_uint), ("text_position", ctypes.c_int),
                ("length", ctypes.c_int), ("audio_position", ctypes.c_int), ("sample", ctypes.c_int),
                ("user_data", ctypes.c_void_p), ("id", ctypes.c_char * 8)]


_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.POINTER(_Event))


@dataclass
class Utterance:
    audio: np.ndarray            # float32 mono at the requested rate
    words: list                  # [(text, start_s, end_s)] from the synthesiser's word events
    words_per_minute: int


class Espeak:
    """One espeak-ng session per process (the library keeps global state); words and samples per utterance."""
    _instance = None

    def __init__(self):
        try:
            self.lib = ctypes.CDLL(LIBRARY)
        except OSError:
            raise ConfigError("audio.voice: espeak-ng is not installed (apt-get install espeak-ng), "
                              "or set audio.narration=[] for clips without narration") from None
        self.rate = self.lib.espeak_Initialize(_SYNCHRONOUS, 0, None, _DONT_EXIT)
        self._chunks, self._events = [], []
        self._callback = _CALLBACK(self._collect)        # kept alive as long as the library may call it
        self.lib.espeak_SetSynthCallback(self._callback)

    @classmethod
    def session(cls) -> "Espeak":
        if cls._instance is None:
            cls._instance = cls()
        return cls._instance

    def _collect(self, wav, n, events):
        if wav and n > 0:
            self._chunks.append(np.ctypeslib.as_array(wav, (n,)).copy())
        i = 0
        while events[i].type != 0:
            e = events[i]
            self._events.append((e.type, e.text_position, e.length, e.sample))
            i += 1
        return 0

    def speak(self, text: str, lang: str, words_per_minute: int, sample_rate: int) -> Utterance:
        if self.lib.espeak_SetVoiceByName(VOICES[lang].encode()) != 0:
            raise ConfigError(f"audio.narration: espeak-ng has no '{lang}' voice; install espeak-ng-data")
        self.lib.espeak_SetParameter(_RATE, int(words_per_minute), 0)
        self._chunks, self._events = [], []
        data = text.encode("utf-8")
        self.lib.espeak_Synth(data, len(data) + 1, 0, 0, 0, _UTF8, None, None)
        self.lib.espeak_Synchronize()
        pcm = np.concatenate(self._chunks).astype(np.float32) / 32768.0 if self._chunks else np.zeros(0, np.float32)
        end = next((s for t, _, _, s in self._events if t == _END), len(pcm))
        starts = [(text[p - 1:p - 1 + n], s) for t, p, n, s in self._events if t == _WORD]
        words = []
        for k, (word, s0) in enumerate(starts):
            s1 = starts[k + 1][1] if k + 1 < len(starts) else end
            s1 = s0 + _voiced_length(pcm[s0:s1])         # the word ends where its sound does, not at the next word
            words.append((word, s0 / self.rate, s1 / self.rate))
        from scipy.signal import resample_poly     # lazily: scipy.signal takes ~0.8 s to import, stills never need it
        audio = resample_poly(pcm[:end], sample_rate, self.rate).astype(np.float32)
        return Utterance(audio, words, int(words_per_minute))


def _voiced_length(x: np.ndarray, floor: float = 0.01) -> int:
    """Samples up to the last one louder than `floor` (at least one)."""
    loud = np.flatnonzero(np.abs(x) > floor)
    return int(loud[-1]) + 1 if loud.size else 1


def check_voice(voice: str, languages) -> None:
    """Before any work: the voice exists and speaks every narration language."""
    if voice != "espeak-ng":
        raise ConfigError(f"audio.voice: '{voice}' is not allowed; the narrator is espeak-ng (neural voices are not "
                          "supported yet)")
    if languages:
        session = Espeak.session()
        for lang in languages:
            session.speak("test", lang, 175, 16000)


def narrate(lines: list, lang: str, words_per_minute: int, max_speedup: float, sample_rate: int,
            duration_s: float) -> tuple:
    """Speak the script lines of one language in time order, each inside its line's [start_s, end_s]: a line starts at
    its start (or after the previous one), is sped up (up to max_speedup) to end in time, or is left unspoken.
    Returns (mono track, speech segments for the labels)."""
    session = Espeak.session()
    track = np.zeros(int(round(duration_s * sample_rate)), np.float32)
    segments, free_at = [], 0.0
    for index, line in enumerate(lines):
        start = max(line["start_s"], free_at)
        end = min(line["end_s"], duration_s)
        utterance = None
        for speed in (1.0, *np.linspace(1.0, max_speedup, 5)[1:]):
            utterance = session.speak(line.get("spoken", line["text"]), lang, int(round(words_per_minute * speed)), sample_rate)
            if start + utterance.audio.size / sample_rate <= end:
                break
        else:
            continue
        at = int(round(start * sample_rate))
        track[at:at + utterance.audio.size] += utterance.audio[:track.size - at]
        segments.append({"lang": lang, "text": line.get("spoken", line["text"]), "line": index, "start_s": round(start, 4),
                         "end_s": round(start + utterance.audio.size / sample_rate, 4),
                         "words_per_minute": utterance.words_per_minute,
                         "words": [{"text": w, "start_s": round(start + s0, 4), "end_s": round(start + s1, 4)}
                                   for w, s0, s1 in utterance.words]})
        free_at = start + utterance.audio.size / sample_rate + GAP_S
    return track, segments
