"""A small local game loop for the policy tests (the real runner lives in ``econlab.eval``).

The scheduler passes the phases where nobody decides; at each decision point every decider's
policy gets its view and returns an action (or ``None``); the tick is applied in a seeded order.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from econlab.data import session_table
from econlab.game import Game, GameParams, SessionValues, new_game
from econlab.game.actions import Action
from econlab.game.errors import InvalidActionError
from econlab.game.schedule import Scheduler
from econlab.game.values import ValueSource
from econlab.game.view import view
from econlab.policies import Policy, PolicyState

SeatPolicies = Callable[[int, int], Policy]  # (seat, role) -> policy


@dataclass
class GameRun:
    """What one game did: the finished game, every action sent and every rejection."""

    game: Game
    policies: dict[int, Policy]
    actions: list[tuple[int, int, int, Action]] = field(default_factory=list)  # (round, phase, seat, action)
    sent: Counter[str] = field(default_factory=Counter)
    rejected: Counter[str] = field(default_factory=Counter)
    errors: list[tuple[str, InvalidActionError]] = field(default_factory=list)

    def rejection_rate(self, name: str) -> float:
        return self.rejected[name] / max(self.sent[name], 1)


def new(treatment: str, seed: int, values: ValueSource | None = None, **param_changes: Any) -> Game:
    params = GameParams.lab_default(treatment)  # type: ignore[arg-type]
    if param_changes:
        params = params.replace(**param_changes)
    values = values or SessionValues(session_table(1 + seed % 11))
    game = new_game(params, values, np.random.default_rng(seed))
    game.start()
    return game


def play(treatment: str, seat_policies: SeatPolicies | Policy, seed: int, *, market_ticks: int = 8,
         chat_ticks: int = 2, values: ValueSource | None = None, max_ticks: int | None = None,
         **param_changes: Any) -> GameRun:
    game = new(treatment, seed, values, **param_changes)
    if hasattr(seat_policies, "act"):
        fixed = seat_policies
        seat_policies = lambda seat, role: fixed  # noqa: E731
    policies = {s: seat_policies(s, game.by_seat[s].role) for s in game.seats}
    states: dict[int, PolicyState] = {s: policies[s].initial_state(s, seed) for s in game.seats}
    sched = Scheduler(market_ticks=market_ticks, chat_ticks=chat_ticks)
    rng = np.random.default_rng([seed, 99])
    run = GameRun(game, policies)
    sched.advance(game)
    ticks = 0
    while not game.over and (max_ticks is None or ticks < max_ticks):
        ticks += 1
        actions: dict[int, Action | None] = {}
        for seat in sched.deciders(game):
            action, states[seat] = policies[seat].act(view(game, seat), None, states[seat])
            actions[seat] = action
            if action is not None:
                run.sent[policies[seat].name] += 1
                run.actions.append((game.round, game.phase, seat, action))
        out = sched.step(game, actions, rng)
        for seat, err in out.rejected.items():
            run.rejected[policies[seat].name] += 1
            run.errors.append((policies[seat].name, err))
    return run


def step_to(game: Game, sched: Scheduler, phase: int, actions: dict[int, Action | None] | None = None,
            seed: int = 0) -> None:
    """Advance ``game`` (in its current round) to ``phase``, sending ``actions`` at the first decision."""
    rng = np.random.default_rng(seed)
    sched.advance(game)
    first = True
    while game.phase != phase:
        sched.step(game, (actions or {}) if first else {}, rng)
        first = False
