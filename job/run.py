"""The run: plan -> render the samples not done yet (job.launcher) -> exports, contact sheet, manifest, report.

Re-running the same command with the same `out` resumes: finished samples are skipped, half-written ones are redone.
"""
from __future__ import annotations

import fcntl
import json
import os
import time

from engine.backend import BlenderBackend
from engine.checks import ConfigError
from engine.exports import ExportOptions, export
from engine.layout import RunLayout
from engine.report import contact_sheet, write_report
from engine.storage import load_labels, remove_partial
from engine.taxonomy import load_taxonomy
from job.config import content_hash
from job.launcher import render_samples
from job.manifest import write_manifest
from job.plan import Pending
from job.sample import open_backend


def probe_device(cfg) -> BlenderBackend:
    """A Blender session on the render device Cycles will use (raises BackendError for an absent GPU); a run that
    renders in this process goes on with it (its start costs ~0.3 s)."""
    return open_backend(cfg, load_taxonomy())


def check_out(run: RunLayout):
    """`out` must be a new or empty folder, or one of our runs (its manifest marks it, written before any sample): a
    file, a broken link, an unwritable place or a folder of someone else's files is refused before anything is
    written there or the device is probed."""
    out = run.out
    if out.is_symlink() and not out.exists():
        raise ConfigError(f"out: {out} is a broken symbolic link; give a folder")
    if out.exists() and not out.is_dir():
        raise ConfigError(f"out: {out} is a file, not a folder; give a new or empty folder, or one of our runs")
    if out.is_dir() and not run.manifest.is_file() and any(p != run.lock for p in out.iterdir()):
        raise ConfigError(f"out: {out} is a non-empty folder that is not a run of this engine; give a new or empty "
                          f"folder (nothing was written)")
    existing = next(p for p in (out, *out.absolute().parents) if p.exists())
    if not os.access(existing, os.W_OK):
        raise ConfigError(f"out: {out} cannot be written ({existing} is read-only); give a writable folder")


def lock_out(run: RunLayout):
    """One run per folder: an exclusive OS lock on out/.lock, held (by the open file) for the run's life. The kernel
    drops it when the process ends however it ends, so a killed run's lock is simply taken over."""
    handle = open(run.lock, "a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "another process"
        handle.close()
        raise ConfigError(f"out: {run.out} is in use by another run ({holder}); wait for it to finish or use another "
                          f"folder") from None
    handle.seek(0)
    handle.truncate()
    handle.write(f"pid {os.getpid()}")
    handle.flush()
    return handle


def check_resumable(run: RunLayout, config_hash: str, n: int):
    """Refuse to mix two different configurations in one output folder (n and out may differ), and to shrink a run:
    its exports would silently leave out finished samples."""
    if run.manifest.is_file():
        previous = json.loads(run.manifest.read_text(encoding="utf-8")).get("config_hash")
        if previous != config_hash:
            raise ConfigError(f"out: {run.out} already holds a run with another configuration (hash {previous}); "
                              f"use a new out folder or the same settings to resume")
    beyond = [s for s in run.complete_ids() if int(s) >= n]
    if beyond:
        raise ConfigError(f"n: {n} is fewer than the {int(beyond[-1]) + 1} samples {run.out} already holds finished; "
                          f"give n={int(beyond[-1]) + 1} or more (exports never leave finished samples out)")


def export_only(cfg) -> dict:
    """Export a finished run again, in the formats asked for, without rendering anything."""
    run = RunLayout(cfg.out)
    ids = run.complete_ids()
    if not ids:
        raise ConfigError(f"out: {run.out} holds no finished samples to export; render first or point out= at a run")
    started = time.perf_counter()
    lock = lock_out(run)                    # not while a run renders into the same folder
    paths = export(run, load_labels(run, ids), load_taxonomy(), ExportOptions.from_config(cfg.export))
    lock.close()
    return {"out": str(run.out), "samples": len(ids), "exports": {k: str(v) for k, v in paths.items()},
            "seconds": time.perf_counter() - started}


def run(cfg, show_progress: bool = True) -> dict:
    layout = RunLayout(cfg.out)
    config_hash = content_hash(cfg)
    check_out(layout)
    check_resumable(layout, config_hash, cfg.n)
    taxonomy = load_taxonomy()
    started = time.perf_counter()
    todo = Pending(layout, cfg.n)                       # lazy: a huge n starts at once in constant memory
    backend = probe_device(cfg) if len(todo) else None      # a device that is not there fails here, before any write
    device = backend.device if backend else None
    try:
        layout.out.mkdir(parents=True, exist_ok=True)
        lock = lock_out(layout)                         # held until this process ends
        check_resumable(layout, config_hash, cfg.n)     # again, now that no other run can change the folder
        todo = Pending(layout, cfg.n)
        redone = remove_partial(layout)
        failed, timings = [], {}
        write_manifest(layout, cfg, config_hash, taxonomy, {"planned": cfg.n}, failed, "running", device)
        if len(todo):
            failed, timings = render_samples(cfg, config_hash, todo, show_progress, backend)
    finally:
        if backend:
            backend.close()          # render_samples renders with it or closes it; a second close does nothing
    done = [s for s in layout.complete_ids() if int(s) < cfg.n]
    all_labels = load_labels(layout, done)
    exported = time.perf_counter()
    export(layout, all_labels, taxonomy, ExportOptions.from_config(cfg.export))
    if cfg.output.overview and all_labels:
        contact_sheet(layout, all_labels)
    timings = {**timings, "export": time.perf_counter() - exported}
    counts = {"planned": cfg.n, "samples": len(done), "frames": sum(len(l["frames"]) for l in all_labels),
              "objects": sum(len(f["objects"]) for l in all_labels for f in l["frames"]),
              "failed": len(failed), "rendered_this_run": len(todo) - len(failed), "skipped_done": cfg.n - len(todo),
              "partial_removed": redone}
    elapsed = time.perf_counter() - started
    throughput = {"seconds": round(elapsed, 3), "samples_per_s": round((len(todo) - len(failed)) / elapsed, 4),
                  "stage_seconds": {k: round(v, 3) for k, v in timings.items()}, "peak_rss_mb": peak_rss_mb()}
    write_manifest(layout, cfg, config_hash, taxonomy, counts, failed, "complete" if len(done) == cfg.n else "incomplete",
                   device, throughput)
    if cfg.output.report and all_labels:
        write_report(layout, all_labels, json.loads(layout.manifest.read_text(encoding="utf-8")))
    elapsed = time.perf_counter() - started
    lock.close()
    return {"out": str(layout.out), "counts": counts, "seconds": elapsed, "stage_seconds": dict(timings), "device": device,
            "peak_rss_mb": throughput["peak_rss_mb"]}


def peak_rss_mb() -> float:
    """The largest resident set of this process or of any worker it waited for (Linux reports KiB)."""
    import resource
    return round(max(resource.getrusage(who).ru_maxrss for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)) / 1024, 1)
