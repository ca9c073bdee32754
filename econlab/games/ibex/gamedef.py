"""The IBEX game as a :class:`econlab.core.GameDef`: Harberger, Futarchy and Voting under one name.

The treatment is a parameter (``GameParams.game_type``). This module tells the driver which IBEX
phases are decisions, which are runs of ticks and which pass by themselves:

* phase 0 (everyone ready) passes by making every seat ready, like players who click at once;
* timer-only phases (presentation, reconciliation, results) and, outside Voting, the signals phase
  (5) pass by their timeout;
* the market (Harberger and Futarchy phase 6) is ``market_ticks`` ticks, each Voting chat phase
  (2 and 5) ``chat_ticks`` ticks; every other phase where a seat may act is one decision tick.

A round's reward for a seat is its paid round profit in points divided by its role's
``reward_scale_factor`` (euros).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np

from econlab.core.game import AUTOMATIC, DECISION, Phase, PhaseKind
from econlab.games.ibex import jsnum as js
from econlab.games.ibex.actions import Action, Ready
from econlab.games.ibex.engine import Compat, Game
from econlab.games.ibex.errors import InvalidActionError
from econlab.games.ibex.params import GameParams
from econlab.games.ibex.record import build_record
from econlab.games.ibex.values import ValueSource
from econlab.games.ibex.view import SeatView, view

#: phases that are a run of ticks: treatment -> {phase: tick option}
MULTI_TICK: dict[str, dict[int, str]] = {
    "harberger": {6: "market_ticks"},
    "futarchy": {6: "market_ticks"},
    "voting": {2: "chat_ticks", 5: "chat_ticks"},
}
#: phases that pass by their timeout although the engine accepts messages in them: treatment -> phases
AUTOMATIC_PHASES: dict[str, frozenset[int]] = {
    "harberger": frozenset({5}), "futarchy": frozenset({5}), "voting": frozenset(),
}
MARKET_TICKS = 20
CHAT_TICKS = 2
_MULTI = {name: Phase(PhaseKind.MULTI_TICK, name) for name in ("market_ticks", "chat_ticks")}


def _finite(x: Any) -> float:
    v = float(x) if type(x) in (int, float) else (js.to_number(x) if x is not None else 0.0)
    return v if math.isfinite(v) else 0.0


class IbexGame:
    """The :class:`~econlab.core.GameDef` of the IBEX spatial-planning game (module docstring)."""

    name: ClassVar[str] = "ibex"
    rejection: ClassVar[type[BaseException]] = InvalidActionError
    tick_options: ClassVar[Mapping[str, int]] = {"market_ticks": MARKET_TICKS, "chat_ticks": CHAT_TICKS}
    params_model: ClassVar[type[GameParams]] = GameParams

    def new(self, params: GameParams, rng: np.random.Generator, *, values: ValueSource,
            compat: Compat = "strict", game_id: int = 1, emit_events: bool = True) -> Game:
        """A new, unstarted game of the treatment ``params.game_type``."""
        from econlab.games.ibex import new_game

        return new_game(params, values, rng, compat=compat, game_id=game_id, emit_events=emit_events)

    def start(self, state: Game) -> list[Any]:
        """Open round 0 (or 1) in phase 0."""
        return state.start()

    def phase_of(self, state: Game) -> Phase:
        """Phase 0, timer-only phases and outside Voting phase 5 pass by themselves (module docstring)."""
        phase, treatment = state.phase, state.treatment
        multi = MULTI_TICK[treatment].get(phase)
        if multi is not None:
            return _MULTI[multi]
        if phase == 0 or phase in state.TIMER_ONLY or phase in AUTOMATIC_PHASES[treatment]:
            return AUTOMATIC
        return DECISION

    def deciders(self, state: Game) -> list[int]:
        """Seats whose role may send a message now."""
        if state.over:
            return []
        return [s for s in state.seats if state.accepted(s)]

    def pass_phase(self, state: Game) -> list[Any]:
        """Phase 0: every seat sends ``player-is-ready``; otherwise the phase's timeout."""
        events: list[Any] = []
        if state.phase == 0:
            for seat in state.seats:
                if not state.by_seat[seat].ready:
                    events += state.apply(seat, Ready())
                    if state.phase != 0:
                        return events
            if state.phase == 0:
                events += state.timeout()
            return events
        return events + state.timeout()

    def apply(self, state: Game, seat: int, action: Action, raw: dict[str, Any] | None = None) -> list[Any]:
        """One action, as the lab's server applies it."""
        return state.apply(seat, action, raw)

    def view(self, state: Game, seat: int) -> SeatView:
        """What a human subject in ``seat`` sees now."""
        return view(state, seat)

    def finished_rounds(self, state: Game) -> int:
        """Rounds whose profits are known (they finish in order)."""
        n = 0
        for r in state.results:
            if not r.profits:
                break
            n += 1
        return n

    def round_payoffs(self, state: Game, index: int) -> tuple[int, dict[int, float], dict[int, Any]]:
        """``(round, {seat: euros}, {seat: points})`` of the ``index``-th finished round."""
        r = state.results[index]
        rewards: dict[int, float] = {}
        for p in state.players:
            factor = float(state.params.role(p.role).reward_scale_factor)
            rewards[p.number] = _finite(r.profits.get(p.number)) / factor
        return r.round, rewards, {p.number: r.profits.get(p.number) for p in state.players}

    def action_json(self, state: Game, action: Action) -> dict[str, Any]:
        """The action as its wire message."""
        return action.to_message(state.game_id)

    def record(self, state: Game, meta: Mapping[str, Any]) -> dict[str, Any]:
        """The lab's record format plus econlab's results."""
        return build_record(state, meta)

    def log_since(self, state: Game, start: int) -> list[dict[str, Any]]:
        """The record's log entries from ``start`` on (incremental writing)."""
        return state.log_json(start)

    def log_length(self, state: Game) -> int:
        """Entries in the record's log so far."""
        return len(state.log)


IBEX = IbexGame()
