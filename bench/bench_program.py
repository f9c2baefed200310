"""Benchmark of scene=program: one program at render=preview (96x96, 8 samples) from recipe to written files: wall
time, rendered and program frames, scenes and shots, each stage's seconds, seconds per program second, peak memory.

    python bench/bench_program.py                        # a 60 s program at 12 fps (720 frames)
    python bench/bench_program.py --seconds 20 render.resolution=[160,120]

Stages: recipe (characters, each scene's simulation, shot cameras and context, joined), build, render, annotate
(masks, boxes, flow; actions, events, script and the program layer), audio (each scene's sound, music, narration),
write (native files, the edited MP4 with AAC tracks, WAV stems, subtitles). Asserts nothing.
"""
import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine.layout import RunLayout, sample_id  # noqa: E402
from engine.storage import write_sample  # noqa: E402
from job.config import compose, content_hash  # noqa: E402
from job.sample import SampleProducer  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("overrides", nargs="*")
    args = ap.parse_args()
    cfg = compose(["scene=program", "render=preview", f"scene.duration_s={args.seconds}", f"seed={args.seed}",
                   *args.overrides])
    producer = SampleProducer(cfg, content_hash(cfg))
    with tempfile.TemporaryDirectory() as out:
        t0 = time.perf_counter()
        sample, reasons = producer.produce(0)
        if sample is None:
            sys.exit(f"rejected: {reasons}")
        t1 = time.perf_counter()
        write_sample(RunLayout(out), sample_id(0), sample.labels, sample.spec.to_dict(), sample.frames,
                     producer._outputs(sample))
        sample.timings["write"] = time.perf_counter() - t1
        wall = time.perf_counter() - t0
        video_mb = (Path(out) / "samples" / sample_id(0) / "video.mp4").stat().st_size / 1e6
    producer.close()
    program = sample.labels["program"]
    kinds = {}
    for shot in program["shots"]:
        kinds[shot["kind"]] = kinds.get(shot["kind"], 0) + 1
    width, height = cfg.render.resolution
    print(f"program: {program['duration_s']:g} s, {program['n_frames']} program frames from {len(sample.frames)} rendered "
          f"at {width}x{height}, {cfg.render.samples} samples; {len(program['scenes'])} scenes, {len(program['shots'])} "
          f"shots {kinds}; transitions {[s['transition_in'] for s in program['scenes']]}")
    print(f"labels: {len(sample.labels['actions'])} action segments, {len(sample.labels['events'])} events, "
          f"{len(sample.labels['audio']['events'])} sound events, {len(sample.labels['audio']['speech'])} spoken lines; "
          f"video.mp4 {video_mb:.1f} MB")
    print(f"wall: {wall:.1f} s ({wall / program['duration_s']:.2f} s per program second, "
          f"{wall / len(sample.frames):.2f} s per rendered frame)")
    print("stages (s): " + ", ".join(f"{k} {v:.1f}" for k, v in sample.timings.items()))
    print(f"peak memory: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
