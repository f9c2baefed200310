"""Sound in space, and the mix: sources heard from the camera (propagation delay, distance attenuation, constant-power
stereo pan from where the camera sees them, air absorption outdoors; a moving source's Doppler shift follows from its
time-varying delay), rooms by their impulse responses (image-source method, pyroomacoustics), stems summed into mixes
under one master gain, and WAV files. No bpy here.

Levels: a source's dry signal is its level at REFERENCE_M; a listener r metres away hears it times REFERENCE_M / r."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.io import wavfile

SAMPLE_RATE = 48000
SPEED_OF_SOUND = 343.0               # m/s, air at 20 C
REFERENCE_M = 1.0
AIR_DB_PER_M = 0.02                  # extra loss above AIR_SPLIT_HZ outdoors (ISO 9613-1, ~4 kHz, 20 C, 50 % RH)
AIR_SPLIT_HZ = 2000.0
PEAK_LIMIT = 10 ** (-1 / 20)         # the mixes peak at -1 dBFS at most
EAR_SPACING_M = 0.2                  # the room's two microphones, along the camera's right axis


class Listener:
    """The camera as a listener: position and axes per audio sample, interpolated between frames."""

    def __init__(self, camera_poses: list, fps: float):
        poses = np.asarray(camera_poses, float)
        self.fps = fps
        self.position = poses[:, :3, 3]
        self.right = poses[:, :3, 0]                 # Blender cameras: +X right, -Z forward
        self.forward = -poses[:, :3, 2]

    def _at(self, values: np.ndarray, times: np.ndarray) -> np.ndarray:
        frames = np.arange(len(values)) / self.fps
        return np.stack([np.interp(times, frames, values[:, k]) for k in range(3)], axis=1)

    def hear(self, source: np.ndarray, times: np.ndarray):
        """(distance, pan gains L/R) of sources at `source` (N, 3) heard at `times` (N,)."""
        offset = source - self._at(self.position, times)
        distance = np.maximum(np.linalg.norm(offset, axis=1), 1e-6)
        side = np.einsum("ij,ij->i", offset, self._at(self.right, times)) / distance
        angle = (np.clip(side, -1, 1) + 1) * np.pi / 4
        return distance, np.stack([np.cos(angle), np.sin(angle)])

    def ears(self, time_s: float) -> np.ndarray:
        """Two microphone positions (3, 2) around the camera at time_s, for room impulse responses."""
        centre, right = self._at(self.position, np.array([time_s]))[0], self._at(self.right, np.array([time_s]))[0]
        right = right / np.linalg.norm(right)
        return np.stack([centre - right * EAR_SPACING_M / 2, centre + right * EAR_SPACING_M / 2], axis=1)


def _air(signal: np.ndarray, distance, sr: int) -> np.ndarray:
    """Outdoors: the part above AIR_SPLIT_HZ loses AIR_DB_PER_M per metre."""
    from scipy.signal import butter, sosfilt      # lazily: ~0.8 s to import, and only clips with sound need it
    high = sosfilt(butter(2, AIR_SPLIT_HZ, "highpass", fs=sr, output="sos"), signal)
    return signal - high * (1 - 10 ** (-AIR_DB_PER_M * np.asarray(distance) / 20))


def place_static(signal: np.ndarray, emitted_s: float, position, listener: Listener, sr: int, outdoor: bool) -> tuple:
    """A short sound emitted at `emitted_s` from a fixed point: (first sample heard, stereo (2, n), distance m)."""
    distance, pan = listener.hear(np.asarray(position, float)[None], np.array([emitted_s]))
    heard = signal * (REFERENCE_M / max(distance[0], REFERENCE_M))
    if outdoor:
        heard = _air(heard, distance[0], sr)
    start = int(round((emitted_s + distance[0] / SPEED_OF_SOUND) * sr))
    return start, (pan[:, 0][:, None] * heard[None]).astype(np.float32), float(distance[0])


def place_moving(times: np.ndarray, signal: np.ndarray, path, n: int, listener: Listener, sr: int,
                 outdoor: bool) -> tuple:
    """A moving source: `signal` sampled at emission `times`, `path(t)` its positions (N, 3). Each output sample reads
    the source at the emission time tau with tau + |path(tau) - listener(t)| / c = t (three fixed-point steps;
    the Doppler shift is this time-varying delay). Returns (stereo (2, n), distance per output sample)."""
    t = np.arange(n) / sr
    tau = t.copy()
    for _ in range(3):
        distance, pan = listener.hear(path(tau), t)
        tau = t - distance / SPEED_OF_SOUND
    heard = np.interp(tau, times, signal) * (REFERENCE_M / np.maximum(distance, REFERENCE_M))
    if outdoor:
        heard = _air(heard, distance, sr)
    return (pan * heard[None]).astype(np.float32), distance


def room_response(size_m, absorption: float, source, ears: np.ndarray, sr: int) -> tuple:
    """A shoebox room (image sources to order 10) from `source` to the two ears (coordinates from the room's corner):
    (stereo impulse response (2, L) starting at the direct sound, with gain REFERENCE_M / r for it; the direct sound's
    delay in samples; the measured RT60 in s)."""
    import pyroomacoustics as pra
    size = np.asarray(size_m, float)
    source = np.clip(source, 0.05, size - 0.05)
    room = pra.ShoeBox(list(size), fs=sr, materials=pra.Material(absorption), max_order=10)
    room.add_source(list(source))
    room.add_microphone_array(np.clip(ears, 0.05, size[:, None] - 0.05))
    room.compute_rir()
    distance = float(np.linalg.norm(source - ears.mean(axis=1)))
    # pyroomacoustics' fractional-delay filter lags by half its length; its direct sound has gain 1 / r
    delay = int(round(distance / SPEED_OF_SOUND * sr)) - 2
    skip = pra.constants.get("frac_delay_length") // 2 + delay
    rir = np.zeros((2, max(len(r[0]) for r in room.rir) - skip))
    for k in range(2):
        r = room.rir[k][0][skip:]
        rir[k, :len(r)] = r
    return (rir * REFERENCE_M).astype(np.float32), delay, float(np.mean(room.measure_rt60()))


def in_room(signal: np.ndarray, rir: np.ndarray) -> np.ndarray:
    from scipy.signal import fftconvolve          # lazily (see above)
    return np.stack([fftconvolve(signal, rir[k])[:signal.size + rir.shape[1]] for k in range(2)]).astype(np.float32)


@dataclass
class Mix:
    """Stems (stereo, one length) and the sound events placed in them; `finish` applies one master gain."""
    n: int
    sr: int = SAMPLE_RATE
    stems: dict = field(default_factory=dict)
    events: list = field(default_factory=list)      # (event dict, stem, start sample, stereo) until finish
    gain: float = 1.0                                # the master gain `finish` chose

    def stem(self, name: str) -> np.ndarray:
        return self.stems.setdefault(name, np.zeros((2, self.n), np.float32))

    def add(self, stem: str, start: int, stereo: np.ndarray, event: dict | None = None):
        """Add `stereo` at sample `start` (clipped to the clip); an event gets its heard span and loudness."""
        target = self.stem(stem)
        s0, s1 = max(0, start), min(self.n, start + stereo.shape[1])
        if s1 <= s0:
            return
        part = stereo[:, s0 - start:s1 - start]
        target[:, s0:s1] += part
        if event is not None:
            self.note(event, stem, s0, s1, part)

    def note(self, event: dict, stem: str, s0: int, s1: int, part: np.ndarray | None = None):
        """Record an event heard from sample s0 to s1 in `stem` (its loudness from `part`, else from the stem)."""
        event["onset_s"], event["offset_s"] = round(s0 / self.sr, 5), round(min(s1, self.n) / self.sr, 5)
        event["stem"] = stem
        self.events.append((event, stem, s0, part if part is not None else self.stems[stem][:, s0:s1]))

    def insert(self, other: "Mix", at: int, gain: np.ndarray, ids: dict):
        """Another mix (a scene's) placed from sample `at`, scaled by `gain` (one value per sample of `other`): its
        stems, and its events shifted in time with their track ids mapped through `ids`."""
        for name, stereo in other.stems.items():
            self.add(name, at, stereo * gain[None])
        shift = at / self.sr
        for event, stem, s0, part in other.events:
            moved = {**event, "onset_s": round(event["onset_s"] + shift, 5),
                     "offset_s": round(min(event["offset_s"] + shift, self.n / self.sr), 5),
                     "emitted_s": round(event["emitted_s"] + shift, 5), "track_id": ids.get(event["track_id"])}
            self.events.append((moved, stem, at + s0, part * gain[None, s0:s0 + part.shape[1]]))

    def finish(self, dialogue: list) -> dict:
        """One master gain for every stem so that the loudest mix (beds + each dialogue stem) peaks at -1 dBFS at
        most; events get loudness (RMS dBFS over their span, after the gain). Returns the mixes per dialogue stem."""
        beds = sum((s for k, s in self.stems.items() if k not in dialogue), np.zeros((2, self.n), np.float32))
        peak = max([float(np.abs(beds + self.stems.get(d, 0)).max()) for d in dialogue] or [float(np.abs(beds).max())])
        self.gain = min(1.0, PEAK_LIMIT / peak) if peak > 0 else 1.0
        for event, _, _, part in self.events:            # before the stems are scaled (parts may be views of them)
            rms = float(np.sqrt(np.mean(part.astype(np.float64) ** 2))) * self.gain
            event["loudness_dbfs"] = round(20 * np.log10(max(rms, 1e-9)), 2)
        for k in self.stems:
            self.stems[k] *= self.gain
        beds *= self.gain
        return {d: beds + self.stems[d] for d in dialogue} if dialogue else {"": beds}


def write_wav(path, stereo: np.ndarray, sr: int = SAMPLE_RATE):
    """16-bit PCM WAV (frames x channels)."""
    wavfile.write(str(path), sr, (np.clip(stereo.T, -1, 1) * 32767).round().astype(np.int16))
