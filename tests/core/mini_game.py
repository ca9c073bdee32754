"""A minimal game written only against the public interface (``econlab.core``): a proof that a game
needs no edit of generic code.

Three seats, ``rounds`` rounds. Each round: a *contribute* decision (an int 0..10 each, one tick),
then a *talk* phase of ``talk_ticks`` ticks in which a seat may post a number, then an automatic
*payout*: every seat gets ``10 - own contribution + 1.5 * mean contribution``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from econlab.core import AUTOMATIC, DECISION, Phase, PhaseKind, PolicyState, Rejected

CONTRIBUTE, TALK, PAYOUT = 0, 1, 2


class Refused(Rejected):
    def __init__(self, field: str, reason: str) -> None:
        super().__init__(reason)
        self.field, self.reason = field, reason


@dataclass
class MiniState:
    rounds: int
    rng: np.random.Generator
    seats: list[int] = field(default_factory=lambda: [1, 2, 3])
    round: int = 1
    phase: int = CONTRIBUTE
    over: bool = False
    given: dict[int, int] = field(default_factory=dict)
    said: list[tuple[int, int]] = field(default_factory=list)
    payoffs: list[dict[int, float]] = field(default_factory=list)
    log: list[dict[str, Any]] = field(default_factory=list)


class MiniGame:
    name = "mini"
    rejection = Refused
    tick_options = {"talk_ticks": 2}

    def new(self, params: dict[str, int], rng: np.random.Generator, **options: Any) -> MiniState:
        return MiniState(rounds=int(params.get("rounds", 2)), rng=rng)

    def start(self, state: MiniState) -> list[Any]:
        return []

    def phase_of(self, state: MiniState) -> Phase:
        return {CONTRIBUTE: DECISION, TALK: Phase(PhaseKind.MULTI_TICK, "talk_ticks"), PAYOUT: AUTOMATIC}[state.phase]

    def deciders(self, state: MiniState) -> list[int]:
        if state.phase == CONTRIBUTE:
            return [s for s in state.seats if s not in state.given]
        return list(state.seats) if state.phase == TALK else []

    def pass_phase(self, state: MiniState) -> list[Any]:
        if state.phase == CONTRIBUTE:
            for s in state.seats:
                state.given.setdefault(s, 0)  # a seat that did not decide gives nothing
            state.phase = TALK
        elif state.phase == TALK:
            state.phase = PAYOUT
        else:
            mean = sum(state.given.values()) / len(state.seats)
            state.payoffs.append({s: 10 - state.given[s] + 1.5 * mean for s in state.seats})
            state.given, state.round, state.phase = {}, state.round + 1, CONTRIBUTE
            state.over = state.round > state.rounds
        return [("phase", state.round, state.phase)]

    def apply(self, state: MiniState, seat: int, action: dict[str, int]) -> list[Any]:
        if state.phase == CONTRIBUTE:
            amount = action.get("give")
            if not isinstance(amount, int) or not 0 <= amount <= 10:
                raise Refused("give", f"must be an int 0..10, got {amount!r}")
            state.given[seat] = amount
        else:
            state.said.append((seat, int(action.get("say", 0))))
        state.log.append({"round": state.round, "phase": state.phase, "seat": seat, "action": dict(action)})
        return [("action", seat)]

    def view(self, state: MiniState, seat: int) -> dict[str, Any]:
        return {"seat": seat, "round": state.round, "phase": state.phase, "said": list(state.said),
                "last_payoff": state.payoffs[-1][seat] if state.payoffs else None}

    def finished_rounds(self, state: MiniState) -> int:
        return len(state.payoffs)

    def round_payoffs(self, state: MiniState, index: int) -> tuple[int, dict[int, float], dict[int, float]]:
        return index + 1, dict(state.payoffs[index]), dict(state.payoffs[index])

    def action_json(self, state: MiniState, action: dict[str, int]) -> dict[str, Any]:
        return dict(action)

    def record(self, state: MiniState, meta: dict[str, Any]) -> dict[str, Any]:
        return {"meta": dict(meta), "log": list(state.log), "payoffs": [dict(p) for p in state.payoffs]}

    def log_since(self, state: MiniState, start: int) -> list[dict[str, Any]]:
        return state.log[start:]

    def log_length(self, state: MiniState) -> int:
        return len(state.log)


@dataclass(frozen=True)
class MiniSpec:
    seed: int = 0
    rounds: int = 2
    talk_ticks: int = 2
    game = "mini"

    def ticks(self) -> dict[str, int]:
        return {"talk_ticks": self.talk_ticks}

    def new_state(self) -> MiniState:
        return MINI.new({"rounds": self.rounds}, np.random.default_rng(self.seed))

    def meta(self) -> dict[str, Any]:
        return {"seed": self.seed, "rounds": self.rounds, "talk_ticks": self.talk_ticks}

    def seat_meta(self, state: MiniState) -> dict[str, Any]:
        return {}


@dataclass(frozen=True)
class Giver:
    """Contributes a random amount (its own seeded stream); in the talk phase says its last gift."""

    name: str = "giver"

    def initial_state(self, seat: int, seed: int) -> PolicyState:
        return PolicyState(seat=seat, seed=seed)

    def act(self, view: dict[str, Any], state: PolicyState) -> tuple[dict[str, int], PolicyState]:
        if view["phase"] == CONTRIBUTE:
            give = int(state.rng().integers(0, 11))
            return {"give": give}, state.next(last=give)
        return {"say": state.memory.get("last", 0)}, state.next()


MINI = MiniGame()
