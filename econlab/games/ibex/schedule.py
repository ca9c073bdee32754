"""Decision ticks: how the env and the runner drive a game (pure; randomness passed in).

The engine takes one action at a time, like the server. Adapters group actions into ticks:

* phases where nobody decides pass without a tick: the ready barrier (everyone is made ready),
  timer-only phases (presentation, reconciliation, results) and the signals phase;
* a decision phase (declare, snipe, request, offer, vote) is one tick in which every seat that may
  act submits at once; the phase then ends (defaults fill missing decisions);
* the market is ``market_ticks`` ticks and each chat phase ``chat_ticks`` ticks; in each tick every
  seat may send at most one action.

Within a tick, actions are applied in an order drawn from the given generator (a permutation of the
acting seats), so no seat is always first in the book.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from econlab.games.ibex.actions import Action, Ready
from econlab.games.ibex.engine import Game
from econlab.games.ibex.errors import InvalidActionError
from econlab.games.ibex.events import Event

#: phases that are a run of ticks rather than one decision: treatment -> {phase: option name}
MULTI_TICK = {
    "harberger": {6: "market_ticks"},
    "futarchy": {6: "market_ticks"},
    "voting": {2: "chat_ticks", 5: "chat_ticks"},
}


@dataclass
class TickOutcome:
    """What one tick did: the events and the rejected actions with their errors."""

    events: list[Event] = field(default_factory=list)
    rejected: dict[int, InvalidActionError] = field(default_factory=dict)
    applied: list[tuple[int, Action]] = field(default_factory=list)
    #: seats whose action was not applied because the phase ended earlier in the tick
    skipped: list[int] = field(default_factory=list)


@dataclass
class Scheduler:
    """Groups a game's phases into decision ticks (see the module docstring)."""

    market_ticks: int = 20
    chat_ticks: int = 2
    tick_in_phase: int = 0

    def __post_init__(self) -> None:
        """Check the tick counts."""
        if self.market_ticks < 1 or self.chat_ticks < 0:
            raise ValueError(f"market_ticks must be >= 1 and chat_ticks >= 0, "
                             f"got {self.market_ticks}, {self.chat_ticks}")

    def ticks_in(self, game: Game) -> int:
        """Number of ticks of the current phase (1 for a single decision)."""
        opt = MULTI_TICK.get(game.treatment, {}).get(game.phase)
        return getattr(self, opt) if opt else 1

    def deciders(self, game: Game) -> list[int]:
        """Seats that may act in the current phase."""
        if game.over:
            return []
        return [s for s in game.seats if game.accepted(s)]

    def is_decision_point(self, game: Game) -> bool:
        """Whether the game waits for seats' decisions now."""
        if game.over:
            return False
        if game.phase == 0 or game.phase in game.TIMER_ONLY and game.phase not in MULTI_TICK.get(game.treatment, {}):
            return False
        if game.treatment != "voting" and game.phase == 5:
            return False
        if self.ticks_in(game) == 0:
            return False
        return bool(self.deciders(game))

    def advance(self, game: Game) -> list[Event]:
        """Pass every phase where nobody decides, stopping at the next decision point or game end."""
        events: list[Event] = []
        guard = 0
        while not game.over and not self.is_decision_point(game):
            guard += 1
            if guard > 10000:  # pragma: no cover - defensive
                raise RuntimeError("the game does not advance")
            if game.phase == 0:
                for seat in game.seats:
                    if not game.by_seat[seat].ready:
                        events += game.apply(seat, Ready())
                        if game.phase != 0:
                            break
                if game.phase == 0:
                    events += game.timeout()
            else:
                events += game.timeout()
            self.tick_in_phase = 0
        return events

    def step(self, game: Game, actions: Mapping[int, Action | None], rng: np.random.Generator) -> TickOutcome:
        """Apply one tick of actions (``None`` = no action) and end the phase when its ticks are spent.

        Invalid actions are rejected one by one (their errors are returned); the others still apply.
        """
        out = TickOutcome()
        phase_at_start = (game.round, game.phase)
        seats = [s for s in sorted(actions) if actions[s] is not None]
        order = [seats[i] for i in rng.permutation(len(seats))] if len(seats) > 1 else seats
        for i, seat in enumerate(order):
            if game.over or (game.round, game.phase) != phase_at_start:
                out.skipped.extend(order[i:])
                break
            action = actions[seat]
            assert action is not None
            try:
                out.events += game.apply(seat, action)
                out.applied.append((seat, action))
            except InvalidActionError as exc:
                out.rejected[seat] = exc
        if (game.round, game.phase) == phase_at_start and not game.over:
            self.tick_in_phase += 1
            if self.tick_in_phase >= self.ticks_in(game):
                out.events += game.timeout()
                self.tick_in_phase = 0
        else:
            self.tick_in_phase = 0
        out.events += self.advance(game)
        return out

    def state_dict(self) -> dict[str, Any]:
        """Serializable state."""
        return {"market_ticks": self.market_ticks, "chat_ticks": self.chat_ticks, "tick_in_phase": self.tick_in_phase}
