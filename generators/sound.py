"""Procedural sound: footsteps per surface, impacts, a parcel's rustle, a car's engine and tyres, ambience per context
and a music bed per mood. Filtered noise, decaying modes and oscillators (numpy/scipy), every random choice from the
stream passed in; nothing recorded, nothing downloaded. Signals are float32 at `sr`, dry and mono unless said."""
from __future__ import annotations

import numpy as np

SURFACES = {"street": "asphalt", "plaza": "paving", "park": "grass", "interior": "wood"}   # what feet land on


def _band(x: np.ndarray, lo: float | None, hi: float | None, sr: int, order: int = 2) -> np.ndarray:
    from scipy.signal import butter, sosfilt      # lazily: ~0.8 s to import, and only clips with sound need it
    if lo and hi:
        sos = butter(order, [lo, hi], "bandpass", fs=sr, output="sos")
    elif hi:
        sos = butter(order, hi, "lowpass", fs=sr, output="sos")
    else:
        sos = butter(order, lo, "highpass", fs=sr, output="sos")
    return sosfilt(sos, x).astype(np.float32)


def _decay(n: int, sr: int, tau: float, attack: float = 0.001) -> np.ndarray:
    t = np.arange(n) / sr
    return (np.minimum(1.0, t / attack) * np.exp(-t / tau)).astype(np.float32)


def _modes(rng, sr: int, freqs, taus, length: float) -> np.ndarray:
    """Modal synthesis: decaying sinusoids (struck objects), each mode's frequency jittered a little."""
    n = int(length * sr)
    t = np.arange(n) / sr
    out = np.zeros(n, np.float32)
    for f, tau in zip(freqs, taus):
        f = f * rng.uniform(0.93, 1.07)
        out += (np.sin(2 * np.pi * f * t + rng.uniform(0, 2 * np.pi)) * np.exp(-t / tau) / (1 + f / 400)).astype(np.float32)
    return out * np.minimum(1.0, t / 0.0008).astype(np.float32)


def _normalised(x: np.ndarray) -> np.ndarray:
    peak = float(np.max(np.abs(x))) if x.size else 0.0
    return (x / peak).astype(np.float32) if peak > 0 else x


def footstep(rng, surface: str, sr: int) -> np.ndarray:
    """One footfall (peak 1): heel strike then a weaker toe roll; its first sample is the touchdown."""
    n = int(0.26 * sr)
    noise = rng.standard_normal(n).astype(np.float32)
    if surface == "grass":          # brushing blades and small crackles, no hard strike
        x = _band(noise, 1500, 7000, sr) * _decay(n, sr, 0.06, attack=0.004)
        crackle = (rng.random(n) < 0.004) * rng.standard_normal(n)
        x += 0.5 * _band(crackle.astype(np.float32), 3000, None, sr) * _decay(n, sr, 0.09)
    elif surface == "wood":         # a hollow floor: low modes under a click
        x = _modes(rng, sr, (95, 180, 340, 610), (0.05, 0.04, 0.025, 0.015), 0.26)
        x += 0.4 * _band(noise, 2000, 8000, sr) * _decay(n, sr, 0.006)
    else:                           # asphalt is grittier, paving slabs click brighter
        lo, hi, grit = (800, 5000, 0.012) if surface == "asphalt" else (1500, 9000, 0.008)
        x = _band(noise, lo, hi, sr) * _decay(n, sr, grit) + 0.6 * _modes(rng, sr, (80, 150), (0.03, 0.02), 0.26)
    toe = int(rng.uniform(0.06, 0.1) * sr)
    x[toe:] += 0.35 * x[:n - toe] * float(rng.uniform(0.7, 1.0))
    return _normalised(x)


