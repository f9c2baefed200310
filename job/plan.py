"""Which samples a run still has to render, planned lazily: a run of n = 10⁹ starts at once, in constant memory,
however many samples it asks for (only the finished ones, read from the folder, are held)."""
from __future__ import annotations

from collections import deque

from engine.layout import RunLayout


class Pending:
    """The sample indices below n that are not finished yet, in order; len() without listing them."""

    def __init__(self, layout: RunLayout, n: int):
        self.n = n
        self.finished = {int(s) for s in layout.complete_ids() if int(s) < n}

    def __len__(self) -> int:
        return self.n - len(self.finished)

    def __iter__(self):
        return (i for i in range(self.n) if i not in self.finished)


def scene_unit(cfg) -> int:
    """How many consecutive samples show one scene (landmark's scene.views_per_scene; 1 elsewhere)."""
    return int(cfg.scene.get("views_per_scene", 1))


class SampleQueue:
    """Hands out samples to workers: retries of samples whose worker died first, then the plan's next ones. With
    unit k (scene.views_per_scene), next_group() hands out the pending samples of one scene (indices k*g .. k*g+k-1)
    together, so one worker builds the scene once for all its views."""

    def __init__(self, todo, unit: int = 1):
        self.fresh, self.retries, self.unit = iter(todo), deque(), unit
        self._ahead = None                      # an index read from the plan that belongs to the next group

    def retry(self, *indices: int):
        """Hand these out again, together (a dead worker's unstarted views of its scene: one build for them)."""
        if indices:
            self.retries.append(list(indices))

    def next_group(self) -> list:
        """The next samples of one scene (or a retried group); [] when none is left."""
        if self.retries:
            return self.retries.popleft()
        first = self._take()
        group = [] if first is None else [first]
        while group and self.unit > 1 and (index := self._take()) is not None:
            if index // self.unit != first // self.unit:
                self._ahead = index
                break
            group.append(index)
        return group

    def next_for(self, held: deque):
        """A worker's next sample: the next of the views it holds (`held`, refilled with the next group when empty);
        None when none is left."""
        if not held:
            held.extend(self.next_group())
        return held.popleft() if held else None

    def _take(self):
        """The plan's next index (one read ahead first)."""
        if self._ahead is not None:
            index, self._ahead = self._ahead, None
            return index
        return next(self.fresh, None)
