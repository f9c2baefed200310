"""Ctrl-C and SIGTERM stop a run cleanly: within the current sample at most, scratch files removed, finished samples
kept (a rerun of the same command resumes). Blender swallows an exception raised inside its render callback, so the
signal also leaves a flag that the launchers check between samples."""
from __future__ import annotations

import signal

_requested = []


def _handler(signum, frame):
    _requested.append(signum)
    raise KeyboardInterrupt


def install():
    """In the main process of a run (render.py)."""
    signal.signal(signal.SIGINT, _handler)
    signal.signal(signal.SIGTERM, _handler)


def check():
    """Raise KeyboardInterrupt if a stop was asked for (say, while Blender was rendering and ate the first one)."""
    if _requested:
        raise KeyboardInterrupt
