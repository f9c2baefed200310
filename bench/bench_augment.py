"""Benchmark of the augmentation stage (augment=controlnet): images/s at 512 px and 20 steps on the device present.

    python bench/bench_augment.py                         # tiny random-weight models (a plumbing check on the CPU)
    python bench/bench_augment.py --model-dir /models/sd15 # your local checkpoint (ControlNets in controlnet-<control>)
    python bench/bench_augment.py --sd15-shape            # real-size SD-1.5-shaped random weights (meant for a GPU)
    python bench/bench_augment.py --passes landmark.npz   # passes saved by bench/gpu/families.py: no Blender needed
                                                          # (the GPU machine's Python 3.12 has torch, not bpy)

Runs the engine's Augmenter on real render passes (a scene=landmark render at the benchmark size) with
augment.per_sample variants per call, and prints the device, dtype, seconds per call and images/s (and the
consistency scores, which only mean something for a trained model). Asserts nothing.
"""
import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))


def rendered(args, model_dir):
    """(augment config, augmenter, frames, labels): a landmark rendered now, or passes saved by bench/gpu."""
    augment = {"model_dir": str(model_dir), "size": args.size, "steps": args.steps, "per_sample": args.per_sample,
               "min_consistency": 0}
    if args.passes is None:
        from job.config import compose, content_hash
        from job.sample import SampleProducer
        cfg = compose(["render=preview", f"render.resolution=[{args.size},{args.size}]", "augment=controlnet",
                       *[f"augment.{k}={v}" for k, v in augment.items()], *args.overrides])
        producer = SampleProducer(cfg, content_hash(cfg))
        augmenter, producer.augmenter = producer.augmenter, None    # render once without it
        sample, _ = producer.produce(0)
        producer.close()
        return cfg.augment, augmenter, sample.frames, sample.labels
    from omegaconf import OmegaConf
    from engine.passes import FramePasses
    from engine.taxonomy import load_taxonomy
    from job.augment import Augmenter
    cfg = OmegaConf.merge(OmegaConf.load(ROOT / "configs" / "config.yaml").augment,
                          OmegaConf.load(ROOT / "configs" / "augment" / "controlnet.yaml"), augment,
                          OmegaConf.from_dotlist([o.removeprefix("augment.") for o in args.overrides]))
    saved = np.load(args.passes)
    frame = FramePasses(rgb=saved["rgb"], depth=saved["depth"], normal=None, instance=saved["instance"],
                        semantic=saved["semantic"], part=None, index_error=0.0)
    return cfg, Augmenter(cfg, load_taxonomy()), [frame], json.loads(str(saved["labels"]))


def main(args):
    with tempfile.TemporaryDirectory() as tmp:
        model_dir = args.model_dir
        if model_dir is None:
            from tiny_diffusion import make_models
            model_dir = make_models(Path(tmp) / "models", sd15_shape=args.sd15_shape)
        augment_cfg, augmenter, frames, labels = rendered(args, model_dir)
        augmenter.augment(frames, labels, (0, 0, 0))                # warm up (the first call loads kernels)
        times = []
        for k in range(args.repeat):                                  # ... then time the stage alone
            t0 = time.perf_counter()
            result = augmenter.augment(frames, labels, (0, 0, k + 1))
            if augmenter.device == "cuda":
                augmenter.torch.cuda.synchronize()
            times.append(time.perf_counter() - t0)
        memory = augmenter.torch.cuda.max_memory_allocated() / 2 ** 20 if augmenter.device == "cuda" else None
    per_call = sum(times) / len(times)
    kind = "your model" if args.model_dir else ("SD-1.5-shaped random weights" if args.sd15_shape else
                                               "tiny random weights: a plumbing check, not a real model's speed")
    print(f"augment=controlnet, {kind}; controls {list(augment_cfg.controls)}, {args.size}x{args.size}, "
          f"{args.steps} steps, {args.per_sample} variants per call, device={augmenter.device}, {augmenter.provenance['dtype']}")
    print(f"seconds per call  {per_call:.2f}  (over {len(times)} calls)")
    print(f"images/s          {args.per_sample / per_call:.3f}")
    print(f"scores            {[v['score'] for v in result['variants']]}")
    if memory is not None:
        print(f"GPU peak allocated {memory:.0f} MiB ({augmenter.torch.cuda.get_device_name()})")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model-dir", default=None)
    parser.add_argument("--sd15-shape", action="store_true")
    parser.add_argument("--passes", default=None, help="an .npz from bench/gpu/families.py --passes (no rendering here)")
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--per-sample", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("overrides", nargs="*")
    main(parser.parse_args())
