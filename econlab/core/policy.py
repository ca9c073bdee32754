"""What occupies a seat: the :class:`Policy` and :class:`AsyncPolicy` protocols and their explicit state.

A policy is stateless itself; its per-seat memory lives in an explicit :class:`PolicyState` that the
caller keeps and passes back (Melting Pot's ``Policy.step(obs, state)``): ``act(view, state) ->
(action, state)``. Randomness is derived from the state's seed and step counter, so ``act`` has no
side effects and a game replays exactly. What a call cost or how it was decided (an LLM's answer or
a fallback) is returned explicitly in the new state's :attr:`PolicyState.calls`, never read from
hidden attributes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Protocol, runtime_checkable

import numpy as np


@dataclass(frozen=True)
class PolicyState:
    """Per-seat policy memory.

    Attributes:
        seat: The seat the policy occupies.
        seed: Seed of the policy's randomness for this seat and game.
        step: Number of decisions taken so far (advances the random stream).
        memory: Anything else the policy wants to remember (must be picklable).
        calls: Telemetry rows of the calls behind the decisions so far (LLM calls: one row per
            decision, with its ``source``: ``llm`` or ``fallback:<reason>``); empty for scripted policies.
    """

    seat: int
    seed: int
    step: int = 0
    memory: dict[str, Any] = field(default_factory=dict)
    calls: tuple[dict[str, Any], ...] = ()

    def rng(self) -> np.random.Generator:
        """The generator for the current decision (a pure function of seed, seat and step)."""
        return np.random.default_rng([self.seed, self.seat, self.step])

    def next(self, call: Mapping[str, Any] | None = None, **memory: Any) -> PolicyState:
        """The state after one decision, with ``memory`` updated and ``call`` (a telemetry row) appended."""
        merged = dict(self.memory)
        merged.update(memory)
        calls = self.calls if call is None else (*self.calls, dict(call))
        return replace(self, step=self.step + 1, memory=merged, calls=calls)


class StopRun(Exception):  # noqa: N818 - a stop, not an error of the policy
    """A policy asks to stop the whole run cleanly (e.g. the LLM budget is spent and ``on_budget: stop``).

    The driver does not treat it as the seat's error: it lets it through with what was played so far
    (``partial``: the decisions and calls; the runner adds the log), so that the caller writes an
    incomplete, resumable record.

    Attributes:
        reason: Short machine-readable reason (``budget``).
        partial: Filled in by the driver and runner: ``{"decisions": [...], "llm_calls": [...], "log": [...]}``.
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

    def act(self, view: Any, state: PolicyState) -> tuple[Any, PolicyState]:
        """The action to take now (``None`` for none) and the new state.

        Args:
            view: What the seat may know (the game's view of the seat).
            state: The policy state from the previous call.
        """
        ...


@runtime_checkable
class AsyncPolicy(Policy, Protocol):
    """A policy that can also decide as a coroutine (LLM seats): the driver gathers a tick's calls."""

    async def act_async(self, view: Any, state: PolicyState) -> tuple[Any, PolicyState]:
        """Like :meth:`Policy.act`, awaited concurrently with the tick's other deciders."""
        ...


def is_async(policy: Any) -> bool:
    """Whether ``policy`` implements :class:`AsyncPolicy`."""
    return isinstance(policy, AsyncPolicy)
