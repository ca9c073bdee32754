"""The one game runner: plays a game with a mapping seat -> policy.

``econlab play``, tournaments, the server's bots and evaluation all use :func:`play_game`. The runner
drives the engine through :class:`econlab.game.schedule.Scheduler` (the same ticks as the env), asks
each deciding seat's policy for an action built from its :func:`econlab.game.view.view`, and records
every decision with its validity. A policy that raises, or returns an action the rules reject, loses
that action only: the error is recorded and the game goes on. A policy that raises
:class:`~econlab.policies.base.StopRun` (an LLM budget spent with ``on_budget: stop``) stops the game: the
exception goes to the caller with what was played so far in its ``partial``.

Every decision names its ``source``: the policy's name for scripted and RL seats; for LLM seats ``llm``
(the model's answer) or ``fallback:<reason>`` (the documented fallback: ``budget``, ``backend-error``,
``unparseable``). An LLM fallback that does nothing (market, chat) is recorded too, with no action.
"""

from __future__ import annotations

import asyncio
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from econlab.data import session_table
from econlab.game import Game, GameParams, SessionValues, UniformValues, new_game
from econlab.game.engine import Compat
from econlab.game.params import ROLE_NAMES
from econlab.game.record import build_record
from econlab.game.schedule import Scheduler
from econlab.game.view import view
from econlab.policies.base import Policy, PolicyState, StopRun

ValuesMode = Literal["session", "uniform"]