def impact(rng, kind: str, sr: int) -> np.ndarray:
    """A body falling to the ground (heavy thud and cloth) or two bodies bumping (a duller, shorter knock)."""
    n = int(0.6 * sr)
    freqs, taus = ((55, 90, 160, 300), (0.12, 0.09, 0.05, 0.03)) if kind == "fall" else ((120, 210, 380), (0.05, 0.035, 0.02))
    cloth = _band(rng.standard_normal(n).astype(np.float32), 800, 5000, sr) * _decay(n, sr, 0.08, attack=0.01)
    return _normalised(_modes(rng, sr, freqs, taus, 0.6) + 0.3 * cloth)


def rustle(rng, length: float, sr: int) -> np.ndarray:
    """Cardboard and hands: crinkles (sparse clicks) in band-limited noise with an uneven envelope."""
    n = int(length * sr)
    crinkle = _band(((rng.random(n) < 0.002) * rng.standard_normal(n)).astype(np.float32), 2000, 9000, sr)
    hiss = _band(rng.standard_normal(n).astype(np.float32), 1000, 6000, sr) * 0.15
    env = np.interp(np.arange(n), np.linspace(0, n, 9), rng.uniform(0.3, 1.0, 9)).astype(np.float32)
    fade = np.minimum(1.0, np.minimum(np.arange(n), n - np.arange(n)) / (0.02 * sr)).astype(np.float32)
    return _normalised((crinkle * 3 + hiss) * env * fade)


def engine_rpm(speed_mps):
    """Engine speed from road speed (one gear's worth of a small petrol engine)."""
    return 800.0 + 260.0 * np.asarray(speed_mps)


def engine_f0(speed_mps):
    """Firing frequency (Hz) of a four-stroke four-cylinder engine: two firings per revolution."""
    return engine_rpm(speed_mps) / 30.0


def car(rng, speed_at, duration: float, sr: int, margin: float = 1.0) -> tuple:
    """A car's engine (firing harmonics) and tyres (noise rising with speed) as functions of emission time, on a time
    grid starting `margin` seconds before 0 (so a delayed reader finds sound). `speed_at(t)` gives m/s.
    Returns (times, signal)."""
    t = np.arange(int((duration + 2 * margin) * sr)) / sr - margin
    speed = np.asarray(speed_at(t), float)
    phase = 2 * np.pi * np.cumsum(engine_f0(speed)) / sr
    weights = rng.uniform(0.5, 1.0, 6) / np.arange(1, 7)
    engine = sum(w * np.sin(k * phase + rng.uniform(0, 2 * np.pi)) for k, w in enumerate(weights, 1))
    load = 0.6 + 0.4 * np.tanh(np.gradient(speed, 1 / sr) + 0.5)               # pulling harder when speeding up
    tyres = _band(rng.standard_normal(t.size).astype(np.float32), 200, 1500, sr) * (speed / 10.0) ** 2
    return t, (0.7 * engine * load + 0.5 * tyres).astype(np.float32)


def brakes(rng, length: float, sr: int) -> np.ndarray:
    """A brake squeal (a wavering tone) over tyre scrub."""
    n = int(length * sr)
    t = np.arange(n) / sr
    f = rng.uniform(1800, 3200) * (1 + 0.01 * np.sin(2 * np.pi * rng.uniform(4, 8) * t))
    squeal = np.sin(2 * np.pi * np.cumsum(f) / sr) * 0.4
    scrub = _band(rng.standard_normal(n).astype(np.float32), 300, 2500, sr)
    env = np.minimum(1.0, t / 0.1) * np.minimum(1.0, (length - t) / 0.2)
    return _normalised((squeal + scrub) * env)


