"""Worker processes: the loop each spawned worker runs with its own Blender session, and what the launchers share
(fault injection, GPU pinning, recycling, worker counts).

Fault injection for the reliability tests: ENGINE_FAULT_KILL="3,5" makes the worker that takes sample 3 (or 5) kill
itself with SIGKILL the first time; "always:3" every time.
"""
from __future__ import annotations

import ctypes
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

from omegaconf import OmegaConf

from engine.layout import RunLayout
from engine.storage import is_disk_full
from job.sample import SampleProducer


def _die_with_parent():
    """Ask Linux to SIGKILL this process when its parent dies (a kill -9 of the run must not leave renders behind)."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)   # PR_SET_PDEATHSIG
    except OSError:
        pass


def drop_blender_script_paths():
    """spawn hands a child the parent's sys.path, which importing bpy there extended with Blender's own script
    folders; left in place, `import bpy` in the child would find Blender's inner bpy package instead of the module."""
    sys.path[:] = [p for p in sys.path if f"{os.sep}bpy{os.sep}" not in p]


def maybe_fault(out: str, index: int):
    spec = os.environ.get("ENGINE_FAULT_KILL", "")
    always = spec.startswith("always:")
    if str(index) in spec.removeprefix("always:").split(","):
        marker = Path(out) / f".fault-{index}"
        if always or not marker.exists():
            marker.touch()
            os.kill(os.getpid(), signal.SIGKILL)


def visible_gpus() -> list:
    """GPU ids this run may use: CUDA_VISIBLE_DEVICES when set, else what nvidia-smi lists, else none."""
    if "CUDA_VISIBLE_DEVICES" in os.environ:
        return [g for g in os.environ["CUDA_VISIBLE_DEVICES"].split(",") if g.strip() not in ("", "-1")]
    if shutil.which("nvidia-smi"):
        listing = subprocess.run(["nvidia-smi", "-L"], capture_output=True, text=True).stdout
        return [str(k) for k, line in enumerate(listing.splitlines()) if line.startswith("GPU ")]
    return []


def worker_count(cfg) -> int:
    """launcher.workers, or for 0 (auto): workers_per_gpu per visible GPU when rendering on GPUs, else 1."""
    if cfg.launcher.workers > 0:
        return int(cfg.launcher.workers)
    gpus = visible_gpus() if cfg.render.device != "cpu" else []
    return max(1, len(gpus) * int(cfg.launcher.workers_per_gpu))


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def due_for_recycling(cfg, served: int) -> bool:
    limit = cfg.launcher.rss_limit_mb
    return served >= cfg.launcher.recycle_after or bool(limit and _rss_mb() > limit)


def worker_loop(config: dict, config_hash: str, conn, gpu: str | None = None):
    _die_with_parent()
    if gpu is not None:                       # pin this worker's Blender to one GPU
        os.environ["CUDA_VISIBLE_DEVICES"] = gpu
    drop_blender_script_paths()
    cfg = OmegaConf.create(config)
    run, producer, served = RunLayout(cfg.out), SampleProducer(cfg, config_hash), 0
    try:
        while True:
            try:
                index = conn.recv()
            except EOFError:                  # the parent is gone
                break
            if index is None:
                break
            maybe_fault(cfg.out, index)
            try:
                conn.send(producer.produce_and_write(run, index))
            except OSError as e:
                if not is_disk_full(e):
                    raise
                conn.send(("disk_full", index, [str(e)]))     # the whole run stops: every sample would fail so
                break
            served += 1
            if due_for_recycling(cfg, served):
                conn.send(("recycle",))
                break
    finally:
        producer.close()
