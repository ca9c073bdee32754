"""THE game loop: every consumer moves a game forward through one :class:`Driver`.

The consumers: the runner, the PettingZoo env, the focal-seat wrapper, the lock-step server, the
client and the replays.

The engine of a game applies one action at a time, like a lab server; the driver groups decisions
into ticks using the game's phase kinds (:class:`~econlab.core.game.PhaseKind`):

* phases where nobody decides (automatic phases, or no seat may act) pass without a tick, through
  :meth:`GameDef.pass_phase`;
* a decision phase is one tick in which every decider submits at once, then the phase ends;
* a multi-tick phase is ``ticks[option]`` ticks (``market_ticks``, ``chat_ticks``, ...); a count of 0
  skips the phase; in each tick every seat may send at most one action.

Within a tick, actions are applied in an order drawn from the driver's tick generator, which is
derived from the game's seed in one place (:func:`tick_rng`), so the same seed gives the same game in
every consumer. An action the rules reject is recorded with its reason and the others still apply; an
action whose phase ended earlier in the tick is skipped.

Policies (:mod:`econlab.core.policy`) are asked through :meth:`Driver.decide`: synchronous ones in
seat order, asynchronous ones (``act_async``) concurrently on one event loop. A policy that raises
loses that action only (the error is recorded); :class:`~econlab.core.policy.StopRun` stops the game
with what was played so far in its ``partial``.
"""

from __future__ import annotations

import asyncio
import traceback
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from econlab.core.game import GameDef, PhaseKind
from econlab.core.policy import Policy, PolicyState, StopRun, is_async

#: the second word of the tick generator's seed: keeps the tick order apart from the game's own draws
TICK_STREAM = 7


def tick_rng(seed: int) -> np.random.Generator:
    """The generator of the order of actions within ticks for a game seeded ``seed`` (one place)."""
    return np.random.default_rng([seed, TICK_STREAM])


@dataclass
class TickOutcome:
    """What one tick did: the events, the applied actions and the rejected or skipped ones."""

    events: list[Any] = field(default_factory=list)
    #: seat -> the rules' exception (it has ``field`` and ``reason``)
    rejected: dict[int, Any] = field(default_factory=dict)
    applied: list[tuple[int, Any]] = field(default_factory=list)
    #: seats whose action was not applied because the phase ended earlier in the tick
    skipped: list[int] = field(default_factory=list)


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
    #: who decided: ``llm`` / ``fallback:<reason>`` for LLM seats; ``None``: the policy itself (``policy``)
    source: str | None = None

    def to_json(self) -> dict[str, Any]:
        """Plain data."""
        return {"round": self.round, "phase": self.phase, "tick": self.tick, "seat": self.seat, "policy": self.policy,
                "source": self.source or self.policy, "action": self.action, "valid": self.valid,
                "error": self.error}


@dataclass
class Decided:
    """The outcome of :meth:`Driver.decide`: actions to apply and the decision records awaiting the tick."""

    actions: dict[int, Any] = field(default_factory=dict)
    #: decisions whose validity the tick settles (seat -> record)
    pending: dict[int, Decision] = field(default_factory=dict)
    #: decisions already final (a failing policy, a fallback that does nothing)
    final: list[Decision] = field(default_factory=list)


@dataclass
class RoundReward:
    """The rewards of one finished round."""

    round: int
    #: seat -> reward in the game's reward unit
    rewards: dict[int, float]
    #: seat -> the payoff as the rules computed it (points, exact numbers)
    raw: dict[int, Any]


