"""Benchmark of the augmentation stage (augment=controlnet): images/s at 512 px and 20 steps on the device present.

    python bench/bench_augment.py                         # tiny random-weight models (a plumbing check on the CPU)
    python bench/bench_augment.py --model-dir /models/sd15 # your local checkpoint (ControlNets in controlnet-<control>)
    python bench/bench_augment.py --sd15-shape            # real-size SD-1.5-shaped random weights (meant for a GPU)

Runs the engine's Augmenter on real render passes (a scene=landmark render at the benchmark size) with
augment.per_sample variants per call, and prints the device, dtype, seconds per call and images/s (and the
consistency scores, which only mean something for a trained model). Asserts nothing.
"""
import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from job.config import compose, content_hash  # noqa: E402
from job.sample import SampleProducer  # noqa: E402


def main(args):
    with tempfile.TemporaryDirectory() as tmp:
        model_dir = args.model_dir
        if model_dir is None:
            from tiny_diffusion import make_models
            model_dir = make_models(Path(tmp) / "models", sd15_shape=args.sd15_shape)
        overrides = ["render=preview", f"render.resolution=[{args.size},{args.size}]", "augment=controlnet",
                     f"augment.model_dir={model_dir}", f"augment.size={args.size}", f"augment.steps={args.steps}",
                     f"augment.per_sample={args.per_sample}", "augment.min_consistency=0", *args.overrides]
        cfg = compose(overrides)
        producer = SampleProducer(cfg, content_hash(cfg))
        augmenter = producer.augmenter
        producer.augmenter = None                                     # render once without it ...
        sample, _ = producer.produce(0)
        augmenter.augment(sample.frames, sample.labels, (0, 0, 0))  # ... warm up (first call loads kernels) ...
        times = []
        for k in range(args.repeat):                                  # ... then time the stage alone
            t0 = time.perf_counter()
            result = augmenter.augment(sample.frames, sample.labels, (0, 0, k + 1))
            if augmenter.device == "cuda":
                augmenter.torch.cuda.synchronize()
            times.append(time.perf_counter() - t0)
        producer.close()
    per_call = sum(times) / len(times)
    kind = "your model" if args.model_dir else ("SD-1.5-shaped random weights" if args.sd15_shape else
                                               "tiny random weights: a plumbing check, not a real model's speed")
    print(f"augment=controlnet, {kind}; controls {list(cfg.augment.controls)}, {args.size}x{args.size}, "
          f"{args.steps} steps, {args.per_sample} variants per call, device={augmenter.device}, {augmenter.provenance['dtype']}")
    print(f"seconds per call  {per_call:.2f}  (over {len(times)} calls)")
    print(f"images/s          {args.per_sample / per_call:.3f}")
    print(f"scores            {[v['score'] for v in result['variants']]}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model-dir", default=None)
    parser.add_argument("--sd15-shape", action="store_true")
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--per-sample", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("overrides", nargs="*")
    main(parser.parse_args())
