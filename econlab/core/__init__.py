"""The contract between games and everything else, and the one loop that moves any game forward.

:mod:`econlab.core` imports nothing of econlab outside itself (standard library and numpy only).

* :mod:`~econlab.core.game`: :class:`GameDef`, :class:`GameSpec`, phase kinds, the game registry;
* :mod:`~econlab.core.driver`: :class:`Driver`, the tick loop every consumer uses;
* :mod:`~econlab.core.policy`: :class:`Policy` / :class:`AsyncPolicy` and :class:`PolicyState`;
* :mod:`~econlab.core.seats`: seat specs (``truthful``, ``llm:...``, ``rl:PATH``) to policies.
"""

from __future__ import annotations

from econlab.core.driver import Decided, Decision, Driver, RoundReward, TickOutcome, tick_rng
from econlab.core.game import (
    AUTOMATIC,
    DECISION,
    GameDef,
    GameSpec,
    Phase,
    PhaseKind,
    Rejected,
    adapter,
    game_names,
    get_game,
    register_game,
    unregister_game,
)
from econlab.core.policy import AsyncPolicy, Policy, PolicyState, StopRun, is_async

__all__ = [
    "AUTOMATIC", "DECISION", "AsyncPolicy", "Decided", "Decision", "Driver", "GameDef", "GameSpec", "Phase",
    "PhaseKind", "Policy", "PolicyState", "Rejected", "RoundReward", "StopRun", "TickOutcome", "adapter",
    "game_names", "get_game", "is_async", "register_game", "tick_rng", "unregister_game",
]