# ---- ambience --------------------------------------------------------------------------------------------------------
def ambience(rng, context: str, duration: float, sr: int) -> tuple:
    """A stereo bed for the context (L/R decorrelated) and its discrete events [(class, onset_s, offset_s)]: street
    traffic, park birds and wind in leaves, plaza crowd murmur, interior room tone, open country's wind, a coast's
    waves."""
    n = int(duration * sr)
    noise = lambda: rng.standard_normal(n).astype(np.float32)                   # noqa: E731
    events = []
    if context == "street":
        bed = [_band(np.cumsum(noise()) * 0.02, 30, 400, sr) for _ in range(2)]
        kind = "traffic"
    elif context == "park":
        gust = np.interp(np.arange(n), np.linspace(0, n, max(2, int(duration * 2))), rng.uniform(0.2, 1.0, max(2, int(duration * 2))))
        bed = [_band(noise(), 400, 4000, sr) * gust.astype(np.float32) * 0.5 for _ in range(2)]
        kind = "wind_in_leaves"
        for onset in np.cumsum(rng.exponential(1.2, 64)):
            if onset > duration - 0.3:
                break
            chirp, side = _bird(rng, sr), int(rng.integers(2))
            at = int(onset * sr)
            bed[side][at:at + chirp.size] += chirp[:n - at] * 2.5
            bed[1 - side][at:at + chirp.size] += chirp[:n - at] * 1.2
            events.append(("bird", float(onset), float(onset + chirp.size / sr)))
    elif context in ("wind", "surf"):         # open country: gusts; a coast: waves breaking every few seconds
        gust = np.interp(np.arange(n), np.linspace(0, n, max(2, int(duration))), rng.uniform(0.1, 1.0, max(2, int(duration))))
        bed = [_band(noise(), 60, 900, sr) * gust.astype(np.float32) for _ in range(2)]
        kind = "wind"
        if context == "surf":
            t = np.arange(n) / sr
            swell = np.clip(np.sin(2 * np.pi * t / rng.uniform(5, 9) + rng.uniform(0, 6)), 0, None) ** 3
            for side in range(2):
                bed[side] = bed[side] * 0.4 + _band(noise(), 200, 6000, sr) * swell.astype(np.float32)
            kind = "waves"
    elif context == "plaza":
        bed = [np.zeros(n, np.float32), np.zeros(n, np.float32)]
        for _ in range(14):                 # voices: speech-band noise under a syllable rhythm
            rate = rng.uniform(3.5, 6.0)
            syll = np.clip(np.sin(2 * np.pi * rate * np.arange(n) / sr + rng.uniform(0, 6)), 0, None) ** 2
            voice = _band(noise(), rng.uniform(250, 500), rng.uniform(1800, 3200), sr) * syll.astype(np.float32)
            pan = rng.uniform(0.2, 0.8)
            bed[0] += voice * (1 - pan) * 0.3
            bed[1] += voice * pan * 0.3
        kind = "crowd"
    else:
        t = np.arange(n) / sr
        hum = sum(np.sin(2 * np.pi * 50 * k * t) / k for k in (1, 2, 3)).astype(np.float32) * 0.05
        bed = [_band(noise(), None, 1200, sr) * 0.3 + hum for _ in range(2)]
        kind = "room_tone"
    events.insert(0, (kind, 0.0, float(duration)))
    return np.stack(bed), events


def _bird(rng, sr: int) -> np.ndarray:
    """A phrase of two to five chirps: fast downward or upward whistles."""
    parts = []
    for _ in range(int(rng.integers(2, 6))):
        length = rng.uniform(0.04, 0.12)
        t = np.arange(int(length * sr)) / sr
        f = np.linspace(rng.uniform(2500, 6000), rng.uniform(2500, 6000), t.size)
        parts.append((np.sin(2 * np.pi * np.cumsum(f) / sr) * np.sin(np.pi * t / length) ** 2).astype(np.float32))
        parts.append(np.zeros(int(rng.uniform(0.03, 0.08) * sr), np.float32))
    return np.concatenate(parts) * 0.3


