"""econlab: controlled economic lab experiments with scripted, LLM and RL agents.

The first experiment is the IBEX lab's (TU Delft) spatial-planning game in three treatments:
Harberger, Futarchy and Voting. ``econlab.games.ibex`` holds the pure rules engine, ``econlab.envs`` the
PettingZoo environments (``econlab.make``), ``econlab.policies`` the seat policies and
``econlab.eval`` the game runner.

Heavy libraries (pettingzoo, ray, torch, transformers) are imported lazily so that
``import econlab`` stays fast.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

__all__ = ["__version__", "make"]


def make(name: str, **options: Any) -> Any:
    """Create a PettingZoo ParallelEnv by name (``harberger-v0``, ``futarchy-v0``, ``voting-v0``).

    Args:
        name: The environment id.
        **options: Environment options (see :mod:`econlab.envs`).

    Returns:
        The environment.
    """
    from econlab.envs import make as _make

    return _make(name, **options)
