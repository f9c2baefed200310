"""Body signals over time for scene=face: the blood-volume pulse (what PPG and camera-based rPPG measure) and
breathing, as waveforms drawn from the sample's stream and sampled exactly at any times. Pure numpy.

Pulse: beats at RR intervals round 60 / heart rate, varying beat to beat (heart-rate variability) and with the breath
(respiratory sinus arrhythmia, 0.7 of the beat-to-beat spread); each beat a systolic wave and a smaller dicrotic one. Breathing: a smooth cycle at the
breathing rate whose period varies a little from breath to breath."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SYSTOLE, DICROTIC = (0.18, 0.07, 1.0), (0.45, 0.09, 0.35)   # (phase of the peak, width, height) of a beat's two waves


@dataclass
class Signals:
    beats_s: np.ndarray         # beat onsets (s), from before the clip to after it
    breaths_s: np.ndarray       # starts of each breath (inhalation), likewise

    def pulse(self, times: np.ndarray) -> np.ndarray:
        """Blood volume (arbitrary units, zero mean over a beat, peak to trough about 1) at `times`."""
        phase = _phase(self.beats_s, times)
        frac = phase - np.floor(phase)
        wave = sum(h * np.exp(-0.5 * ((frac - p) / w) ** 2) for p, w, h in (SYSTOLE, DICROTIC))
        return wave - _beat_mean()

    def breath(self, times: np.ndarray) -> np.ndarray:
        """Lung volume, -1 (exhaled) .. 1 (inhaled), at `times`."""
        return -np.cos(2 * np.pi * _phase(self.breaths_s, times))

    def heart_rate(self, start: float, end: float) -> float:
        """Mean heart rate (bpm) over [start, end]: beats in it over the time they span."""
        return _rate(self.beats_s, start, end)

    def breathing_rate(self, start: float, end: float) -> float:
        return _rate(self.breaths_s, start, end)


def _rate(onsets: np.ndarray, start: float, end: float) -> float:
    """Cycles per minute over [start, end], counting fractional cycles at both ends (the phase's growth)."""
    phase = _phase(onsets, np.array([start, end]))
    return float(60.0 * (phase[1] - phase[0]) / (end - start))


def _phase(onsets: np.ndarray, times: np.ndarray) -> np.ndarray:
    """Cycle count at `times`: k at the k-th onset, linear between onsets."""
    return np.interp(times, onsets, np.arange(len(onsets), dtype=np.float64))


def _beat_mean() -> float:
    frac = np.linspace(0.0, 1.0, 4000, endpoint=False)
    return float(np.mean(sum(h * np.exp(-0.5 * ((frac - p) / w) ** 2) for p, w, h in (SYSTOLE, DICROTIC))))


def draw(rng: np.random.Generator, heart_bpm: float, breaths_per_min: float, duration: float,
         variability: float = 0.03) -> Signals:
    """Beats and breaths covering [-2 s, duration + 2 s]."""
    breaths = [-3.0 * 60.0 / breaths_per_min]
    while breaths[-1] < duration + 2.0:
        breaths.append(breaths[-1] + 60.0 / breaths_per_min * float(np.clip(rng.normal(1.0, 0.06), 0.8, 1.2)))
    signals = Signals(np.array([]), np.asarray(breaths))
    beats = [-2.0 - float(rng.uniform(0, 60.0 / heart_bpm))]
    while beats[-1] < duration + 2.0:
        rsa = 1.0 - 0.7 * variability * float(signals.breath(np.array([beats[-1]]))[0])   # faster breathing in
        beats.append(beats[-1] + 60.0 / heart_bpm * rsa * float(np.clip(rng.normal(1.0, variability), 0.85, 1.15)))
    signals.beats_s = np.asarray(beats)
    return signals
