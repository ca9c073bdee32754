"""The policy protocol: what occupies a seat.

A policy is stateless itself; its per-seat memory lives in an explicit :class:`PolicyState` that the
caller keeps and passes back (Melting Pot's ``Policy.step(obs, state)``). Randomness is derived
from the state's seed and step counter, so ``act`` has no side effects and a game replays exactly.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Protocol, runtime_checkable

import numpy as np

from econlab.game.actions import Action
from econlab.game.view import SeatView


@dataclass(frozen=True)
class PolicyState:
    """Per-seat policy memory.

    Attributes:
        seat: The seat the policy occupies.
        seed: Seed of the policy's randomness for this seat and game.
        step: Number of decisions taken so far (advances the random stream).
        memory: Anything else the policy wants to remember (must be picklable).
    """

    seat: int
    seed: int
    step: int = 0
    memory: dict[str, Any] = field(default_factory=dict)

    def rng(self) -> np.random.Generator:
        """The generator for the current decision (a pure function of seed, seat and step)."""
        return np.random.default_rng([self.seed, self.seat, self.step])

    def next(self, **memory: Any) -> PolicyState:
        """The state after one decision, with ``memory`` updated."""
        merged = dict(self.memory)
        merged.update(memory)
        return replace(self, step=self.step + 1, memory=merged)


class StopRun(Exception):  # noqa: N818 - a stop, not an error of the policy
    """A policy asks to stop the whole run cleanly (e.g. the LLM budget is spent and ``on_budget: stop``).

    The game runner does not treat it as the seat's error: it lets it through with what was played so far
    (``partial``: the decisions and LLM calls), so that the caller writes an incomplete, resumable record.

    Attributes:
        reason: Short machine-readable reason (``budget``).
        partial: Filled in by the runner: ``{"decisions": [...], "llm_calls": [...], "log": [...]}``.
    """

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.partial: dict[str, Any] = {}


@runtime_checkable
class Policy(Protocol):
    """Chooses the action of one seat from what the seat may know."""

    name: str

    def initial_state(self, seat: int, seed: int) -> PolicyState:
        """The state at the start of a game."""
        ...

    def act(self, view: SeatView, obs: Any, state: PolicyState) -> tuple[Action | None, PolicyState]:
        """The action to take now (``None`` for none) and the new state.

        Args:
            view: What the seat may know (``econlab.game.view``).
            obs: The env's observation when the policy runs inside the env (RL policies), else ``None``.
            state: The policy state from the previous call.
        """
        ...


class ScriptedPolicy:
    """Mixin of the scripted policies: registry name and a fresh seeded state per seat."""

    @property
    def name(self) -> str:
        """The registry spec of this policy (name and non-default parameters)."""
        from econlab.policies.registry import spec_of

        return spec_of(self)

    def initial_state(self, seat: int, seed: int) -> PolicyState:
        """A fresh state for ``seat``."""
        return PolicyState(seat=seat, seed=seed)
