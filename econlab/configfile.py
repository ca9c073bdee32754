"""Reading the YAML files of scenarios, tournaments, training, calibration and design configs."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def read_mapping(path: str | Path, what: str) -> dict[str, Any]:
    """The top-level mapping of a YAML file (an empty file is an empty mapping).

    Args:
        path: The file.
        what: What the file holds, for messages ("a scenario", "a tournament", ...).

    Raises:
        ValueError: The file is missing, is not valid YAML, or does not hold a mapping.
    """
    import yaml

    path = Path(path)
    if not path.is_file():
        raise ValueError(f"{path} does not exist ({what} was expected there)")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ValueError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ValueError(f"{path}: {what} is a mapping, got {type(data).__name__}")
    return data


def beside(config: Path, ref: str | Path, what: str) -> Path:
    """A file named inside a config: absolute, or relative to the config's folder.

    Raises:
        ValueError: The file does not exist (the message names the config and ``what`` was expected).
    """
    path = Path(ref)
    path = path if path.is_absolute() else config.parent / path
    if not path.exists():
        raise ValueError(f"{config}: no such {what} {path}")
    return path
