"""The open order books as the seats see them: one pass over the public orders per step, then cheap per-seat facts.

:class:`PublicBook` summarises one open book of a view (``SeatView.book``: the orders as ``add-order``
shows them) once per game state: best prices, and per sender the resting orders, their count per side,
the committed bid cash and the best price. :meth:`PublicBook.info` then gives one seat's
:class:`BookInfo` (own orders, counterpart prices, which orders it may post) without another pass over
the orders. The legality checks are those of :func:`econlab.games.ibex.orderbook.commitment_refusal`, with
the same JavaScript arithmetic.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from econlab.games.ibex import jsnum as js

_NUM = (int, float)


def num(x: Any) -> float:
    """A JSON/JS value as a finite float (``NaN``, infinities, ``null`` and strings that are no number: 0)."""
    t = type(x)
    if t is int:
        return float(x)
    if t is float:
        return x if x - x == 0.0 else 0.0
    v = js.to_number(x) if x is not None else 0.0
    return v if math.isfinite(v) else 0.0


def _order_id(o: dict[str, Any]) -> float:
    return num(o["id"])


@dataclass(slots=True)
class BookInfo:
    """What one seat can do in one open book.

    Attributes:
        condition: The book's condition.
        best_bid: Highest resting bid (any seat) or ``None``.
        best_ask: Lowest resting ask (any seat) or ``None``.
        counter_bid: Highest resting bid of another seat (what a market ask sells to) or ``None``.
        counter_ask: Lowest resting ask of another seat (what a market bid buys from) or ``None``.
        own: The seat's own resting orders (``add-order`` dicts), sorted by id.
        can_bid / can_ask / can_market_bid / can_market_ask: legality (cash and share commitments,
            counterparts), with a limit bid checked at price 0.
    """

    condition: int
    best_bid: float | None = None
    best_ask: float | None = None
    counter_bid: float | None = None
    counter_ask: float | None = None
    own: list[dict[str, Any]] = field(default_factory=list)
    can_bid: bool = False
    can_ask: bool = False
    can_market_bid: bool = False
    can_market_ask: bool = False


def _top_two(best: dict[Any, float], high: bool) -> tuple[Any, float | None, float | None]:
    """The sender with the best price, its price, and the best price of any other sender."""
    if not best:
        return None, None, None
    ranked = sorted(best.items(), key=lambda kv: kv[1], reverse=high)
    return ranked[0][0], ranked[0][1], ranked[1][1] if len(ranked) > 1 else None


class PublicBook:
    """One open book at one game state, summarised for every seat (see the module docstring)."""

    __slots__ = ("_ask", "_bid", "best_ask", "best_bid", "committed", "condition", "n_asks", "n_bids", "own", "row")

    def __init__(self, condition: int, orders: Sequence[dict[str, Any]], price_scale: float) -> None:
        """Summarise ``orders`` (the book's resting orders in book order) of ``condition``.

        Args:
            condition: The book's condition.
            orders: Its resting orders as ``add-order`` shows them, in book order.
            price_scale: The price scale ``P`` of the ``book`` observation.
        """
        self.condition = condition
        self.own: dict[Any, list[dict[str, Any]]] = {}
        self.n_bids: dict[Any, int] = {}
        self.n_asks: dict[Any, int] = {}
        self.committed: dict[Any, Any] = {}
        bids: dict[Any, float] = {}
        asks: dict[Any, float] = {}
        for o in orders:
            sender, side, price = o["sender"], o["type"], o["price"]
            p = num(price)
            mine = self.own.get(sender)
            if mine is None:
                self.own[sender] = [o]
            else:
                mine.append(o)
            if side == "bid":
                self.n_bids[sender] = self.n_bids.get(sender, 0) + 1
                self.committed[sender] = js.add(self.committed.get(sender, 0), price)
                if sender not in bids or p > bids[sender]:
                    bids[sender] = p
            elif side == "ask":
                self.n_asks[sender] = self.n_asks.get(sender, 0) + 1
                if sender not in asks or p < asks[sender]:
                    asks[sender] = p
        self._bid = _top_two(bids, high=True)
        self._ask = _top_two(asks, high=False)
        self.best_bid: float | None = self._bid[1]
        self.best_ask: float | None = self._ask[1]
        bb, ba = self.best_bid, self.best_ask
        #: the public part of the seat's ``book`` row: best bid / P, best ask / P, has bid, has ask
        self.row = ((bb or 0.0) / price_scale, (ba or 0.0) / price_scale, float(bb is not None), float(ba is not None))

    def own_counts(self, seat: int) -> tuple[int, int]:
        """``(own bids, own other orders)`` of ``seat``, as the ``book`` observation counts them."""
        mine = self.own.get(seat)
        if not mine:
            return 0, 0
        bids = self.n_bids.get(seat, 0)
        return bids, len(mine) - bids

    def info(self, seat: int, wallet: dict[str, Any] | None) -> BookInfo:
        """The :class:`BookInfo` of ``seat`` holding ``wallet`` (``SeatView.wallet[condition]``).

        Args:
            seat: The seat.
            wallet: Its wallet of this condition as its view shows it (``balance``, ``shares``), or
                ``None`` when the view shows none (nothing is legal).

        Returns:
            The seat's book facts.
        """
        top, p1, p2 = self._bid
        counter_bid = p2 if top == seat else p1
        top, p1, p2 = self._ask
        counter_ask = p2 if top == seat else p1
        mine = self.own.get(seat)
        own = [] if not mine else mine if len(mine) == 1 else sorted(mine, key=_order_id)
        if wallet is None:
            return BookInfo(self.condition, self.best_bid, self.best_ask, counter_bid, counter_ask, own)
        balance, shares = wallet["balance"], wallet["shares"]
        committed = self.committed.get(seat, 0)
        n_asks = self.n_asks.get(seat, 0)
        if type(balance) in _NUM and type(shares) in _NUM and type(committed) in _NUM:
            # the JavaScript comparisons below, on plain numbers
            cash = float(balance)
            can_bid = not cash < committed
            can_ask = not float(shares) <= n_asks
            can_mb = counter_ask is not None and not cash - counter_ask < committed
        else:
            can_bid = not js.lt(js.sub(balance, 0), committed)
            can_ask = not js.le(shares, n_asks)
            can_mb = counter_ask is not None and not js.lt(js.sub(balance, counter_ask), committed)
        return BookInfo(self.condition, self.best_bid, self.best_ask, counter_bid, counter_ask, own,
                        can_bid, can_ask, can_mb, counter_bid is not None and can_ask)