@dataclass(frozen=True)
class GameSpec:
    """Everything that defines one game apart from the policies.

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
    market_ticks: int = 20
    chat_ticks: int = 2
    compat: Compat = "strict"

    def __post_init__(self) -> None:
        """Validate the fields."""
        if self.values not in ("session", "uniform"):
            raise ValueError(f"values must be 'session' or 'uniform', got {self.values!r}")
        if not isinstance(self.seed, int) or self.seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {self.seed!r}")
        Scheduler(self.market_ticks, self.chat_ticks)

    def meta(self) -> dict[str, Any]:
        """The spec as plain data (stored in records)."""
        return {"seed": self.seed, "values": self.values, "market_ticks": self.market_ticks,
                "chat_ticks": self.chat_ticks, "compat": self.compat, "session": self.params.session_number}


@dataclass
class Decision:
    """One decision of one seat: what it chose and whether the rules accepted it."""

    round: int
    phase: int
    tick: int
    seat: int
    policy: str
    action: dict[str, Any] | None
    valid: bool
    error: str | None = None
    #: who decided (module docstring); ``None``: the policy itself (``policy``)
    source: str | None = None

    def to_json(self) -> dict[str, Any]:
        """Plain data."""
        return {"round": self.round, "phase": self.phase, "tick": self.tick, "seat": self.seat, "policy": self.policy,
                "source": self.source or self.policy, "action": self.action, "valid": self.valid,
                "error": self.error}


@dataclass
class GameResult:
    """A finished game: the engine, its record and the decisions."""

    game: Game
    record: dict[str, Any]
    decisions: list[Decision] = field(default_factory=list)
    #: LLM call rows with their volatile telemetry (the record holds them without it)
    llm_calls: list[dict[str, Any]] = field(default_factory=list)

    @property
    def profits(self) -> dict[int, dict[int, Any]]:
        """``{round: {seat: paid profit}}``."""
        return {r.round: dict(r.profits) for r in self.game.results if r.profits}


RoundCallback = Callable[[Game, int], None]


def make_game(spec: GameSpec) -> Game:
    """A new, unstarted game for ``spec``."""
    values = SessionValues(session_table(spec.params.session_number)) if spec.values == "session" \
        else UniformValues()
    return new_game(spec.params, values, np.random.default_rng(spec.seed), compat=spec.compat, emit_events=False)


def play_game(spec: GameSpec, policies: Mapping[int, Policy], *, on_round: RoundCallback | None = None,
              on_log: Callable[[list[dict[str, Any]]], None] | None = None) -> GameResult:
    """Play one full game.

    Args:
        spec: The game.
        policies: A policy for every seat (``{seat: policy}``).
        on_round: Called with ``(game, round)`` after each finished round.
        on_log: Called with the new record log entries after each tick (for incremental writing).

    Returns:
        The finished game and its record.
    """
    game = make_game(spec)
    missing = [s for s in game.seats if s not in policies]
    if missing:
        raise ValueError(f"no policy for seats {missing}; every seat needs one")
    scheduler = Scheduler(spec.market_ticks, spec.chat_ticks)
    tick_rng = np.random.default_rng([spec.seed, 7])
    states: dict[int, PolicyState] = {s: policies[s].initial_state(s, spec.seed) for s in game.seats}
    decisions: list[Decision] = []
    logged = 0
    finished_rounds = 0

    def flush() -> None:
        nonlocal logged, finished_rounds
        if on_log is not None and len(game.log) > logged:
            on_log(game.log_json(logged))
            logged = len(game.log)
        done = [r for r in game.results if r.profits]
        while on_round is not None and finished_rounds < len(done):
            on_round(game, done[finished_rounds].round)
            finished_rounds += 1

    game.start()
    scheduler.advance(game)
    flush()
    # Policies with an ``act_async`` (LLM seats) decide concurrently: one event loop for the game,
    # all deciders of a tick gathered on it. Without them the sequential path below is unchanged.
    loop = asyncio.new_event_loop() if any(callable(getattr(policies[s], "act_async", None))
                                           for s in game.seats) else None
    while not game.over:
        actions: dict[int, Any] = {}
        pending: dict[int, Decision] = {}
        deciders = scheduler.deciders(game)
        answers = loop.run_until_complete(_decide_all(game, deciders, policies, states)) if loop else None
        for seat in deciders:
            policy = policies[seat]
            calls_before = len(states[seat].memory.get("llm_calls", ()))
            try:
                if answers is not None:
                    answer = answers[seat]
                    if isinstance(answer, BaseException):
                        raise answer
                    action, states[seat] = answer
                else:
                    action, states[seat] = policy.act(view(game, seat), None, states[seat])
            except StopRun as stop:
                stop.partial = {"decisions": [d.to_json() for d in decisions], "log": game.log_json(0),
                                "llm_calls": _llm_calls(game, states)}
                if loop is not None:
                    loop.close()
                raise
            except Exception as exc:  # noqa: BLE001 - a failing policy must not stop the game
                decisions.append(Decision(game.round, game.phase, scheduler.tick_in_phase, seat, policy.name, None,
                                          False, f"policy error: {exc!r}: {traceback.format_exc(limit=3)}"))
                continue
            calls = states[seat].memory.get("llm_calls", ())
            source = calls[-1].get("source") if len(calls) > calls_before else None
            actions[seat] = action
            if action is not None:
                pending[seat] = Decision(game.round, game.phase, scheduler.tick_in_phase, seat, policy.name,
                                         action.to_message(game.game_id), True, source=source)
            elif source is not None and source != "llm":  # a fallback that does nothing is data too
                decisions.append(Decision(game.round, game.phase, scheduler.tick_in_phase, seat, policy.name, None,
                                          True, source=source))
        outcome = scheduler.step(game, actions, tick_rng)
        for seat, dec in pending.items():
            if seat in outcome.rejected:
                dec.valid = False
                dec.error = f"{outcome.rejected[seat].field}: {outcome.rejected[seat].reason}"
            elif all(seat != s for s, _ in outcome.applied):
                dec.valid = False
                dec.error = "not applied: the phase ended before this seat's turn"
            decisions.append(dec)
        flush()
    flush()
    if loop is not None:
        loop.close()
    meta = spec.meta() | {"policies": {str(s): policies[s].name for s in game.seats},
                          "roles": {str(p.number): ROLE_NAMES[p.role] for p in game.players}}
    record = build_record(game, meta)
    llm_calls = _llm_calls(game, states)
    if llm_calls:
        record["llm_calls"] = [{k: v for k, v in c.items() if k != "telemetry"} for c in llm_calls]
    return GameResult(game=game, record=record, decisions=decisions, llm_calls=llm_calls)


def _llm_calls(game: Game, states: Mapping[int, PolicyState]) -> list[dict[str, Any]]:
    """The LLM call rows of all seats in game order."""
    return sorted((c for s in game.seats for c in states[s].memory.get("llm_calls", ())),
                  key=lambda c: (c["round"], c["phase"], c["step"], c["seat"]))


async def _decide_all(game: Game, deciders: list[int], policies: Mapping[int, Policy],
                      states: Mapping[int, PolicyState]) -> dict[int, Any]:
    """Every decider's ``(action, state)`` (or its exception), asked concurrently; views taken before any call."""

    async def one(seat: int, seat_view: Any) -> Any:
        policy = policies[seat]
        act_async = getattr(policy, "act_async", None)
        if callable(act_async):
            return await act_async(seat_view, None, states[seat])
        return policy.act(seat_view, None, states[seat])

    views = {s: view(game, s) for s in deciders}
    results = await asyncio.gather(*(one(s, views[s]) for s in deciders), return_exceptions=True)
    return dict(zip(deciders, results, strict=True))
