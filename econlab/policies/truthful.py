"""The ``truthful`` baseline: say the truth, never snipe, never trade.

* Lot holders declare their true values ``[v0, v1]`` in both declaration phases (in the second one
  the winning condition's entry is what counts; the other entry is the true value too).
* Speculators send ``Snipe([[], []])``: they finish the speculation phase without a target.
* In the market it does nothing.
* Voting: an owner requests exactly its loss ``[None, max(0, v0 - v1)]``; the developer takes the
  requests at face value and offers the pivotal request if paying it to every owner still leaves it
  a gain (else 0); owners vote their own payoff (``econlab.policies.voting_rules``).
"""

from __future__ import annotations

from dataclasses import dataclass

from econlab.games.ibex.actions import Action, Declare, Snipe
from econlab.games.ibex.view import SeatView
from econlab.policies import viewtools as vt
from econlab.policies import voting_rules as vr
from econlab.policies.base import PolicyState


def truthful_declaration(view: SeatView) -> list[float]:
    """The seat's true values, each kept within the declaration cap (true values never exceed it)."""
    v0, v1 = vt.true_values(view)
    return [min(v0, vt.cap(view, view.role, 0)), min(v1, vt.cap(view, view.role, 1))]


@dataclass(frozen=True)
class Truthful:
    """Declare true values, never snipe, never trade; Voting: request the loss, offer the pivotal loss."""

    @property
    def name(self) -> str:
        """The registry name."""
        return "truthful"

    def initial_state(self, seat: int, seed: int) -> PolicyState:
        """A fresh state for ``seat``."""
        return PolicyState(seat=seat, seed=seed)

    def act(self, view: SeatView, state: PolicyState) -> tuple[Action | None, PolicyState]:
        """The truthful action for the seat's current decision (``None`` when there is none)."""
        d = vt.decision(view)
        action: Action | None = None
        if d in ("declare1", "declare2"):
            action = Declare(truthful_declaration(view))
        elif d in ("snipe1", "snipe2"):
            action = Snipe([[], []])
        elif d in ("request", "offer", "vote"):
            action = vr.voting_action(view, d, request_factor=1.0, offer_factor=1.0, all_or_nothing=True)
        return action, state.next()
