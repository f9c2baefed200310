"""Batch reliability: worker processes, a crashing worker, and a run killed with SIGKILL then resumed."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT, load_json, run_cli
from pycocotools.coco import COCO

pytestmark = pytest.mark.render
# 64x64 frames: a thin tower's 100 px QA floor (made for larger frames) would reject it often; these tests are about
# workers, not QA
BASE = ["render=preview", "render.resolution=[64,64]", "seed=11", "output.overview=false", "output.report=false",
        "qa.min_subject_pixels=40"]


def _cli(*args, env=None):
    return subprocess.run([sys.executable, str(ROOT / "render.py"), *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=600, env={**os.environ, **(env or {})})


def _running(pid: str) -> bool:
    """Alive and not a zombie waiting to be reaped."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][0] != "Z"
    except (OSError, IndexError):
        return False


def _done(out: Path) -> list:
    return sorted(p.name for p in (out / "samples").glob("[0-9]*") if (p / "labels.json").is_file())


def test_workers_give_the_same_labels_as_one_process(tmp_path):
    """... and either way the run says where its time went: dataset.json and the last line carry each stage's seconds,
    samples/s and the peak memory (workers included)."""
    one, two = tmp_path / "one", tmp_path / "two"
    assert run_cli(*BASE, "n=4", f"out={one}").returncode == 0
    result = run_cli(*BASE, "n=4", "launcher.workers=2", f"out={two}")
    assert result.returncode == 0
    for sid in _done(one):
        assert (one / "samples" / sid / "labels.json").read_bytes() == (two / "samples" / sid / "labels.json").read_bytes()
    for out, workers in ((one, 1), (two, 2)):
        t = load_json(out / "dataset.json")["throughput"]
        stages = t["stage_seconds"]
        assert {"recipe", "build", "render", "annotate", "write", "export"} <= set(stages) and min(stages.values()) >= 0
        assert sum(v for k, v in stages.items() if k != "export") <= workers * t["seconds"]       # no time counted twice
        assert t["samples_per_s"] == pytest.approx(4 / t["seconds"], rel=1e-3) and t["peak_rss_mb"] > 100    # Blender
    last = result.stdout.strip().splitlines()[-1]
    assert last.startswith("done: 4/4") and "stage seconds: recipe" in last and "peak memory" in last


def test_a_crashing_worker_costs_only_a_retry(tmp_path):
    out = tmp_path / "crash"
    result = _cli(*BASE, "n=4", "launcher.workers=2", f"out={out}", env={"ENGINE_FAULT_KILL": "2"})
    assert result.returncode == 0, result.stderr[-2000:]
    assert (out / ".fault-2").exists() and _done(out) == [f"{i:06d}" for i in range(4)]
    assert load_json(out / "dataset.json")["failed"] == []


def test_a_sample_that_always_crashes_is_recorded_and_budgeted(tmp_path):
    out = tmp_path / "always"
    result = _cli(*BASE, "n=3", "launcher.workers=2", "launcher.retries=1", f"out={out}",
                  env={"ENGINE_FAULT_KILL": "always:1"})
    assert result.returncode == 1                                          # failure budget 0 exceeded
    failed = load_json(out / "dataset.json")["failed"]
    assert [f["sample_id"] for f in failed] == ["000001"] and "exited with code -9, 2 times" in failed[0]["reasons"][0]
    assert _done(out) == ["000000", "000002"]
    again = _cli(*BASE, "n=3", "launcher.workers=2", "launcher.retries=1", "launcher.failure_budget=1",
                 f"out={out}", env={"ENGINE_FAULT_KILL": "always:1"})
    assert again.returncode == 0                                           # within budget now


