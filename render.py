"""Command-line entry: `python render.py scene=landmark n=200 out=runs/lm seed=7 render=preview render.resolution=[320,240]`.

Arguments are Hydra-style overrides of the YAML tree in configs/. `--help` shows usage and the resolved config,
`--cfg job` prints the resolved config only. A bad override exits 2 with one line and writes nothing.
"""
import sys

from omegaconf import OmegaConf

from engine.backend import BackendError
from engine.checks import ConfigError
from engine.storage import free_mb, is_disk_full
from job import stopping
from job.config import compose
from job.run import export_only, run
from job.topup import run_topup
from scenes import FAMILIES

USAGE = f"""usage: python render.py [GROUP=OPTION ...] [KEY=VALUE ...] [--cfg job] [--help]
  groups: scene={'|'.join(FAMILIES)}   render=preview|default|final   augment=none|controlnet
          concept=NAME|all (scene=concept)
  keys:   n=8 seed=0 out=runs/landmark render.resolution=[320,240] render.samples=16 render.device=auto|cpu|cuda|optix
          scene.landmarks=[0,5,17] scene.weathers=[clear,foggy] export.formats=[coco,yolo,voc,kitti,cityscapes,webdataset,mot,hf]
          export.only=true (re-export a finished run)  output.scene3d=true  output.exr=true  qa.max_attempts=4
          topup.coco=instances.json topup.target=min_count:500 topup.mapping=my_mapping.yaml (top up weak classes)
resolved config:"""


def main(argv: list[str]) -> int:
    stopping.install()
    show = "--help" in argv or "-h" in argv
    print_cfg = "--cfg" in argv
    overrides = [a for a in argv if a not in ("--help", "-h", "--cfg", "job")]
    cfg = None
    try:
        cfg = compose(overrides)
        if show or print_cfg:
            print((USAGE + "\n" if show else "") + OmegaConf.to_yaml(cfg), end="")
            return 0
        if cfg.topup.coco:
            passed = [a for a in overrides if a.split("=")[0].startswith(("render", "qa."))]
            s = run_topup(cfg, passed)
            print(f"top-up: {s['images_added']} images, {s['annotations_added']} instances added; shortfall "
                  f"{s['shortfall']}; cannot generate {len(s['cannot_generate'])} classes -> {cfg.out}/topup")
            return 0
        if cfg.export.only:
            done = export_only(cfg)
            print(f"exported {done['samples']} samples as {', '.join(done['exports'])} in {done['seconds']:.1f} s -> {done['out']}")
            return 0
        summary = run(cfg)
    except (ConfigError, BackendError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except OSError as e:
        if not is_disk_full(e) or cfg is None:
            raise
        print(f"error: disk full: {cfg.out} has {free_mb(cfg.out):.1f} MB free; finished samples are kept "
              f"whole: free some space and run the same command again to resume", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("stopped: finished samples are kept; run the same command again to resume", file=sys.stderr)
        return 130
    c = summary["counts"]
    rate = c["rendered_this_run"] / summary["seconds"] if summary["seconds"] > 0 else 0.0
    stages = ", ".join(f"{k} {v:.1f}" for k, v in summary["stage_seconds"].items())
    print(f"done: {c['samples']}/{c['planned']} samples ({c['rendered_this_run']} rendered now, {c['skipped_done']} already "
          f"done, {c['failed']} failed) in {summary['seconds']:.1f} s, {rate:.2f} samples/s on {summary['device'] or '-'} "
          f"-> {summary['out']}; stage seconds: {stages}; peak memory {summary['peak_rss_mb']:.0f} MB")
    return 0 if c["failed"] <= cfg.launcher.failure_budget and c["samples"] + c["failed"] >= c["planned"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
