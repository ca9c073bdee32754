"""Reading a :class:`~econlab.games.ibex.view.SeatView`: the helpers every scripted policy shares.

Policies see the game only through the view (never the ``Game``). These helpers name the decision
the seat faces now, read the value ranges (``boundaries``) of a role and condition, the published
declarations, and the seat's own orders and commitment limits in a book (the same arithmetic as
:func:`econlab.games.ibex.orderbook.commitment_refusal`, replicated from the view's ``book`` and ``wallet``).
"""

from __future__ import annotations

import math
from typing import Any, Literal

from econlab.games.ibex.params import DEVELOPER, OWNER, SPECULATOR
from econlab.games.ibex.view import SeatView

Decision = Literal["declare1", "declare2", "snipe1", "snipe2", "market", "request", "offer", "vote", "chat"]

#: keys of ``SeatView.boundaries[role]`` per condition index
CONDITION_KEYS = ("noProject", "projectA")
ROLE_KEYS = {DEVELOPER: "developer", OWNER: "owner"}


def decision(view: SeatView) -> Decision | None:
    """The decision the seat faces now, or ``None`` when it has nothing to decide.

    Phase 0 (ready) and the signals phase's ``complete-current-phase`` belong to the scheduler, so
    they are never a policy's decision. A decision already taken this phase (a declaration, a
    snipe, a request, a vote) also gives ``None``.
    """
    acc = set(view.accepted)
    if view.over or not acc:
        return None
    if "declare" in acc and view.role in (OWNER, DEVELOPER) and view.my_declaration is None:
        return "declare1" if view.phase <= 2 else "declare2"
    if "done-speculating" in acc and view.role == SPECULATOR and not view.done_speculating:
        return "snipe1" if view.phase <= 3 else "snipe2"
    if "post-order" in acc or "cancel-order" in acc:
        return "market"
    if "compensation-request" in acc and view.role == OWNER and view.my_request is None:
        return "request"
    if "compensation-offer" in acc and view.role == DEVELOPER and view.offer is None:
        return "offer"
    if "compensation-decision" in acc and view.role == OWNER and view.my_vote is None:
        return "vote"
    if "chat-with-players" in acc:
        return "chat"
    return None


def bounds(view: SeatView, role: int, condition: int) -> tuple[float, float]:
    """The ``(low, high)`` value range of a holder role (developer or owner) under ``condition``."""
    b = view.boundaries[ROLE_KEYS[role]][CONDITION_KEYS[condition]]
    return float(b["low"]), float(b["high"])


def cap(view: SeatView, role: int, condition: int) -> float:
    """The largest declaration the rules accept: twice the range's high (``ibex-rules.md`` §4.4)."""
    return 2.0 * bounds(view, role, condition)[1]


def true_values(view: SeatView) -> tuple[float, float]:
    """The seat's own true values ``(v0, v1)`` (holders only)."""
    if view.my_values is None:
        raise ValueError(f"seat {view.seat} ({view.role_name}) has no lot values in phase {view.phase}")
    return float(view.my_values[0]), float(view.my_values[1])


def published(view: SeatView, second: bool) -> list[dict[str, Any]]:
    """The published declarations ``[{lot, seat, role, d: [d0, d1]}]`` (first or second round)."""
    return view.second_declarations if second else view.first_declarations


def declared(entry: dict[str, Any], condition: int) -> float | None:
    """The declared value of one published entry under ``condition`` (``None`` when not a number)."""
    d = entry.get("d")
    if not isinstance(d, list) or condition >= len(d):
        return None
    x = d[condition]
    if isinstance(x, bool) or not isinstance(x, int | float) or not math.isfinite(x):
        return None
    return float(x)


def snipe_conditions(view: SeatView) -> tuple[int, ...]:
    """Conditions under which a snipe counts now: the winning one, or both in Futarchy's phase 3."""
    if view.winning_condition is None:
        return (0, 1)
    return (int(view.winning_condition),)


def open_books(view: SeatView) -> list[int]:
    """Conditions whose book is open (Harberger: the winning one; Futarchy: both)."""
    return sorted(int(c) for c in view.book)


def my_orders(view: SeatView, condition: int, side: str | None = None) -> list[dict[str, Any]]:
    """The seat's resting orders in the book of ``condition`` (one side or both)."""
    return [o for o in view.book.get(condition, [])
            if o.get("sender") == view.seat and (side is None or o.get("type") == side)]


def bid_room(view: SeatView, condition: int) -> float:
    """Cash not yet committed to resting bids: the largest bid price the book accepts now."""
    wallet = view.wallet.get(condition)
    if wallet is None:
        return 0.0
    committed = sum(float(o["price"]) for o in my_orders(view, condition, "bid"))
    return float(wallet["balance"]) - committed


def ask_room(view: SeatView, condition: int) -> int:
    """Shares not yet committed to resting asks: how many more asks the book accepts now."""
    wallet = view.wallet.get(condition)
    if wallet is None:
        return 0
    return int(wallet["shares"]) - len(my_orders(view, condition, "ask"))


def best_price(view: SeatView, condition: int, side: str) -> float | None:
    """Best resting price on ``side`` in a book (highest bid / lowest ask), any sender."""
    prices = [float(o["price"]) for o in view.book.get(condition, []) if o.get("type") == side]
    if not prices:
        return None
    return max(prices) if side == "bid" else min(prices)


def has_counterpart(view: SeatView, condition: int, side: str) -> bool:
    """Whether another seat rests an order on the side opposite to ``side`` (needed by ``now`` orders)."""
    other = "ask" if side == "bid" else "bid"
    return any(o.get("type") == other and o.get("sender") != view.seat for o in view.book.get(condition, []))


def dividend_scale(view: SeatView, condition: int) -> float:
    """A plausible share dividend for ``condition`` when no signal is known yet.

    The truthful dividend is ``sum of values * tau2 / 10000``; with values unknown, the range mid of
    each lot stands in (one developer, the other lots owners).
    """
    n_holders = sum(1 for p in view.players if p["role"] in (OWNER, DEVELOPER))
    mid_dev = sum(bounds(view, DEVELOPER, condition)) / 2
    mid_own = sum(bounds(view, OWNER, condition)) / 2
    tau2 = float(view.tax_rate_final if view.tax_rate_final is not None else 33)
    return (mid_dev + (n_holders - 1) * mid_own) * tau2 / 10000


def valuation(view: SeatView, condition: int) -> float:
    """The seat's estimate of one share's dividend in ``condition``: its private signal if known.

    Falls back to the public signal, then to :func:`dividend_scale`.
    """
    for source in (view.my_signals, view.public_signal):
        if source is not None and condition < len(source):
            x = source[condition]
            if isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x) and x > 0:
                return float(x)
    return dividend_scale(view, condition)


def owners(view: SeatView) -> list[int]:
    """Seats of the owners, in seat order."""
    return [int(p["number"]) for p in view.players if p["role"] == OWNER]


def amount(x: Any) -> float:
    """A request or offer entry as a number (``None`` and non-numbers count as 0, as the server does)."""
    if isinstance(x, bool) or not isinstance(x, int | float) or not math.isfinite(x):
        return 0.0
    return float(x)