@pytest.mark.parametrize("kill_after", [1, 3])
def test_kill_minus_nine_then_resume(tmp_path, kill_after):
    out, n = tmp_path / "killed", 6
    args = [sys.executable, str(ROOT / "render.py"), *BASE, f"n={n}", "launcher.workers=2", f"out={out}"]
    run = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 300
    while len(_done(out)) < kill_after if (out / "samples").exists() else True:
        assert time.time() < deadline and run.poll() is None
        time.sleep(0.05)
    children = Path(f"/proc/{run.pid}/task/{run.pid}/children").read_text().split()
    os.kill(run.pid, signal.SIGKILL)
    run.wait()
    assert children
    until = time.time() + 20
    while [c for c in children if _running(c)] and time.time() < until:
        time.sleep(0.2)
    assert not [c for c in children if _running(c)]                        # workers died with the parent
    assert len(_done(out)) < n
    resumed = run_cli(*BASE, f"n={n}", "launcher.workers=2", f"out={out}")
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert _done(out) == [f"{i:06d}" for i in range(n)]                    # exactly n, no duplicates
    assert not list((out / "samples").glob(".tmp-*"))                      # nothing torn left behind
    for sid in _done(out):
        labels = load_json(out / "samples" / sid / "labels.json")
        assert labels["sample_id"] == sid and (out / "samples" / sid / "0000" / "rgb.png").stat().st_size > 0
    assert len(COCO(str(out / "coco" / "annotations" / "instances_train.json")).getImgIds()) == n


def test_ray_launcher_on_a_local_cluster_survives_a_dead_actor(tmp_path):
    """launcher.name=ray on a local 2-CPU Ray cluster, three views of one scene: same labels as one local process,
    and an actor killed while it renders the second view (injected SIGKILL) costs only a retry on a fresh actor (the
    third view, which the dead actor held, is rendered by another)."""
    local, on_ray, views = tmp_path / "local", tmp_path / "ray", "scene.views_per_scene=3"
    assert run_cli(*BASE, "n=3", views, f"out={local}").returncode == 0
    result = _cli(*BASE, "n=3", views, "launcher.name=ray", "launcher.workers=2", f"out={on_ray}",
                  env={"ENGINE_FAULT_KILL": "1"})
    assert result.returncode == 0, result.stderr[-2000:]
    assert (on_ray / ".fault-1").exists() and load_json(on_ray / "dataset.json")["failed"] == []
    for sid in _done(local):
        assert (local / "samples" / sid / "labels.json").read_bytes() == (on_ray / "samples" / sid / "labels.json").read_bytes()


