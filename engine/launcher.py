"""Local launcher: render a run's samples in one process, or in N worker processes that each keep their own Blender
session. A worker that crashes (segfault, OOM kill) costs only its current sample, which is retried on a fresh worker
up to `launcher.retries` times and then recorded as failed with the reason. Workers recycle their Blender session
after `launcher.recycle_after` samples, and die with the parent (Linux), so a killed run leaves nothing behind.

Fault injection for the reliability tests: ENGINE_FAULT_KILL="3,5" makes the worker that takes sample 3 (or 5) kill
itself with SIGKILL the first time; "always:3" every time.
"""
from __future__ import annotations

import ctypes
import multiprocessing as mp
import os
import signal
import sys
import time
from collections import defaultdict, deque
from multiprocessing.connection import wait
from pathlib import Path

from omegaconf import OmegaConf
from tqdm import tqdm


def _die_with_parent():
    """Ask Linux to SIGKILL this process when its parent dies (a kill -9 of the run must not leave renders behind)."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)   # PR_SET_PDEATHSIG
    except OSError:
        pass


def _maybe_fault(out: str, index: int):
    spec = os.environ.get("ENGINE_FAULT_KILL", "")
    always = spec.startswith("always:")
    if str(index) in spec.removeprefix("always:").split(","):
        marker = Path(out) / f".fault-{index}"
        if always or not marker.exists():
            marker.touch()
            os.kill(os.getpid(), signal.SIGKILL)


def _produce_and_write(producer, cfg, index: int, taxonomy) -> tuple:
    from engine.runner import _extra_writers, sample_id
    from engine.writers import write_sample
    sample, reasons = producer.produce(index)
    if sample is None:
        return "failed", index, reasons
    t0 = time.perf_counter()
    write_sample(Path(cfg.out), sample_id(index), sample.labels, sample.scene, sample.frames,
                 _extra_writers(cfg, sample, taxonomy, producer))
    sample.timings["write"] = time.perf_counter() - t0
    return "done", index, sample.timings


def visible_gpus() -> list:
    """GPU ids this run may use: CUDA_VISIBLE_DEVICES when set, else what nvidia-smi lists, else none."""
    if "CUDA_VISIBLE_DEVICES" in os.environ:
        return [g for g in os.environ["CUDA_VISIBLE_DEVICES"].split(",") if g.strip() not in ("", "-1")]
    import shutil
    import subprocess
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


def _worker(config: dict, conn, gpu: str | None = None):
    _die_with_parent()
    if gpu is not None:                       # pin this worker's Blender to one GPU
        os.environ["CUDA_VISIBLE_DEVICES"] = gpu
    # spawn hands us the parent's sys.path, which importing bpy there extended with Blender's own script folders;
    # left in place, `import bpy` here would find Blender's inner bpy package instead of the module
    sys.path[:] = [p for p in sys.path if f"{os.sep}bpy{os.sep}" not in p]
    from engine.runner import SampleProducer
    from engine.taxonomy import load_taxonomy
    cfg = OmegaConf.create(config)
    producer, taxonomy, served = SampleProducer(cfg), load_taxonomy(), 0
    try:
        while True:
            try:
                index = conn.recv()
            except EOFError:                  # the parent is gone
                break
            if index is None:
                break
            _maybe_fault(cfg.out, index)
            conn.send(_produce_and_write(producer, cfg, index, taxonomy))
            served += 1
            limit = cfg.launcher.rss_limit_mb
            if served >= cfg.launcher.recycle_after or (limit and _rss_mb() > limit):
                conn.send(("recycle",))
                break
    finally:
        producer.close()


class RayWorker:
    """A Ray actor holding one Blender session (launcher.name=ray); writes its samples straight to `out`, which must
    be the same path on every node (shared storage)."""

    def __init__(self, config: dict):
        sys.path[:] = [p for p in sys.path if f"{os.sep}bpy{os.sep}" not in p]   # see _worker
        from engine.runner import SampleProducer
        from engine.taxonomy import load_taxonomy
        self.cfg = OmegaConf.create(config)
        self.producer, self.taxonomy = SampleProducer(self.cfg), load_taxonomy()

    def render(self, index: int) -> tuple:
        _maybe_fault(self.cfg.out, index)
        return _produce_and_write(self.producer, self.cfg, index, self.taxonomy)


def _render_ray(cfg, config: dict, todo: list, account):
    """Same plan on a Ray cluster: one actor per worker slot, a dead actor's sample retried on a new actor."""
    import ray
    from ray.exceptions import RayActorError
    la = cfg.launcher
    if not ray.is_initialized():
        ray.init(address=la.ray_address or None, num_cpus=None if la.ray_address else worker_count(cfg),
                 include_dashboard=False, configure_logging=False, log_to_driver=False)
    actor = ray.remote(num_cpus=1, num_gpus=la.gpus_per_worker, max_restarts=0)(RayWorker)
    pending, attempts, running = deque(todo), defaultdict(int), {}

    def submit(worker):
        if pending:
            index = pending.popleft()
            running[worker.render.remote(index)] = (worker, index)

    for _ in range(min(worker_count(cfg), len(todo))):
        submit(actor.remote(config))
    try:
        while running:
            [ref], _ = ray.wait(list(running), num_returns=1)
            worker, index = running.pop(ref)
            try:
                account(ray.get(ref))
            except RayActorError as e:                # the actor's process died: a fresh actor, maybe a retry
                attempts[index] += 1
                if attempts[index] > la.retries:
                    account(("failed", index, [f"ray worker died ({type(e).__name__}), {attempts[index]} times"]))
                else:
                    pending.appendleft(index)
                worker = actor.remote(config)
            submit(worker)
    finally:
        if not la.ray_address:
            ray.shutdown()


