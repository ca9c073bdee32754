"""Voting-treatment rules (requests, the developer's offer, votes) and the ``voting-rational`` policy.

Payoffs (``ibex-voting.md`` §6.1): under No Project every seat gets ``v[0]`` (plus ``offer[0]`` for
owners, which the lab's client never sets); under Project an owner gets ``v[1] + offer[1]`` and the
developer ``v[1] - n_owners * offer[1]``. The project passes when yes votes are at least the no votes
(abstentions excluded, ties to the Project; §5). With every owner voting its own payoff, it passes
iff the offer reaches the *pivotal* loss: the ``ceil(n/2)``-th smallest owner loss (the third of
five, i.e. the median).

* Owner request: ``loss * request_factor`` with ``loss = v0 - v1`` floored at 0 (humans: median
  1.26, ``ibex-voting.md`` §11.3).
* Developer offer: the developer does not know the owners' values. It takes the pivotal request it
  sees (the median of five), times ``offer_factor`` (an estimate of loss / request; the default
  ``1 / 1.26`` inverts the human mark-up), capped so that ``n_owners * offer`` does not exceed its gain
  ``v1 - v0`` (0 when it has no gain).
* Owner vote: yes (``[1]``) iff its payoff under the Project is at least under No Project given the
  offer, i.e. ``offer >= loss``; else no (``[0]``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from econlab.games.ibex.actions import Action, Offer, Request, Vote
from econlab.games.ibex.view import SeatView
from econlab.policies import viewtools as vt
from econlab.policies.base import PolicyState, ScriptedPolicy

HUMAN_REQUEST_FACTOR = 1.26
#: tolerance when rounding amounts that are whole numbers up to floating-point error
_EPS = 1e-6


def owner_loss(view: SeatView) -> float:
    """The owner's loss from the project ``v0 - v1`` (may be negative for an owner who gains)."""
    v0, v1 = vt.true_values(view)
    return v0 - v1


def developer_gain(view: SeatView) -> float:
    """The developer's gain from the project ``v1 - v0``."""
    v0, v1 = vt.true_values(view)
    return v1 - v0


def request_amount(loss: float, factor: float) -> float:
    """``loss * factor`` rounded to whole points (halves up), floored at 0."""
    return float(max(0, math.floor(loss * factor + 0.5)))


def pivotal_rank(n_owners: int) -> int:
    """0-based rank of the pivotal owner in ascending order of losses (``ceil(n/2) - 1``)."""
    return max(0, math.ceil(n_owners / 2) - 1)


def seen_requests(view: SeatView) -> list[float]:
    """The Project entries of the requests the developer sees (defaulted or missing ones count as 0)."""
    out = []
    for entry in view.requests or []:
        req = entry.get("request")
        out.append(vt.amount(req[1]) if isinstance(req, list) and len(req) > 1 else 0.0)
    return out


def pivotal_request(requests: list[float], n_owners: int) -> float:
    """The pivotal request (``ceil(n/2)``-th smallest; the median for an odd number of owners)."""
    if not requests:
        return 0.0
    ordered = sorted(requests)
    return ordered[min(pivotal_rank(n_owners), len(ordered) - 1)]


def offer_amount(view: SeatView, factor: float, *, all_or_nothing: bool = False) -> float:
    """The developer's offer: pivotal request * ``factor``, kept within its gain.

    Args:
        view: The developer's view in the offer phase (it carries the requests).
        factor: Estimated ratio of loss to request.
        all_or_nothing: Offer 0 instead of the capped amount when the estimate costs more than the
            gain (the truthful developer); otherwise offer ``min(estimate, gain / n_owners)``.

    Returns:
        A non-negative whole number of points.
    """
    n = len(vt.owners(view)) or 1
    gain = developer_gain(view)
    if gain <= 0:
        return 0.0
    estimate = float(math.ceil(pivotal_request(seen_requests(view), n) * factor - _EPS))
    estimate = max(estimate, 0.0)
    ceiling = float(math.floor(gain / n + _EPS))
    if estimate <= ceiling:
        return estimate
    return 0.0 if all_or_nothing else ceiling


def vote_choice(view: SeatView) -> list[int]:
    """``[1]`` if the owner's payoff under the Project (with the offer) is at least under No Project, else ``[0]``."""
    v0, v1 = vt.true_values(view)
    offer = view.offer if isinstance(view.offer, list) else []
    o0 = vt.amount(offer[0]) if len(offer) > 0 else 0.0
    o1 = vt.amount(offer[1]) if len(offer) > 1 else 0.0
    return [1] if v1 + o1 >= v0 + o0 else [0]


def voting_action(view: SeatView, decision: str | None, *, request_factor: float, offer_factor: float,
                  all_or_nothing: bool = False) -> Action | None:
    """The Voting action for a request, offer or vote decision (``None`` for anything else)."""
    if decision == "request":
        return Request([None, request_amount(owner_loss(view), request_factor)])
    if decision == "offer":
        return Offer([None, offer_amount(view, offer_factor, all_or_nothing=all_or_nothing)])
    if decision == "vote":
        return Vote(vote_choice(view))
    return None


def _check_factor(name: str, x: Any) -> None:
    if isinstance(x, bool) or not isinstance(x, int | float) or not math.isfinite(x) or x < 0:
        raise ValueError(f"{name} must be a finite number >= 0, got {x!r}")


@dataclass(frozen=True)
class VotingRational(ScriptedPolicy):
    """Voting only: request the marked-up loss, offer the pivotal request within the gain, vote own payoff.

    Owners request ``loss * request_factor``; the developer offers the pivotal request times
    ``offer_factor``, at most its gain divided among the owners; owners vote their own payoff.

    In Harberger and Futarchy it does nothing (returns ``None``; the engine's defaults apply).

    Attributes:
        request_factor: Owners' mark-up on their loss (human median 1.26).
        offer_factor: The developer's estimate of loss / request.
    """

    request_factor: float = HUMAN_REQUEST_FACTOR
    offer_factor: float = 1.0 / HUMAN_REQUEST_FACTOR

    def __post_init__(self) -> None:
        """Validate the parameters."""
        _check_factor("request_factor", self.request_factor)
        _check_factor("offer_factor", self.offer_factor)

    def act(self, view: SeatView, state: PolicyState) -> tuple[Action | None, PolicyState]:
        """Request, offer or vote by the rules above; ``None`` otherwise."""
        action = voting_action(view, vt.decision(view), request_factor=self.request_factor,
                               offer_factor=self.offer_factor)
        return action, state.next()
