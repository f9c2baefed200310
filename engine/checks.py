"""Config basics every floor shares: where the YAML tree lives, the one-line ConfigError, and the checks that scene
families and the job use to validate their settings before any work starts."""
from __future__ import annotations

from pathlib import Path

import yaml

CONFIG_DIR = Path(__file__).resolve().parent.parent / "configs"


class ConfigError(ValueError):
    """A bad configuration or override; str() is the one line shown to the user."""


def require(ok: bool, message: str):
    if not ok:
        raise ConfigError(message)


def require_range(value, lo, hi, key: str):
    """A [min, max] pair inside [lo, hi]."""
    require(len(value) == 2 and lo <= value[0] <= value[1] <= hi,
            f"{key}: {list(value)} is not allowed; give [min, max] with {lo} <= min <= max <= {hi}")


def require_between(value, lo, hi, key: str):
    """One number inside [lo, hi]."""
    require(lo <= value <= hi, f"{key}: {value} is not allowed; give {lo}..{hi}")


def require_choices(values, allowed, key: str):
    bad = [v for v in values if v not in allowed]
    require(len(values) > 0 and not bad,
            f"{key}: {bad[0] if bad else 'empty list'} is not allowed; choose from {', '.join(allowed)}")


def load_yaml(path) -> object:
    """A YAML file's data, parsed by libyaml where PyYAML has it (~10x quicker than the pure-Python parser: the start
    of every run reads the config tree, the taxonomy and each concept's grammar)."""
    return yaml.load(Path(path).read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
