"""The job: what `python render.py ...` does, above the scene families. Config composition and validation (config),
the per-sample pipeline (sample), the run with its manifest (run, manifest), the launchers that spread samples over
worker processes or a Ray cluster (launcher, worker, ray_launcher), top-up of a user's data set (topup) and diffusion
augmentation (augment)."""