# ---- music -----------------------------------------------------------------------------------------------------------
MOODS = {   # style -> mode, tempo range (bpm), progression (scale degrees, 0-based), instruments
    "neutral": ("mixolydian", (96, 108), (0, 3, 4, 0), ("pad", "pluck", "bass")),
    "happy": ("major", (118, 132), (0, 4, 5, 3), ("pluck", "bass", "percussion")),
    "sad": ("minor", (64, 76), (0, 5, 2, 6), ("pad", "piano")),
    "angry": ("phrygian", (136, 150), (0, 1, 0, 6), ("distorted_bass", "percussion")),
    "afraid": ("diminished", (70, 84), (0, 1, 0, 3), ("tremolo_strings", "drone")),
}
SCALES = {"major": (0, 2, 4, 5, 7, 9, 11), "minor": (0, 2, 3, 5, 7, 8, 10), "mixolydian": (0, 2, 4, 5, 7, 9, 10),
          "phrygian": (0, 1, 3, 5, 7, 8, 10), "diminished": (0, 2, 3, 5, 6, 8, 9, 11)}
KEYS = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")


def music(rng, mood: str, duration: float, sr: int) -> tuple:
    """A stereo music bed whose mode, tempo, progression and instruments follow the mood. Returns (bed, causes)."""
    mode, tempo_range, progression, instruments = MOODS[mood]
    tempo = float(rng.uniform(*tempo_range))
    key = int(rng.integers(12))
    scale = SCALES[mode]
    n = int(duration * sr)
    t = np.arange(n) / sr
    beat = 60.0 / tempo
    bar = 4 * beat
    out = np.zeros(n, np.float32)
    for b in range(int(np.ceil(duration / bar))):
        degree = progression[b % len(progression)]
        chord = [scale[(degree + k) % len(scale)] + 12 * ((degree + k) // len(scale)) for k in (0, 2, 4)]
        freqs = [220.0 * 2 ** ((key + c - 9) / 12) for c in chord]
        s0, s1 = int(b * bar * sr), min(n, int((b + 1) * bar * sr))
        tb = t[s0:s1] - b * bar
        for inst in instruments:
            out[s0:s1] += _voice(inst, freqs, tb, beat, rng)
    fade = np.minimum(1.0, np.minimum(t / 0.5, (duration - t) / 0.5)).astype(np.float32)
    out = _normalised(out) * fade
    causes = {"mood": mood, "mode": mode, "key": KEYS[key], "tempo_bpm": round(tempo, 2),
              "progression": [int(d) + 1 for d in progression], "instruments": list(instruments)}
    return np.stack([out, np.roll(out, int(0.011 * sr))]), causes


def _voice(inst: str, freqs, t: np.ndarray, beat: float, rng) -> np.ndarray:
    """One instrument's bar over time t (seconds into the bar)."""
    if inst in ("pad", "tremolo_strings", "drone"):
        f = freqs[:1] if inst == "drone" else freqs
        x = sum(np.sin(2 * np.pi * fi * (0.5 if inst == "drone" else 1) * t) + 0.3 * np.sin(2 * np.pi * fi * 2.003 * t) for fi in f)
        if inst == "tremolo_strings":
            x = x * (0.6 + 0.4 * np.sin(2 * np.pi * 7.0 * t))
        return (0.25 * x * np.minimum(1.0, t / 0.3)).astype(np.float32)
    if inst in ("bass", "distorted_bass"):
        x = np.sin(2 * np.pi * freqs[0] / 2 * t) * np.exp(-(t % beat) / (0.6 * beat))
        return (0.5 * (np.tanh(4 * x) if inst == "distorted_bass" else x)).astype(np.float32)
    if inst == "percussion":
        local = t % beat
        kick = np.sin(2 * np.pi * 60 * local) * np.exp(-local / 0.08)
        return (0.6 * kick).astype(np.float32)
    step = beat / 2 if inst == "pluck" else beat            # pluck: arpeggio in eighths; piano: chord tones on beats
    k = (t // step).astype(int)
    f = np.asarray(freqs)[k % len(freqs)] * (2 if inst == "pluck" else 1)
    local = t - k * step
    x = np.sin(2 * np.pi * f * local) * np.exp(-local / (0.25 if inst == "pluck" else 0.8))
    return (0.35 * x).astype(np.float32)
