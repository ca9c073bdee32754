"""The pure rules engine of the IBEX game (standard library and numpy only; no I/O).

Use :func:`new_game` to create a game, :meth:`Game.apply` to feed actions, :meth:`Game.timeout` to
end timer-only phases, and :func:`econlab.games.ibex.view.view` for what a seat may know.
"""

from __future__ import annotations

import numpy as np

from econlab.games.ibex.actions import (
    Action,
    CancelOrder,
    Chat,
    CompletePhase,
    Declare,
    Offer,
    PostOrder,
    Ready,
    Request,
    Snipe,
    Vote,
    from_message,
)
from econlab.games.ibex.engine import COMPAT_MODES, Compat, Game
from econlab.games.ibex.errors import GameOverError, InvalidActionError
from econlab.games.ibex.events import Event
from econlab.games.ibex.futarchy import Futarchy
from econlab.games.ibex.harberger import Harberger
from econlab.games.ibex.params import TREATMENTS, GameParams, Treatment
from econlab.games.ibex.values import SessionValues, UniformValues, ValueSource
from econlab.games.ibex.voting import Voting

GAME_CLASSES: dict[str, type[Game]] = {"harberger": Harberger, "futarchy": Futarchy, "voting": Voting}

__all__ = [
    "COMPAT_MODES", "GAME_CLASSES", "TREATMENTS", "Action", "CancelOrder", "Chat", "Compat", "CompletePhase",
    "Declare", "Event", "Futarchy", "Game", "GameOverError", "GameParams", "Harberger", "InvalidActionError",
    "Offer", "PostOrder", "Ready", "Request", "SessionValues", "Snipe", "Treatment", "UniformValues",
    "ValueSource", "Vote", "Voting", "from_message", "new_game",
]


def new_game(params: GameParams, values: ValueSource, rng: np.random.Generator | None = None, *,
             compat: Compat = "strict", game_id: int = 1, emit_events: bool = True) -> Game:
    """Create a game of the treatment named by ``params.game_type`` (not yet started).

    Args:
        params: The parameters.
        values: Where values and signals come from.
        rng: The game's only source of randomness.
        compat: ``"strict"`` or ``"server"``.
        game_id: The id used in texts and records.
        emit_events: Build the server's events (see :class:`~econlab.games.ibex.engine.Game`).

    Returns:
        The game; call ``start()`` to open the first round.
    """
    return GAME_CLASSES[params.game_type](params, values, rng, compat=compat, game_id=game_id,
                                          emit_events=emit_events)
