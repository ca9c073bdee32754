"""One IBEX game apart from its policies: :class:`GameSpec` (parameters, seed, values, ticks, compat).

The spec is what the generic runner needs from a game (:class:`econlab.core.GameSpec`): the game's
registry name, its seed, the tick counts of multi-tick phases, a fresh state and the metadata stored
in records.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from econlab.games.ibex.data import session_table
from econlab.games.ibex.engine import Compat, Game
from econlab.games.ibex.gamedef import CHAT_TICKS, IBEX, MARKET_TICKS
from econlab.games.ibex.params import GameParams
from econlab.games.ibex.values import SessionValues, UniformValues

ValuesMode = Literal["session", "uniform"]


@dataclass(frozen=True)
class GameSpec:
    """Everything that defines one IBEX game apart from the policies.

    Attributes:
        params: The game parameters (treatment, rounds, endowments, ...).
        seed: Seed of the game's generator, the tick order and the policies.
        values: ``"session"`` (the lab's table ``params.session_number``) or ``"uniform"``.
        market_ticks: Ticks of each market phase.
        chat_ticks: Ticks of each Voting chat phase.
        compat: ``"strict"`` or ``"server"``.
    """

    params: GameParams
    seed: int = 0
    values: ValuesMode = "session"
    market_ticks: int = MARKET_TICKS
    chat_ticks: int = CHAT_TICKS
    compat: Compat = "strict"

    #: the registry name of the game
    game = "ibex"

    def __post_init__(self) -> None:
        """Validate the fields."""
        if self.values not in ("session", "uniform"):
            raise ValueError(f"values must be 'session' or 'uniform', got {self.values!r}")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {self.seed!r}")
        if self.market_ticks < 1 or self.chat_ticks < 0:
            raise ValueError(f"market_ticks must be >= 1 and chat_ticks >= 0, "
                             f"got {self.market_ticks}, {self.chat_ticks}")

    def ticks(self) -> dict[str, int]:
        """Tick counts of the multi-tick phases."""
        return {"market_ticks": self.market_ticks, "chat_ticks": self.chat_ticks}

    def new_state(self, *, emit_events: bool = False, game_id: int = 1) -> Game:
        """A new, unstarted game for this spec."""
        values = SessionValues(session_table(self.params.session_number)) if self.values == "session" \
            else UniformValues()
        return IBEX.new(self.params, np.random.default_rng(self.seed), values=values, compat=self.compat,
                        game_id=game_id, emit_events=emit_events)

    def meta(self) -> dict[str, Any]:
        """The spec as plain data (stored in records)."""
        return {"seed": self.seed, "values": self.values, "market_ticks": self.market_ticks,
                "chat_ticks": self.chat_ticks, "compat": self.compat, "session": self.params.session_number}

    def seat_meta(self, state: Game) -> dict[str, Any]:
        """Per-seat metadata of a record (the role of each seat)."""
        from econlab.games.ibex.params import ROLE_NAMES

        return {"roles": {str(p.number): ROLE_NAMES[p.role] for p in state.players}}


def make_game(spec: GameSpec) -> Game:
    """A new, unstarted game for ``spec``."""
    return spec.new_state()
