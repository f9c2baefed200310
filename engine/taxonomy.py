"""The class taxonomy (configs/taxonomy.yaml): stable ids, hierarchical paths, English and Korean names."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache


from engine.checks import CONFIG_DIR, load_yaml

TAXONOMY_FILE = CONFIG_DIR / "taxonomy.yaml"


@dataclass(frozen=True)
class ClassInfo:
    id: int
    path: str
    en: str
    ko: str
    skeleton: str | None = None      # articulated actors: a key of Taxonomy.skeletons

    @property
    def parent(self) -> str:
        return self.path.rsplit("/", 1)[0] if "/" in self.path else ""


class Taxonomy:
    def __init__(self, data: dict):
        self.version = str(data["version"])
        self.classes = [ClassInfo(int(c["id"]), c["path"], c["en"], c["ko"], c.get("skeleton")) for c in data["classes"]]
        self.groups = data.get("groups", {})
        self.skeletons = data.get("skeletons", {})
        self._by_path = {c.path: c for c in self.classes}
        self._by_id = {c.id: c for c in self.classes}
        if len(self._by_path) != len(self.classes) or len(self._by_id) != len(self.classes):
            raise ValueError("taxonomy has duplicate ids or paths")
        shared = {c.en for c in self.classes if sum(o.en == c.en for o in self.classes) > 1}
        # the name exports give a class: its English name, or its path where two classes share one (a context tree
        # and a landscape's tree), so every format's category names are unique and per-class metrics stay apart
        self.export_names = {c.id: c.path if c.en in shared else c.en for c in self.classes}

    def __getitem__(self, path: str) -> ClassInfo:
        try:
            return self._by_path[path]
        except KeyError:
            raise KeyError(f"class '{path}' is not in taxonomy {self.version}") from None

    def by_id(self, class_id: int) -> ClassInfo:
        return self._by_id[class_id]

    def to_dict(self) -> dict:
        return {"version": self.version, "classes": [vars(c) | {"parent": c.parent} for c in self.classes],
                "groups": self.groups, "skeletons": self.skeletons}


@lru_cache(maxsize=1)
def load_taxonomy() -> Taxonomy:
    return Taxonomy(load_yaml(TAXONOMY_FILE))
