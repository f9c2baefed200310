"""Benchmark of the motion soundtrack: synthesis and mixing seconds per clip second (effects, ambience, music, rooms'
impulse responses, narration, the master mix), against the render's seconds per clip second at render=default; and
espeak-ng's seconds per spoken second. Target: sound under 5 % of the render.

    python bench/bench_audio.py                       # 8 clips of 10 s (all contexts), one 2 s clip rendered
    python bench/bench_audio.py --clips 4 --seconds 20 --render-frames 12

The render reference is a real SampleProducer run at render=default (256x256, 32 samples + denoise) of a short clip;
its render stage per frame times the clips' frame count gives the render time the sound is compared with. Asserts
nothing.
"""
import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine import speech  # noqa: E402
from engine.streams import Streams  # noqa: E402
from engine.taxonomy import load_taxonomy  # noqa: E402
from job.config import compose, content_hash  # noqa: E402
from job.sample import SampleProducer  # noqa: E402
from scenes.motion import events  # noqa: E402
from scenes.motion.recipe import build  # noqa: E402
from scenes.motion.sound import soundtrack  # noqa: E402

CONTEXTS = ["street", "park", "plaza", "interior"]


def sound_seconds(clips: int, seconds: float, fps: float) -> tuple:
    """(sound seconds per clip second, spoken seconds, speech synthesis seconds) over `clips` clips."""
    total, spoken = 0.0, 0.0
    for k in range(clips):
        cfg = compose(["scene=motion", f"scene.frames={int(seconds * fps)}", f"scene.fps={fps}",
                       f"scene.contexts=[{CONTEXTS[k % 4]}]"])
        streams = Streams((0, k, 0))
        spec = build(cfg.scene, streams, k, 256, 256)
        tracks = [{"track_id": a.track_id, "frames_in_view": list(range(spec.n_frames))} for a in spec.timeline.actors]
        clip = events.clip_layers(spec, [], tracks, load_taxonomy())
        labels = {"actions": clip.actions, "events": clip.events, "script": clip.script}
        t0 = time.perf_counter()
        mix, layer = soundtrack(spec, labels, streams, cfg.audio)
        mix.finish([f"dialogue_{lang}" for lang in cfg.audio.narration])
        total += time.perf_counter() - t0
        spoken += sum(s["end_s"] - s["start_s"] for s in layer["speech"])
        print(f"  clip {k}: {spec.category:24s} {len(mix.events):3d} events, {len(layer['speech'])} spoken lines", flush=True)
    return total / (clips * seconds), spoken


def tts_rate(repeats: int = 20) -> float:
    """espeak-ng's synthesis seconds per second of speech (both languages)."""
    session = speech.Espeak.session()
    lines = [("en", "The person in a red striped shirt cheerfully walks toward the child in green."),
             ("ko", "빨간 줄무늬 셔츠를 입은 사람이 초록 옷의 아이 쪽으로 즐겁게 걷는다.")]
    busy, spoken = 0.0, 0.0
    for _ in range(repeats):
        for lang, text in lines:
            t0 = time.perf_counter()
            u = session.speak(text, lang, 165, 48000)
            busy += time.perf_counter() - t0
            spoken += u.audio.size / 48000
    return busy / spoken


def render_seconds_per_frame(frames: int) -> float:
    cfg = compose(["scene=motion", "render=default", f"scene.frames={frames}", "audio.enabled=false"])
    producer = SampleProducer(cfg, content_hash(cfg))
    sample, _ = producer.produce(0)
    producer.close()
    return sample.timings["render"] / frames


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clips", type=int, default=8)
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--fps", type=float, default=12.0)
    ap.add_argument("--render-frames", type=int, default=24)
    args = ap.parse_args()
    print(f"sound for {args.clips} clips of {args.seconds:g} s at {args.fps:g} fps:")
    per_second, spoken = sound_seconds(args.clips, args.seconds, args.fps)
    tts = tts_rate()
    print(f"rendering {args.render_frames} frames at render=default for the reference ...", flush=True)
    render_per_second = render_seconds_per_frame(args.render_frames) * args.fps
    print(f"sound: {per_second:.4f} s per clip second ({spoken / args.clips:.1f} s spoken per clip)")
    print(f"speech synthesis (espeak-ng): {tts:.4f} s per spoken second ({1 / tts:.0f}x real time)")
    print(f"render=default: {render_per_second:.2f} s per clip second at {args.fps:g} fps")
    print(f"sound / render: {100 * per_second / render_per_second:.2f} % (target < 5 %)")


if __name__ == "__main__":
    main()
