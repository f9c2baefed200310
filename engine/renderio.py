"""What the backend handles around Blender without bpy: its scratch folders, its C-level log, the EXR files it
writes."""
from __future__ import annotations

import contextlib
import os
import shutil
import sys
from pathlib import Path


@contextlib.contextmanager
def blender_log_silenced():
    """Blender logs every render ('Saved: ...', device warnings) to stdout at the C level; keep the terminal for us."""
    sys.stdout.flush()
    saved = os.dup(1)
    with open(os.devnull, "wb") as devnull:
        os.dup2(devnull.fileno(), 1)
        try:
            yield
        finally:
            os.dup2(saved, 1)
            os.close(saved)


def exr_parts(path: str) -> list:
    """The EXR's parts as (header, channels, name)."""
    import OpenEXR
    with OpenEXR.File(path) as f:
        return [(dict(p.header), {k: c.pixels for k, c in p.channels.items()}, p.name()) for p in f.parts]


WORKDIR_PREFIX = "engine-render-"


def remove_dead_workdirs(base: str):
    """Delete the scratch folders of render processes that are gone (killed with -9, which nothing can catch)."""
    for folder in Path(base).glob(f"{WORKDIR_PREFIX}*-*"):
        pid = folder.name[len(WORKDIR_PREFIX):].split("-", 1)[0]
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(folder, ignore_errors=True)
        except PermissionError:
            pass                                  # alive, someone else's
