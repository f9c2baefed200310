"""launcher.name=ray: the same plan on a Ray cluster, one actor (one Blender session) per worker slot; a dead actor's
sample is retried on a new actor. Ray is an optional dependency (pip install -e '.[ray]'), imported when used."""
from __future__ import annotations

from collections import defaultdict, deque

from omegaconf import OmegaConf

from engine.layout import RunLayout
from job.plan import SampleQueue, scene_unit
from job.sample import SampleProducer
from job.worker import drop_blender_script_paths, maybe_fault, worker_count


class RayWorker:
    """A Ray actor holding one Blender session; writes its samples straight to `out`, which must be the same path on
    every node (shared storage)."""

    def __init__(self, config: dict, config_hash: str):
        drop_blender_script_paths()
        self.cfg = OmegaConf.create(config)
        self.run, self.producer = RunLayout(self.cfg.out), SampleProducer(self.cfg, config_hash)

    def render(self, index: int) -> tuple:
        maybe_fault(self.cfg.out, index)
        return self.producer.produce_and_write(self.run, index)


def render_on_ray(cfg, config_hash: str, todo: list, account):
    import ray
    from ray.exceptions import RayActorError
    la = cfg.launcher
    config = OmegaConf.to_container(cfg, resolve=True)
    if not ray.is_initialized():
        ray.init(address=la.ray_address or None, num_cpus=None if la.ray_address else worker_count(cfg),
                 include_dashboard=False, configure_logging=False, log_to_driver=False)
    actor = ray.remote(num_cpus=1, num_gpus=la.gpus_per_worker, max_restarts=0)(RayWorker)
    queue, attempts, running = SampleQueue(todo, scene_unit(cfg)), defaultdict(int), {}
    views = defaultdict(deque)        # actor -> the views of its scene it has still to render (one build for them)
    idle = []                          # actors that found nothing to do (fewer scenes than actors), for retries

    def submit(worker):
        index = queue.next_for(views[worker])
        if index is not None:
            running[worker.render.remote(index)] = (worker, index)
        else:
            idle.append(worker)

    for _ in range(min(worker_count(cfg), len(todo))):
        submit(actor.remote(config, config_hash))
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
                    queue.retry(index)
                queue.retry(*views.pop(worker))       # its scene's other views, together
                worker = actor.remote(config, config_hash)
            submit(worker)
            while idle and queue.retries:
                submit(idle.pop())
    finally:
        if not la.ray_address:
            ray.shutdown()
