"""Bundled IBEX game-server data (property values, private signals and conditions).

The JSON files under ``econlab/games/ibex/data/`` are unmodified copies from
IBEX-TUDelft/IBEX-game_server (MIT licence); see ``econlab/games/ibex/data/README.md``.
"""

from __future__ import annotations

import functools
import json
from importlib import resources
from typing import Any

__all__ = ["load_projects", "load_sessions", "session_table"]


def _load_json(name: str) -> Any:
    """Read and parse one JSON file from the bundled ``ibex`` directory.

    Args:
        name: File name inside ``econlab/games/ibex/data/``.

    Returns:
        The parsed JSON document.
    """
    text = resources.files(__name__).joinpath(name).read_text(encoding="utf-8")
    return json.loads(text)


@functools.lru_cache(maxsize=1)
def load_sessions() -> tuple[dict, ...]:
    """Load the IBEX session tables from ``sessions.json``.

    Each session is a dict ``{"id": int, "rounds": [round, ...]}``; round ``k`` holds
    ``"values"`` and ``"signals"`` indexed by condition. The result is cached, so callers
    must not mutate it.

    Returns:
        All sessions, in file order.
    """
    return tuple(_load_json("sessions.json"))


@functools.lru_cache(maxsize=1)
def load_projects() -> tuple[dict, ...]:
    """Load the IBEX conditions from ``projects.json``.

    Each entry is a dict with keys ``"name"``, ``"id"``, ``"parameter"`` and ``"key"``.
    The result is cached, so callers must not mutate it.

    Returns:
        All conditions, in file order.
    """
    return tuple(_load_json("projects.json"))


def session_table(session_number: int) -> dict:
    """Return the session whose ``"id"`` equals ``session_number``.

    Args:
        session_number: The IBEX ``session_number`` game parameter.

    Returns:
        The matching session dict (shared, cached object; do not mutate).

    Raises:
        ValueError: If no session has that id.
    """
    sessions = load_sessions()
    for session in sessions:
        if session.get("id") == session_number:
            return session
    valid = ", ".join(str(s.get("id")) for s in sessions)
    raise ValueError(f"unknown IBEX session_number {session_number!r}; valid ids are: {valid}")
