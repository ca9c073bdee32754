"""PettingZoo environments of the IBEX game; create them with :func:`make` (or ``econlab.make``).

Env ids: ``harberger-v0``, ``futarchy-v0``, ``voting-v0``. The user documentation (options,
observation and action tables, masks, rewards, ticks, version history) is the docstring of
:mod:`econlab.envs.ibex`.
"""

from __future__ import annotations

from typing import Any

from econlab.envs.config import EnvConfig
from econlab.envs.futarchy import FutarchyEnv
from econlab.envs.harberger import HarbergerEnv
from econlab.envs.ibex import IbexEnv
from econlab.envs.spaces import CANNED_MESSAGES, KINDS
from econlab.envs.voting import VotingEnv

ENVS: dict[str, type[IbexEnv]] = {
    "harberger-v0": HarbergerEnv, "futarchy-v0": FutarchyEnv, "voting-v0": VotingEnv,
}

__all__ = [
    "CANNED_MESSAGES", "ENVS", "KINDS", "EnvConfig", "FutarchyEnv", "HarbergerEnv", "IbexEnv", "VotingEnv",
    "make", "remote",
]


def remote(rest_url: str, ws_url: str, game_id: int, **options: Any) -> Any:
    """A ParallelEnv whose seats act on a live ``econlab serve`` game (see :mod:`econlab.protocol.remote_env`).

    The import is lazy: the protocol stack (websockets, httpx) loads only when a remote env is made.
    """
    from econlab.protocol.remote_env import RemoteEnv

    return RemoteEnv(rest_url, ws_url, game_id, **options)


def make(name: str, **options: Any) -> IbexEnv:
    """Create an IBEX ParallelEnv by id.

    Args:
        name: ``harberger-v0``, ``futarchy-v0`` or ``voting-v0``.
        **options: Env options (``seed``, ``session``, ``values``, ``rounds``, ``practice_round``,
            ``market_ticks``, ``chat_ticks``, ``compat``, ``params``, ``render_mode``); see
            :mod:`econlab.envs.ibex`.

    Returns:
        The environment (call ``reset`` before ``step``).

    Raises:
        ValueError: Unknown id or invalid option.
    """
    cls = ENVS.get(name)
    if cls is None:
        raise ValueError(f"unknown env {name!r}; available: {sorted(ENVS)}")
    return cls(**options)