def render_samples(cfg, todo: list, show_progress: bool = True):
    """Render the samples in `todo`; returns (failed [{sample_id, reasons}], summed stage timings)."""
    from engine.runner import SampleProducer, sample_id
    from engine.taxonomy import load_taxonomy
    failed, timings = [], defaultdict(float)
    bar = tqdm(total=len(todo), desc=f"render {cfg.scene.name}", unit="sample", disable=not show_progress,
               dynamic_ncols=True)
    workers = min(worker_count(cfg), len(todo))
    gpus = visible_gpus() if cfg.render.device != "cpu" and workers > 1 else []

    def account(message):
        kind, index, payload = message
        if kind == "failed":
            failed.append({"sample_id": sample_id(index), "reasons": payload})
        else:
            for k, v in payload.items():
                timings[k] += v
        bar.update(1)
        bar.set_postfix(failed=len(failed))

    if cfg.launcher.name == "ray":
        try:
            _render_ray(cfg, OmegaConf.to_container(cfg, resolve=True), todo, account)
        finally:
            bar.close()
        return failed, timings
    if workers <= 1:                          # in this process: one Blender session, recycled as configured
        taxonomy, producer, served = load_taxonomy(), SampleProducer(cfg), 0
        try:
            for index in todo:
                limit = cfg.launcher.rss_limit_mb
                if served and (served % cfg.launcher.recycle_after == 0 or (limit and _rss_mb() > limit)):
                    producer.close()
                    producer = SampleProducer(cfg)
                account(_produce_and_write(producer, cfg, index, taxonomy))
                served += 1
        finally:
            producer.close()
            bar.close()
        return failed, timings

    config = OmegaConf.to_container(cfg, resolve=True)
    if cfg.render.threads == 0:               # share the cores instead of every Blender taking all of them
        config["render"]["threads"] = max(1, (os.cpu_count() or 1) // workers)
    ctx = mp.get_context("spawn")
    pending, attempts, crashes = deque(todo), defaultdict(int), {}
    alive = {}                                # sentinel -> [process, connection, sample in flight]

    started = [0]

    def start():
        parent_end, child_end = ctx.Pipe()
        gpu = gpus[started[0] % len(gpus)] if gpus else None       # round-robin over the visible GPUs
        started[0] += 1
        process = ctx.Process(target=_worker, args=(config, child_end, gpu), daemon=True)
        process.start()
        child_end.close()
        alive[process.sentinel] = [process, parent_end, None]
        assign(alive[process.sentinel])

    def assign(slot):
        slot[2] = pending.popleft() if pending else None
        slot[1].send(slot[2])

    remaining = len(todo)
    try:
        for _ in range(workers):
            start()
        while remaining:
            ready = wait([s[1] for s in alive.values()] + list(alive), timeout=5)
            for sentinel, slot in list(alive.items()):
                process, conn, index = slot
                while conn in ready or conn.poll():
                    ready = [r for r in ready if r is not conn]
                    try:
                        message = conn.recv()
                    except (EOFError, OSError):
                        break
                    if message[0] == "recycle":
                        slot[2] = None
                        continue
                    account(message)
                    remaining -= 1
                    assign(slot)
                if not process.is_alive():
                    process.join()
                    del alive[sentinel]
                    if slot[2] is not None:   # it died working on a sample: retry it elsewhere, or give up on it
                        index = slot[2]
                        attempts[index] += 1
                        crashes[index] = f"worker exited with code {process.exitcode}"
                        if attempts[index] > cfg.launcher.retries:
                            account(("failed", index, [f"{crashes[index]}, {attempts[index]} times"]))
                            remaining -= 1
                        else:
                            pending.appendleft(index)
                    if pending:
                        start()
    finally:
        for process, conn, _ in alive.values():
            try:
                conn.send(None)
            except (BrokenPipeError, OSError):
                pass
            process.join(timeout=30)
            if process.is_alive():
                process.kill()
        bar.close()
    return failed, timings
