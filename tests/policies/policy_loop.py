"""Policy-test helpers around the project's runner (``econlab.eval.runner.play_game``); no game loop of their own.

:func:`play` plays a game with the runner and reads what each policy sent and which of its actions the rules
rejected from the runner's decisions; :func:`new` and :func:`step_to` set up a position with the engine's own
scheduler for tests of one decision.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from econlab.eval.runner import play_game
from econlab.games.ibex import Game, GameParams, SessionValues, UniformValues, from_message, new_game
from econlab.games.ibex.actions import Action
from econlab.games.ibex.data import session_table
from econlab.games.ibex.schedule import Scheduler
from econlab.games.ibex.spec import GameSpec, make_game
from econlab.games.ibex.values import ValueSource
from econlab.policies import Policy

SeatPolicies = Callable[[int, int], Policy]  # (seat, role) -> policy


@dataclass
class GameRun:
    """What one game did: the finished game, every action sent and every rejection."""

    game: Game
    policies: dict[int, Policy]
    actions: list[tuple[int, int, int, Action]] = field(default_factory=list)  # (round, phase, seat, action)
    sent: Counter[str] = field(default_factory=Counter)
    rejected: Counter[str] = field(default_factory=Counter)
    errors: list[tuple[str, str]] = field(default_factory=list)  # (policy, the runner's error text)

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
         chat_ticks: int = 2, values: ValueSource | None = None, **param_changes: Any) -> GameRun:
    """One game through :func:`econlab.eval.runner.play_game` (session ``1 + seed % 11``, or uniform values)."""
    if values is not None and not isinstance(values, UniformValues):
        raise ValueError("play: the runner draws session or uniform values; pass UniformValues() or nothing")
    params = GameParams.lab_default(treatment).replace(session_number=1 + seed % 11, **param_changes)
    spec = GameSpec(params=params, seed=seed, values="uniform" if values is not None else "session",
                    market_ticks=market_ticks, chat_ticks=chat_ticks)
    roles = {p.number: p.role for p in make_game(spec).players}
    if hasattr(seat_policies, "act"):
        fixed = seat_policies
        seat_policies = lambda seat, role: fixed  # noqa: E731
    policies = {s: seat_policies(s, role) for s, role in roles.items()}
    result = play_game(spec, policies)
    run = GameRun(result.game, policies)
    for d in result.decisions:
        if d.action is not None:
            run.sent[d.policy] += 1
            run.actions.append((d.round, d.phase, d.seat, from_message(d.action)))
        if not d.valid and not (d.error or "").startswith("not applied"):  # a rule's refusal or a policy error
            run.rejected[d.policy] += 1
            run.errors.append((d.policy, d.error or ""))
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
