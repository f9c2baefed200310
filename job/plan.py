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


class SampleQueue:
    """Hands out samples to workers: retries of samples whose worker died first, then the plan's next ones."""

    def __init__(self, todo):
        self.fresh, self.retries = iter(todo), deque()

    def retry(self, index: int):
        self.retries.append(index)

    def next(self):
        """The next sample index, or None when none is left."""
        return self.retries.popleft() if self.retries else next(self.fresh, None)