def test_a_huge_run_starts_at_once_in_constant_memory(tmp_path):
    """n = 10⁹: samples are planned lazily, so the first ones are written within seconds and the process stays the
    size of a small run (listing 10⁹ samples first took 40 s and 4 GB); stopped after two samples."""
    out = tmp_path / "huge"
    process = subprocess.Popen([sys.executable, str(ROOT / "render.py"), *BASE, "n=1000000000", "launcher.workers=1",
                                f"out={out}"], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline, peak_mb = time.time() + 120, 0.0
        while len(list((out / "samples").glob("0*"))) < 2 and time.time() < deadline and process.poll() is None:
            status = Path(f"/proc/{process.pid}/status").read_text()
            peak_mb = max(peak_mb, int(status.split("VmHWM:")[1].split()[0]) / 1024)
            time.sleep(0.2)
        assert len(list((out / "samples").glob("0*"))) >= 2, "no two samples within two minutes"
        assert peak_mb < 1500, f"peak memory {peak_mb:.0f} MB"
    finally:
        process.kill()
        process.wait()


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_ctrl_c_and_sigterm_stop_the_run_cleanly_and_it_resumes(tmp_path, signum):
    """Blender swallows a KeyboardInterrupt raised inside its render, so the stop must also be seen between samples:
    the run ends within a sample or two, says how to resume, exits non-zero and leaves no scratch files."""
    out = tmp_path / "stopped"
    args = [sys.executable, str(ROOT / "render.py"), *BASE, "n=40", "launcher.workers=1", f"out={out}"]
    process = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 120
    while len(list((out / "samples").glob("0*"))) < 2 and time.time() < deadline:
        time.sleep(0.2)
    process.send_signal(signum)
    stopped_at = time.time()
    _, stderr = process.communicate(timeout=60)
    assert time.time() - stopped_at < 20 and process.returncode == 130
    assert "run the same command again to resume" in stderr.strip().splitlines()[-1]
    assert not list(Path("/dev/shm").glob(f"engine-render-{process.pid}-*"))
    finished = len(list((out / "samples").glob("0*")))
    assert 2 <= finished < 40
    resumed = _cli(*BASE, f"n={finished + 1}", f"out={out}")
    assert resumed.returncode == 0 and f"1 rendered now, {finished} already done" in resumed.stdout


def test_scratch_folders_of_dead_runs_are_removed_and_live_ones_kept(tmp_path):
    from engine.renderio import WORKDIR_PREFIX, remove_dead_workdirs
    gone = subprocess.Popen(["true"])
    gone.wait()                                            # a pid that no longer runs (as after kill -9)
    dead = tmp_path / f"{WORKDIR_PREFIX}{gone.pid}-abc"
    live = tmp_path / f"{WORKDIR_PREFIX}{os.getppid()}-def"
    for folder in (dead, live):
        folder.mkdir()
        (folder / "passes.exr").write_bytes(b"x" * 1000)
    remove_dead_workdirs(str(tmp_path))
    assert not dead.exists() and live.exists()


def test_one_run_per_folder_and_a_killed_runs_lock_is_taken_over(tmp_path):
    out = tmp_path / "shared"
    args = [sys.executable, str(ROOT / "render.py"), *BASE, "n=40", "launcher.workers=1", f"out={out}"]
    first = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 120
        while not list((out / "samples").glob("0*")) and time.time() < deadline:
            time.sleep(0.2)
        second = _cli(*BASE, "n=40", f"out={out}")
        assert second.returncode == 2 and "in use by another run" in second.stderr
        assert len(second.stderr.strip().splitlines()) == 1 and f"pid {first.pid}" in second.stderr
    finally:
        first.kill()                                          # kill -9: no chance to clean up or unlock
        first.wait()
    finished = len(list((out / "samples").glob("0*")))
    again = _cli(*BASE, f"n={finished + 1}", f"out={out}")
    assert again.returncode == 0 and f"1 rendered now, {finished} already done" in again.stdout
    assert not list((out / "samples").glob(".tmp-*"))


@pytest.mark.parametrize("workers", [1, 2])
def test_a_full_disk_stops_in_one_line_and_the_run_resumes_after_space_is_freed(tmp_path, workers):
    """A small tmpfs fills up part-way: one line naming the folder and its free space, finished samples whole, no
    half-written sample left; with more room the same command completes the run."""
    disk = tmp_path / "disk"
    disk.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", str(disk)], capture_output=True).returncode:
        pytest.skip("mounting a tmpfs needs root")
    try:
        out = disk / "run"
        args = (*BASE, "n=12", f"launcher.workers={workers}", f"out={out}")
        full = _cli(*args)
        lines = [l for l in full.stderr.replace("\r", "\n").splitlines() if l.strip() and not l.startswith("render ")]
        assert full.returncode == 1 and len(lines) == 1, full.stderr[-3000:]
        assert lines[0].startswith(f"error: disk full: {out} has ") and "MB free" in lines[0] and "resume" in lines[0]
        done = _done(out)
        assert 1 <= len(done) < 12
        assert sorted(p.name for p in (out / "samples").iterdir()) == done          # nothing half-written
        for sample in done:
            assert load_json(out / "samples" / sample / "labels.json")["sample_id"] == sample
        subprocess.run(["mount", "-o", "remount,size=8m", str(disk)], check=True)
        again = _cli(*args)
        assert again.returncode == 0 and f"{12 - len(done)} rendered now, {len(done)} already done" in again.stdout
        assert load_json(out / "dataset.json")["status"] == "complete"
    finally:
        subprocess.run(["umount", "-l", str(disk)])


def test_queue_hands_out_a_scene_s_views_together():
    """scene.views_per_scene=k: a worker gets all pending views of one scene (so it builds it once); every sample is
    handed out exactly once; retries first: the sample a worker died on alone, the views it had not begun together."""
    from job.plan import SampleQueue
    pending = [0, 1, 2, 4, 5, 6, 9, 10, 11, 12]
    queue, handed = SampleQueue(iter(pending), unit=3), []
    died_on, *unstarted = queue.next_group()           # its worker died on the scene's first view
    queue.retry(died_on)
    queue.retry(*unstarted)
    while group := queue.next_group():
        assert len({i // 3 for i in group}) == 1
        handed.append(group)
    assert handed == [[0], [1, 2], [4, 5], [6], [9, 10, 11], [12]]
    assert sorted(i for g in handed for i in g) == pending
