"""Materials built once per structure and copied (issue #19). Every socket value a recipe sets from Python makes
Blender update the whole node tree (~150 us in a 48-node wood material: 19 ms to build one), while copying a built
material takes ~0.25 ms. So the first material of a structure is built through a `RecordingTree`, which notes what the
recipe did: the kinds of nodes it added, its links, and which sockets and properties it set. The next material of
that structure is a copy of the first, and the same recipe runs again on the copy through a replaying tree: its
nodes are the copy's, in the order they were made, its links are already there, and a value is only written where it
differs from the copy's (reads are ~0.2 us). The replay must make the same nodes, links and assignments as the
recording, or `NotReplayable` is raised and the material is built from scratch: a copy can only ever hold exactly
what a fresh build would. The originals outlive their sample in a `MaterialLibrary` (a .blend per sample that made
new ones), so a worker builds each structure once. Functions here never import bpy; they wrap what the backend hands
them (node trees, bpy.data).
"""
from __future__ import annotations

import numpy as np


class NotReplayable(Exception):
    """The recipe did something else than the recording (a structure the backend's key does not tell apart), or
    something a copy cannot share (keyframes, removed nodes)."""


class Recording:
    """What a recipe did to a node tree, in the terms the replay compares."""

    def __init__(self, start: int):
        self.start = start            # nodes the tree had before the recipe (a new material's BSDF and output)
        self.kinds: list = []         # bl_idname of each node it added, in order
        self.links: list = []         # ((node key, socket key), (node key, socket key)) per link, in order
        self.assigned: set = set()    # (node key, "in" | "out" | "prop", socket key or property name)
        self.replayable = True

    def matches(self, other: "Recording") -> bool:
        return (self.kinds, self.links, self.assigned) == (other.kinds, other.links, other.assigned)


def _same(current, value) -> bool:
    """Whether writing `value` would leave what Blender holds (float32) unchanged."""
    if isinstance(value, str) or isinstance(current, str):
        return current == value
    try:
        return np.array_equal(np.asarray(current, np.float32), np.asarray(value, np.float32))
    except (TypeError, ValueError):
        return False


class RecordingTree:
    """A node tree seen through a recipe: `nodes.new`, `nodes[name]`, `links.new`, sockets' `default_value` and
    nodes' properties, recorded; with `replay` (the recording of the material this tree was copied from) nothing is
    added or linked, and values are written only where they differ."""

    def __init__(self, tree, replay: Recording | None = None):
        self.tree = tree
        self.replay = replay
        self.recording = Recording(replay.start if replay else len(tree.nodes))
        self.nodes = _Nodes(self)
        self.links = _Links(self)

    def finish(self) -> Recording:
        """The recording; on a replay, raises NotReplayable unless the recipe did exactly what the original did."""
        rec = self.recording
        if self.replay is not None and not (rec.replayable and rec.matches(self.replay)):
            raise NotReplayable("the recipe built another structure than the material it was copied from")
        return rec

    def write(self, target, name: str, value, key: tuple):
        self.recording.assigned.add(key)
        if self.replay is None or not _same(getattr(target, name), value):
            setattr(target, name, value)


class _Nodes:
    def __init__(self, owner: RecordingTree):
        self.owner = owner

    def new(self, kind: str):
        rec, tree = self.owner.recording, self.owner.tree
        index = rec.start + len(rec.kinds)
        rec.kinds.append(kind)
        if self.owner.replay is None:
            return _Node(self.owner, tree.nodes.new(kind), index)
        if index >= len(tree.nodes) or tree.nodes[index].bl_idname != kind:
            raise NotReplayable(f"node {index} is not a {kind}")
        return _Node(self.owner, tree.nodes[index], index)

    def __getitem__(self, name: str):
        return _Node(self.owner, self.owner.tree.nodes[name], name)

    def remove(self, node):
        if self.owner.replay is not None:
            raise NotReplayable("a recipe that removes nodes is built from scratch")
        self.owner.recording.replayable = False
        self.owner.tree.nodes.remove(node.real)


class _Links:
    def __init__(self, owner: RecordingTree):
        self.owner = owner

    def new(self, output, input):
        self.owner.recording.links.append((output.key, input.key))
        if self.owner.replay is None:
            self.owner.tree.links.new(output.real, input.real)


class _Node:
    def __init__(self, owner: RecordingTree, real, key):
        object.__setattr__(self, "owner", owner)
        object.__setattr__(self, "real", real)
        object.__setattr__(self, "key", key)

    @property
    def inputs(self):
        return _Sockets(self, self.real.inputs, "in")

    @property
    def outputs(self):
        return _Sockets(self, self.real.outputs, "out")

    def __getattr__(self, name):
        return getattr(self.real, name)

    def __setattr__(self, name, value):
        self.owner.write(self.real, name, value, (self.key, "prop", name))


