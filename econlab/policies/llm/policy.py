"""The ``llm`` policy: a seat played by a language model through an :class:`LLMSession`.

``act_async`` is the main path (the runner gathers all deciding seats of a tick concurrently);
``act`` runs the same coroutine on the session's own event loop for synchronous callers. The
seat's call rows are kept in its :class:`~econlab.policies.base.PolicyState` (``calls``, one
row per decision), from where the driver puts them into the game record.

Fallbacks (after ``max_repairs`` invalid answers, an unreachable model or an exhausted budget):
declarations, snipes, requests, offers and votes take the ``truthful`` policy's action (true
values, no snipe, request the own loss, offer the pivotal request if profitable, vote the own
payoff); in the market and the chat the seat does nothing.

With ``market_every = k > 1`` (the ``local`` backend's default is 5) the seat is asked for a market
move only at the 1st, (k+1)-th, ... tick of each market phase and waits (no call, no action) at the
others; the count lives in the state.
"""

from __future__ import annotations

from econlab.games.ibex.actions import Action
from econlab.games.ibex.view import SeatView
from econlab.policies import viewtools as vt
from econlab.policies.base import PolicyState
from econlab.policies.llm.session import LLMSession


class LLMPolicy:
    """A seat played by a language model (module docstring)."""

    def __init__(self, session: LLMSession, persona: str | None = None) -> None:
        self.session = session
        self.persona = session.persona(persona or session.config.persona)

    @property
    def name(self) -> str:
        """The spec of this policy (``llm:persona=...``)."""
        return f"llm:persona={self.persona.name}"

    def initial_state(self, seat: int, seed: int) -> PolicyState:
        """A fresh state for ``seat``."""
        return PolicyState(seat=seat, seed=seed)

    async def act_async(self, view: SeatView, state: PolicyState) -> tuple[Action | None, PolicyState]:
        """Ask the model for the seat's current decision (see the module docstring)."""
        every = self.session.config.effective_market_every()
        if every > 1 and vt.decision(view) == "market":
            phase = [view.round, view.phase]
            seen = state.memory.get("market_ticks")
            count = seen[2] if seen and seen[:2] == phase else 0
            state = state.next(market_ticks=phase + [count + 1])
            if count % every:
                return None, state
        action, row = await self.session.decide(view, self.persona, state.seed, state.step)
        if row is None:
            return None, state.next()
        return action, state.next(call=row)

    def act(self, view: SeatView, state: PolicyState) -> tuple[Action | None, PolicyState]:
        """The synchronous variant of :meth:`act_async`."""
        return self.session.run_sync(self.act_async(view, state))
