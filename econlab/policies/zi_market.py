"""A zero-intelligence-constrained trader (Gode & Sunder 1993) for the tax-share books.

In each market tick the trader acts with probability ``trade_prob``. It picks one open book
(Harberger: the winning condition's; Futarchy: either, uniformly) and values a share there at its
private signal ``S_c`` (``SeatView.my_signals[c]``, an estimate of the dividend). It then posts, on a
side chosen uniformly among those it can afford:

* a bid uniform on ``[S_c (1 - spread), min(S_c, uncommitted cash)]``, rounded down to whole points;
* an ask uniform on ``[S_c, S_c (1 + spread)]``, rounded up, only while it has uncommitted shares.

So it never bids above, nor asks below, its valuation, and never breaks the book's commitment
limits (the sum of its resting bid prices stays within its cash; its resting asks within its
shares; ``ibex-rules.md`` §6.2 step 6). These limits cannot be broken by other seats' orders in
the same tick: a fill of a resting order changes cash and commitments by the same amount.

With probability ``cancel_prob``, or when it can afford neither side, it cancels a stale order
instead: its least competitive resting order (relative distance from the best price on its side)
among those with at least ``MIN_AHEAD`` (3) strictly better orders of other seats on the same side.
This frees cash or a share for later ticks. The depth rule matters because a cancel is rejected
when another seat's order, applied earlier in the same tick, has filled the target: every incoming
order takes one resting order (quantity 1), so the target can only go if several crossing orders
arrive in the tick and take the better ones first (with one better order required, about 0.05 % of
the trader's actions among ``random`` traders were such rejections; with three, none in 150 games).
Market (``now``) orders are never used.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from econlab.games.ibex.actions import Action, CancelOrder, PostOrder
from econlab.games.ibex.view import SeatView
from econlab.policies import viewtools as vt

#: better-priced orders of other seats needed before an order counts as stale (see :func:`stale_order`)
MIN_AHEAD = 3


def stale_order(view: SeatView, condition: int, min_ahead: int = MIN_AHEAD) -> dict[str, Any] | None:
    """The seat's least competitive resting order with ``min_ahead`` better orders of others, or ``None``.

    "Better" is a strictly better price on the same side (higher bid, lower ask) from another seat;
    the better orders are what an incoming order of the same tick would take first.
    """
    book = view.book.get(condition, [])
    candidates: list[tuple[float, int, dict[str, Any]]] = []
    for o in vt.my_orders(view, condition):
        side, price = o.get("type"), float(o["price"])
        sign = 1.0 if side == "bid" else -1.0
        ahead = sum(1 for x in book if x.get("type") == side and x.get("sender") != view.seat
                    and sign * (float(x["price"]) - price) > 0)
        best = vt.best_price(view, condition, str(side))
        if ahead >= min_ahead and best is not None:
            candidates.append((sign * (best - price) / max(abs(best), 1.0), int(o["id"]), o))
    if not candidates:
        return None
    candidates.sort(key=lambda t: (-t[0], t[1]))
    return candidates[0][2]


def zi_action(view: SeatView, rng: np.random.Generator, *, trade_prob: float, spread: float,
              cancel_prob: float) -> Action | None:
    """One market-tick decision of the ZI-C trader (see the module docstring).

    Args:
        view: The seat's view in the market phase.
        rng: The decision's random generator.
        trade_prob: Probability of acting in a tick.
        spread: Width of the bid and ask price ranges, as a fraction of the valuation.
        cancel_prob: Probability of cancelling a stale order instead of posting.

    Returns:
        A :class:`PostOrder`, a :class:`CancelOrder` or ``None``.
    """
    books = vt.open_books(view)
    if not books or rng.random() >= trade_prob:
        return None
    c = books[int(rng.integers(len(books)))] if len(books) > 1 else books[0]
    value = vt.valuation(view, c)
    lo_bid = value * (1.0 - spread)
    room = vt.bid_room(view, c)
    sides = []
    if room >= lo_bid and value > 0:
        sides.append("bid")
    if vt.ask_room(view, c) > 0:
        sides.append("ask")
    wants_cancel = rng.random() < cancel_prob
    if wants_cancel or not sides:
        old = stale_order(view, c)
        if old is not None:
            return CancelOrder(order_id=int(old["id"]), condition=c)
        if not sides:
            return None
    side = sides[int(rng.integers(len(sides)))] if len(sides) > 1 else sides[0]
    if side == "bid":
        hi = min(value, room)
        price = float(math.floor(rng.uniform(lo_bid, hi))) if hi > lo_bid else float(math.floor(hi))
        price = max(price, 0.0)
    else:
        price = float(math.ceil(rng.uniform(value, value * (1.0 + spread))))
    return PostOrder(side=side, price=price, condition=c, quantity=1, now=False)
