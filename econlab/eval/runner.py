"""The game runner: plays a game with a mapping seat -> policy, on the one :class:`~econlab.core.Driver`.

``econlab play``, tournaments, the server's bots and evaluation all use :func:`play_game`. It takes
any game's spec (:class:`econlab.core.GameSpec`), drives the game through the driver (the same ticks
and the same seeded order within a tick as the env and the server), asks each deciding seat's policy
for an action built from the game's view, and records every decision with its validity. A policy that
raises, or returns an action the rules reject, loses that action only: the error is recorded and the
game goes on. A policy that raises :class:`~econlab.core.StopRun` (an LLM budget spent with
``on_budget: stop``) stops the game: the exception goes to the caller with what was played so far in
its ``partial``.

Every decision names its ``source``: the policy's name for scripted and RL seats; for LLM seats ``llm``
(the model's answer) or ``fallback:<reason>`` (the documented fallback: ``budget``, ``backend-error``,
``unparseable``). An LLM fallback that does nothing (market, chat) is recorded too, with no action.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from econlab.core import Decision, Driver, GameSpec, Policy, PolicyState, StopRun, get_game, is_async

__all__ = ["Decision", "GameResult", "play_game"]


@dataclass
class GameResult:
    """A finished game: its state, its record and the decisions."""

    game: Any
    record: dict[str, Any]
    decisions: list[Decision] = field(default_factory=list)
    #: LLM call rows with their volatile telemetry (the record holds them without it)
    llm_calls: list[dict[str, Any]] = field(default_factory=list)

    #: the game's definition
    gamedef: Any = None

    @property
    def profits(self) -> dict[int, dict[int, Any]]:
        """``{round: {seat: payoff as the rules computed it}}`` of the finished rounds."""
        g = self.gamedef
        return {number: dict(raw) for number, _, raw in
                (g.round_payoffs(self.game, i) for i in range(g.finished_rounds(self.game)))}


RoundCallback = Callable[[Any, int], None]


def play_game(spec: GameSpec, policies: Mapping[int, Policy], *, on_round: RoundCallback | None = None,
              on_log: Callable[[list[dict[str, Any]]], None] | None = None) -> GameResult:
    """Play one full game.

    Args:
        spec: The game.
        policies: A policy for every seat (``{seat: policy}``).
        on_round: Called with ``(state, round)`` after each finished round.
        on_log: Called with the new record log entries after each tick (for incremental writing).

    Returns:
        The finished game and its record.
    """
    gamedef = get_game(spec.game)
    state = spec.new_state()
    driver = Driver(gamedef, state, seed=spec.seed, ticks=spec.ticks())
    missing = [s for s in state.seats if s not in policies]
    if missing:
        raise ValueError(f"no policy for seats {missing}; every seat needs one")
    states: dict[int, PolicyState] = {s: policies[s].initial_state(s, spec.seed) for s in state.seats}
    decisions: list[Decision] = []
    logged = 0

    def flush() -> None:
        nonlocal logged
        if on_log is not None and gamedef.log_length(state) > logged:
            on_log(gamedef.log_since(state, logged))
            logged = gamedef.log_length(state)
        for finished in driver.new_rewards():
            if on_round is not None:
                on_round(state, finished.round)

    driver.start()
    flush()
    # Asynchronous policies (LLM seats) decide concurrently: one event loop for the game, all deciders
    # of a tick gathered on it. Without them every policy is called in seat order.
    loop = asyncio.new_event_loop() if any(is_async(policies[s]) for s in state.seats) else None
    try:
        while not driver.over:
            try:
                _, tick_decisions = driver.play_tick(policies, states, loop=loop)
            except StopRun as stop:
                stop.partial.update({"decisions": [d.to_json() for d in decisions],
                                     "log": gamedef.log_since(state, 0), "llm_calls": driver.calls(states)})
                raise
            decisions += tick_decisions
            flush()
        flush()
    finally:
        if loop is not None:
            loop.close()
    meta = spec.meta() | {"policies": {str(s): policies[s].name for s in state.seats}} | spec.seat_meta(state)
    record = gamedef.record(state, meta)
    llm_calls = driver.calls(states)
    if llm_calls:
        record["llm_calls"] = [{k: v for k, v in c.items() if k != "telemetry"} for c in llm_calls]
    return GameResult(game=state, record=record, decisions=decisions, llm_calls=llm_calls, gamedef=gamedef)