class _Sockets:
    def __init__(self, node: _Node, real, side: str):
        self.node, self.real, self.side = node, real, side

    def __getitem__(self, key):
        return _Socket(self.node, self.real[key], (self.node.key, self.side, key))

    def __iter__(self):
        return (self[i] for i in range(len(self.real)))

    def __len__(self):
        return len(self.real)


class _Socket:
    def __init__(self, node: _Node, real, key: tuple):
        object.__setattr__(self, "node", node)
        object.__setattr__(self, "real", real)
        object.__setattr__(self, "key", key)

    def __getattr__(self, name):
        owner = self.node.owner
        if owner.replay is not None and (name == "is_linked" or name == "default_value" and self.key not in
                                         owner.recording.assigned):
            raise NotReplayable(f"a copy's {name} is the original's, not a new material's")
        return getattr(self.real, name)

    def __setattr__(self, name, value):
        if name != "default_value":
            raise AttributeError(f"a recipe may set a socket's default_value only, not {name}")
        self.node.owner.write(self.real, name, value, self.key)

    def keyframe_insert(self, *args, **kwargs):
        if self.node.owner.replay is not None:
            raise NotReplayable("keyframes are not shared by copies")
        self.node.owner.recording.replayable = False
        return self.real.keyframe_insert(*args, **kwargs)


class MaterialLibrary:
    """Originals kept between samples (a worker's samples each start from an empty session): the first material of a
    new structure is written to a .blend in the worker's directory with its recording, and later samples append the
    originals they need (one file read, ~5 ms) instead of building them (10-20 ms each). `data` is bpy.data."""

    def __init__(self, data, directory: str):
        self.data, self.directory = data, directory
        self.entries: dict = {}         # key -> (file, name in the file, recording)
        self.files = 0

    def load(self, wanted) -> dict:
        """The originals of the keys in `wanted` that the library has: key -> (material, recording), renamed so
        that no material the sample makes later collides with them."""
        by_file: dict = {}
        for key in wanted:
            if key in self.entries:
                path, name, recording = self.entries[key]
                by_file.setdefault(path, []).append((key, name, recording))
        loaded = {}
        for path, items in by_file.items():
            with self.data.libraries.load(path, link=False) as (_, into):
                into.materials = [name for _, name, _ in items]
            for (key, _, recording), mat in zip(items, into.materials):
                mat.name = f"original {len(loaded)}"
                loaded[key] = (mat, recording)
        for library in list(self.data.libraries):      # appended data is local: the file is not referenced
            self.data.libraries.remove(library)
        return loaded

    def save(self, originals: dict):
        """Write this sample's new originals (key -> (material, recording)) for the samples after it."""
        if not originals:
            return
        path = f"{self.directory}/materials-{self.files}.blend"
        self.files += 1
        self.data.libraries.write(path, {mat for mat, _ in originals.values()})
        for key, (mat, recording) in originals.items():
            self.entries[key] = (path, mat.name, recording)


class MaterialCopies:
    """One sample's materials: the first of each key is built and recorded (or appended from the library), the rest
    of that key are its copies, replayed (a failed replay builds from scratch and counts in `rebuilt`)."""

    def __init__(self, data, library: MaterialLibrary | None = None):
        self.materials, self.library = data.materials, library
        self.first: dict = {}
        self.loaded: dict = {}
        self.new: dict = {}
        self.copied = self.rebuilt = 0

    def preload(self, keys):
        """Append the library's originals of these keys (all this sample may use) in one read."""
        if self.library is not None:
            self.loaded = self.library.load(keys)

    def build(self, name: str, key, fill):
        """A new material called `name`, its node tree filled by `fill(tree)`; key None: always from scratch."""
        if key in self.first or key in self.loaded:
            original, recording = self.first[key] if key in self.first else self.loaded.pop(key)
            mat = original.copy() if key in self.first else original
            mat.name = name
            try:
                tree = RecordingTree(mat.node_tree, recording)
                fill(tree)
                tree.finish()
                self.copied += 1
                self.first.setdefault(key, (mat, recording))
                return mat
            except NotReplayable:
                self.materials.remove(mat)
                self.rebuilt += 1
        mat = self.materials.new(name)
        tree = RecordingTree(mat.node_tree)
        fill(tree)
        recording = tree.finish()
        if key is not None and key not in self.first and recording.replayable:
            self.first[key] = self.new[key] = (mat, recording)
        return mat

    def finish(self):
        """After the sample's last material: drop appended originals it did not use, keep its new ones."""
        for mat, _ in self.loaded.values():
            self.materials.remove(mat)
        self.loaded = {}
        if self.library is not None:
            self.library.save(self.new)
        self.new = {}
