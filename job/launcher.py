"""Local launcher: render a run's samples in this process, or in N worker processes that each keep their own Blender
session (job.ray_launcher spreads them over a Ray cluster instead). A worker that crashes (segfault, OOM kill) costs
only its current sample, which is retried on a fresh worker up to `launcher.retries` times and then recorded as failed
with the reason. Workers recycle their Blender session after `launcher.recycle_after` samples (or above
`launcher.rss_limit_mb`), and die with the parent (Linux), so a killed run leaves nothing behind.
"""
from __future__ import annotations

import errno
import multiprocessing as mp
import os
from collections import defaultdict, deque
from multiprocessing.connection import wait

from omegaconf import OmegaConf
from tqdm import tqdm

from engine.layout import RunLayout, sample_id
from job import stopping
from job.plan import SampleQueue, scene_unit
from job.ray_launcher import render_on_ray
from job.sample import SampleProducer
from job.worker import due_for_recycling, visible_gpus, worker_count, worker_loop


def render_samples(cfg, config_hash: str, todo, show_progress: bool = True, backend=None):
    """Render the samples in `todo`; returns (failed [{sample_id, reasons}], summed stage timings). `backend`: a
    Blender session this process already opened (used here, or closed when workers render)."""
    failed, timings = [], defaultdict(float)
    bar = tqdm(total=len(todo), desc=f"render {cfg.scene.name}", unit="sample", disable=not show_progress,
               dynamic_ncols=True)

    def account(message):
        kind, index, payload = message
        if kind == "failed":
            failed.append({"sample_id": sample_id(index), "reasons": payload})
        else:
            for k, v in payload.items():
                timings[k] += v
        bar.update(1)
        bar.set_postfix_str(f"failed={len(failed)} {stage_split(timings)}")

    try:
        here = cfg.launcher.name != "ray" and min(worker_count(cfg), len(todo)) <= 1
        if backend and not here:
            backend.close()
        if cfg.launcher.name == "ray":
            render_on_ray(cfg, config_hash, todo, account)
        elif here:
            _render_here(cfg, config_hash, todo, account, backend)
        else:
            WorkerPool(cfg, config_hash, min(worker_count(cfg), len(todo))).render(todo, account)
    finally:
        bar.close()
    return failed, timings


def stage_split(timings: dict) -> str:
    """Each stage's share of the time so far, largest first: 'render 71% annotate 18% ...'."""
    total = sum(timings.values())
    if not total:
        return ""
    return " ".join(f"{k} {v / total:.0%}" for k, v in sorted(timings.items(), key=lambda kv: -kv[1]))


def _render_here(cfg, config_hash: str, todo: list, account, backend=None):
    """In this process: one Blender session (the one given, if any), recycled as configured."""
    run, producer, served = RunLayout(cfg.out), SampleProducer(cfg, config_hash, backend), 0
    try:
        for index in todo:
            if served and due_for_recycling(cfg, served):
                producer.close()
                producer, served = SampleProducer(cfg, config_hash), 0
            account(producer.produce_and_write(run, index))
            served += 1
            stopping.check()
    finally:
        producer.close()


class WorkerPool:
    """N spawned worker processes fed one sample index at a time over pipes; a dead worker's sample is retried on a
    fresh one (or given up after launcher.retries), and a worker that asks to recycle is replaced."""

    def __init__(self, cfg, config_hash: str, workers: int):
        self.cfg, self.config_hash, self.workers = cfg, config_hash, workers
        self.config = OmegaConf.to_container(cfg, resolve=True)
        if cfg.render.threads == 0:           # share the cores instead of every Blender taking all of them
            self.config["render"]["threads"] = max(1, (os.cpu_count() or 1) // workers)
        self.gpus = visible_gpus() if cfg.render.device != "cpu" else []
        self.ctx = mp.get_context("spawn")
        self.alive = {}                       # sentinel -> [process, connection, sample in flight, its scene's next]
        self.started = 0

    def render(self, todo: list, account):
        self.queue, attempts = SampleQueue(todo, scene_unit(self.cfg)), defaultdict(int)
        remaining = len(todo)
        try:
            for _ in range(self.workers):
                self._start()
            while remaining:
                stopping.check()
                ready = wait([s[1] for s in self.alive.values()] + list(self.alive), timeout=5)
                for sentinel, slot in list(self.alive.items()):
                    remaining -= self._collect(slot, ready, account)
                    process = slot[0]
                    if process.is_alive():
                        continue
                    process.join()
                    del self.alive[sentinel]
                    self.queue.retry(*slot[3])   # the rest of its scene's views go to another worker, together
                    if slot[2] is not None:   # it died working on a sample: retry it elsewhere, or give up on it
                        index = slot[2]
                        attempts[index] += 1
                        if attempts[index] > self.cfg.launcher.retries:
                            account(("failed", index, [f"worker exited with code {process.exitcode}, "
                                                       f"{attempts[index]} times"]))
                            remaining -= 1
                        else:
                            self.queue.retry(index)
                    if remaining > sum((s[2] is not None) + len(s[3]) for s in self.alive.values()):
                        self._start()                 # samples are left that no live worker holds
        finally:
            self._stop()

    def _start(self):
        parent_end, child_end = self.ctx.Pipe()
        gpu = self.gpus[self.started % len(self.gpus)] if self.gpus else None     # round-robin over the GPUs
        self.started += 1
        process = self.ctx.Process(target=worker_loop, args=(self.config, self.config_hash, child_end, gpu), daemon=True)
        process.start()
        child_end.close()
        self.alive[process.sentinel] = [process, parent_end, None, deque()]
        self._assign(self.alive[process.sentinel])

    def _assign(self, slot):
        """The worker's next sample: the next view of the scene it holds, else the next scene's first."""
        slot[2] = self.queue.next_for(slot[3])
        slot[1].send(slot[2])

    def _collect(self, slot, ready: list, account) -> int:
        """Read what a worker sent; returns how many samples it finished."""
        finished, conn = 0, slot[1]
        while conn in ready or conn.poll():
            ready[:] = [r for r in ready if r is not conn]
            try:
                message = conn.recv()
            except (EOFError, OSError):
                break
            if message[0] == "recycle":
                slot[2] = None
                continue
            if message[0] == "disk_full":
                raise OSError(errno.ENOSPC, message[2][0], self.cfg.out)
            account(message)
            finished += 1
            self._assign(slot)
        return finished

    def _stop(self):
        for process, conn, *_ in self.alive.values():
            try:
                conn.send(None)
            except (BrokenPipeError, OSError):
                pass
            process.join(timeout=30)
            if process.is_alive():
                process.kill()
