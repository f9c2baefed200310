"""Is the concept signal real? Render a balanced set per concept on one seed range, train a multinomial logistic
regression on the measured image statistics only (no labels, no causes), test on another seed range, and print
per-concept accuracy against chance.

    python bench/bench_concept.py                 # 8 train + 4 test renders per concept at 64x48 (render=preview)
    python bench/bench_concept.py --train 20 --test 10 --size 128x96
"""
import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from job.config import compose, content_hash  # noqa: E402
from job.sample import SampleProducer  # noqa: E402
from scenes.concept import concept_names  # noqa: E402


def features(stats: dict) -> list:
    hue = sum(h["weight"] * np.exp(1j * np.deg2rad(h["hue"])) for h in stats["dominant_hues_deg"])
    centre = stats.get("subject_centre") or [0.5, 0.5]
    return [stats["brightness"], stats["contrast"], stats["colourfulness"] / 100, stats["saturation"], stats["warmth"],
            stats["openness"], stats["mean_log_depth"] or 0.0, stats["subject_area"], centre[0], centre[1],
            hue.real, hue.imag]


def collect(producer, seed_offset: int, per_concept: int, n_concepts: int):
    X, y = [], []
    producer.cfg.seed = seed_offset
    for index in range(per_concept * n_concepts):
        sample, _ = producer.produce(index)
        if sample is None:
            continue
        X.append(features(sample.labels["scene"]["image_stats"]))
        y.append(index % n_concepts)
    return np.array(X), np.array(y)


def train_logistic(X, y, classes: int, steps: int = 3000, lr: float = 0.5, l2: float = 1e-3):
    W = np.zeros((X.shape[1] + 1, classes))
    Xb = np.column_stack([X, np.ones(len(X))])
    onehot = np.eye(classes)[y]
    for _ in range(steps):
        logits = Xb @ W
        p = np.exp(logits - logits.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        W -= lr * (Xb.T @ (p - onehot) / len(X) + l2 * W)
    return W


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", type=int, default=8)
    parser.add_argument("--test", type=int, default=4)
    parser.add_argument("--size", default="64x48")
    args = parser.parse_args()
    names = concept_names()
    w, h = args.size.split("x")
    cfg = compose(["scene=concept", "render=preview", f"render.resolution=[{w},{h}]", "qa.min_subject_pixels=4"])
    producer = SampleProducer(cfg, content_hash(cfg))
    start = time.perf_counter()
    X_train, y_train = collect(producer, 1000, args.train, len(names))
    X_test, y_test = collect(producer, 2000, args.test, len(names))
    producer.close()
    mu, sd = X_train.mean(axis=0), X_train.std(axis=0) + 1e-9
    W = train_logistic((X_train - mu) / sd, y_train, len(names))
    pred = (np.column_stack([(X_test - mu) / sd, np.ones(len(X_test))]) @ W).argmax(axis=1)
    print(f"{len(names)} concepts; {len(y_train)} train renders (seeds 1000..), {len(y_test)} test renders (seeds 2000..), "
          f"{args.size}, {time.perf_counter() - start:.0f} s; features: 12 measured image statistics")
    print(f"{'concept':<13}{'accuracy':>9}")
    for k, name in enumerate(names):
        sel = y_test == k
        print(f"{name:<13}{(pred[sel] == k).mean() if sel.any() else float('nan'):>9.2f}")
    accuracy = (pred == y_test).mean()
    print(f"overall accuracy {accuracy:.3f}   chance {1 / len(names):.3f}   ratio {accuracy * len(names):.1f}x")


if __name__ == "__main__":
    main()