class Driver:
    """Moves one game state forward tick by tick (see the module docstring)."""

    def __init__(self, game: GameDef, state: Any, *, seed: int, ticks: Mapping[str, int] | None = None,
                 order_rng: np.random.Generator | None = None) -> None:
        """Wrap a fresh (unstarted) or started ``state`` of ``game``.

        Args:
            game: The game definition.
            state: Its state.
            seed: The game's seed; the tick order is drawn from :func:`tick_rng` of it.
            ticks: Tick counts of multi-tick phases (defaults: ``game.tick_options``).
            order_rng: Replace the tick-order generator (a resumed server restores its own).

        Raises:
            ValueError: An unknown tick option or a negative count.
        """
        self.game = game
        self.state = state
        self.seed = seed
        unknown = sorted(set(ticks or {}) - set(game.tick_options))
        if unknown:
            raise ValueError(f"game {game.name!r} has no tick option {', '.join(unknown)}; "
                             f"options: {', '.join(sorted(game.tick_options)) or 'none'}")
        self.ticks: dict[str, int] = dict(game.tick_options) | dict(ticks or {})
        for name, count in self.ticks.items():
            if isinstance(count, bool) or not isinstance(count, int) or count < 0:
                raise ValueError(f"{name} must be a non-negative int, got {count!r}")
        self.order_rng = order_rng if order_rng is not None else tick_rng(seed)
        self.tick_in_phase = 0
        self._rewarded = 0

    # ------------------------------------------------------------------ phases and ticks
    @property
    def over(self) -> bool:
        """Whether the game has ended."""
        return bool(self.state.over)

    def start(self) -> list[Any]:
        """Open the game and pass to its first decision point; returns the events."""
        events = list(self.game.start(self.state))
        return events + self.advance()

    def ticks_in(self) -> int:
        """Ticks of the current phase (1 for a single decision)."""
        phase = self.game.phase_of(self.state)
        return self.ticks[phase.ticks_option] if phase.kind is PhaseKind.MULTI_TICK and phase.ticks_option else 1

    def tick_fraction(self) -> float:
        """Ticks played in this phase / ticks of the phase (0 when the game is over)."""
        return 0.0 if self.over else self.tick_in_phase / max(1, self.ticks_in())

    def deciders(self) -> list[int]:
        """Seats that may act now."""
        return [] if self.over else list(self.game.deciders(self.state))

    def is_decision_point(self) -> bool:
        """Whether the game waits for seats' decisions now."""
        if self.over or self.game.phase_of(self.state).kind is PhaseKind.AUTOMATIC:
            return False
        return self.ticks_in() > 0 and bool(self.deciders())

    def advance(self) -> list[Any]:
        """Pass every phase where nobody decides, stopping at the next decision point or the game's end."""
        events: list[Any] = []
        guard = 0
        while not self.over and not self.is_decision_point():
            guard += 1
            if guard > 100_000:  # a game whose pass_phase never moves would hang every consumer
                raise RuntimeError(f"game {self.game.name!r} does not advance from phase {self.state.phase}")
            events += self.game.pass_phase(self.state)
            self.tick_in_phase = 0
        return events

    def step(self, actions: Mapping[int, Any], raw: Mapping[int, Any] | None = None) -> TickOutcome:
        """Apply one tick of actions (``None``: no action), end the phase when its ticks are spent, advance.

        Args:
            actions: ``{seat: action or None}``.
            raw: ``{seat: the message as received}`` (logged by games that log wire messages).
        """
        out = TickOutcome()
        state, game = self.state, self.game
        start = (state.round, state.phase)
        seats = [s for s in sorted(actions) if actions[s] is not None]
        order = [seats[i] for i in self.order_rng.permutation(len(seats))] if len(seats) > 1 else seats
        for i, seat in enumerate(order):
            if state.over or (state.round, state.phase) != start:
                out.skipped.extend(order[i:])
                break
            action = actions[seat]
            try:
                if raw is not None and seat in raw:
                    out.events += game.apply(state, seat, action, raw[seat])
                else:
                    out.events += game.apply(state, seat, action)
                out.applied.append((seat, action))
            except game.rejection as exc:
                out.rejected[seat] = exc
        if (state.round, state.phase) == start and not state.over:
            self.tick_in_phase += 1
            if self.tick_in_phase >= self.ticks_in():
                out.events += game.pass_phase(state)
                self.tick_in_phase = 0
        else:
            self.tick_in_phase = 0
        out.events += self.advance()
        return out

    # ------------------------------------------------------------------ rewards
    def new_rewards(self) -> list[RoundReward]:
        """The rounds that finished since the last call, with each seat's reward."""
        out: list[RoundReward] = []
        while self._rewarded < self.game.finished_rounds(self.state):
            number, rewards, raw = self.game.round_payoffs(self.state, self._rewarded)
            out.append(RoundReward(number, dict(rewards), dict(raw)))
            self._rewarded += 1
        return out

    # ------------------------------------------------------------------ policies
    def decide(self, policies: Mapping[int, Policy], states: dict[int, PolicyState], *,
               seats: Sequence[int] | None = None, loop: asyncio.AbstractEventLoop | None = None,
               on_error: Callable[[int, Exception], None] | None = None) -> Decided:
        """Ask the policies of the deciding seats (all deciders, or those of ``seats``) for this tick.

        ``states`` is updated in place. A policy that raises loses its action: the error becomes a
        final invalid decision and ``on_error(seat, exc)`` is called (it may raise to stop).
        :class:`StopRun` propagates with ``partial["llm_calls"]`` filled.

        Args:
            policies: ``{seat: policy}`` (seats without one are not asked).
            states: ``{seat: policy state}``.
            seats: Restrict to these seats.
            loop: An event loop for asynchronous policies (without one they are called synchronously).
            on_error: Called for each failing policy.
        """
        deciders = [s for s in self.deciders() if s in policies and (seats is None or s in seats)]
        views = {s: self.game.view(self.state, s) for s in deciders}
        answers: dict[int, Any] = {}
        if loop is not None and any(is_async(policies[s]) for s in deciders):
            answers = loop.run_until_complete(_gather(deciders, views, policies, states))
        out = Decided()
        state = self.state
        for seat in deciders:
            policy = policies[seat]
            calls_before = len(states[seat].calls)
            try:
                if seat in answers:
                    answer = answers[seat]
                    if isinstance(answer, BaseException):
                        raise answer
                    action, states[seat] = answer
                else:
                    action, states[seat] = policy.act(views[seat], states[seat])
            except StopRun as stop:
                stop.partial.setdefault("llm_calls", self.calls(states))
                raise
            except Exception as exc:  # noqa: BLE001 - a failing policy must not stop the game
                out.final.append(Decision(state.round, state.phase, self.tick_in_phase, seat, policy.name, None,
                                          False, f"policy error: {exc!r}: {traceback.format_exc(limit=3)}"))
                if on_error is not None:
                    on_error(seat, exc)
                continue
            calls = states[seat].calls
            source = calls[-1].get("source") if len(calls) > calls_before else None
            out.actions[seat] = action
            if action is not None:
                out.pending[seat] = Decision(state.round, state.phase, self.tick_in_phase, seat, policy.name,
                                             self.game.action_json(state, action), True, source=source)
            elif source is not None and source != "llm":  # a fallback that does nothing is data too
                out.final.append(Decision(state.round, state.phase, self.tick_in_phase, seat, policy.name, None,
                                          True, source=source))
        return out

    @staticmethod
    def settle(decided: Decided, outcome: TickOutcome) -> list[Decision]:
        """The tick's decision records in order, with the validity the tick gave them."""
        applied = {s for s, _ in outcome.applied}
        out = list(decided.final)
        for seat, dec in decided.pending.items():
            if seat in outcome.rejected:
                exc = outcome.rejected[seat]
                dec.valid = False
                dec.error = f"{getattr(exc, 'field', 'action')}: {getattr(exc, 'reason', exc)}"
            elif seat not in applied:
                dec.valid = False
                dec.error = "not applied: the phase ended before this seat's turn"
            out.append(dec)
        return out

    def play_tick(self, policies: Mapping[int, Policy], states: dict[int, PolicyState], *,
                  loop: asyncio.AbstractEventLoop | None = None) -> tuple[TickOutcome, list[Decision]]:
        """Ask every decider's policy, apply the tick and return it with its decision records."""
        decided = self.decide(policies, states, loop=loop)
        outcome = self.step(decided.actions)
        return outcome, self.settle(decided, outcome)

    def calls(self, states: Mapping[int, PolicyState]) -> list[dict[str, Any]]:
        """The telemetry rows of all seats' calls in game order."""
        rows = [c for s in self.state.seats if s in states for c in states[s].calls]
        return sorted(rows, key=lambda c: (c.get("round", 0), c.get("phase", 0), c.get("step", 0), c.get("seat", 0)))


async def _gather(deciders: list[int], views: Mapping[int, Any], policies: Mapping[int, Policy],
                  states: Mapping[int, PolicyState]) -> dict[int, Any]:
    """Every decider's ``(action, state)`` (or its exception), asked concurrently."""

    async def one(seat: int) -> Any:
        policy = policies[seat]
        if is_async(policy):
            return await policy.act_async(views[seat], states[seat])  # type: ignore[attr-defined]
        return policy.act(views[seat], states[seat])

    results = await asyncio.gather(*(one(s) for s in deciders), return_exceptions=True)
    return dict(zip(deciders, results, strict=True))
