"""The continuous double auction for tax shares: one book per condition.

Matching follows the lab server (``harberger/phases/6.js``): an incoming order walks the resting
orders of the other side from other senders in price-time priority and trades at the *resting*
price; what is left of a limit order rests with the book's next id, what is left of a ``now``
(market) order is discarded. Funds are not reserved: limits are checked when an order is posted
(against the sender's own resting orders) and again when a trade executes. Validation of the
incoming order belongs to the engine; this module only matches.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from econlab.games.ibex import jsnum as js
from econlab.games.ibex.events import Event
from econlab.games.ibex.state import Wallet

Emit = Callable[[Event], None]


@dataclass
class Order:
    """A resting order."""

    id: int
    sender: int
    price: Any
    quantity: Any
    side: str
    condition: int

    def to_json(self) -> dict[str, Any]:
        """The order as ``add-order`` shows it."""
        return {"id": self.id, "sender": self.sender, "price": self.price, "quantity": self.quantity,
                "type": self.side, "condition": self.condition}


@dataclass
class Book:
    """The order book of one condition, with its trade history."""

    condition: int
    orders: list[Order] = field(default_factory=list)
    next_id: int = 1
    prices: list[Any] = field(default_factory=list)
    trades: list[dict[str, Any]] = field(default_factory=list)

    def median_last_seven(self) -> Any:
        """Median of the last (at most) seven trade prices, or ``None`` without trades."""
        values = self.prices[-7:]
        if not values:
            return None
        values = sorted(values, key=js.to_number)
        half = len(values) // 2
        if len(values) % 2:
            return values[half]
        return js.div(js.add(values[half - 1], values[half]), 2.0)

    def own(self, seat: int, side: str) -> list[Order]:
        """The resting orders of ``seat`` on ``side``."""
        return [o for o in self.orders if o.sender == seat and o.side == side]

    def has_counterpart(self, seat: int, side: str) -> bool:
        """Whether another seat rests an order on the side opposite to ``side``."""
        other = "bid" if side == "ask" else "ask"
        return any(o.side == other and o.sender != seat for o in self.orders)

    def best(self, side: str) -> Any:
        """Best resting price on ``side`` (highest bid / lowest ask), or ``None``."""
        prices = [js.to_number(o.price) for o in self.orders if o.side == side]
        prices = [p for p in prices if p == p]
        if not prices:
            return None
        return max(prices) if side == "bid" else min(prices)


def commitment_refusal(book: Book, seat: int, side: str, price: Any, wallet: Wallet) -> dict[str, Any] | None:
    """The ``order-refused`` payload if posting would exceed the seat's shares or cash, else ``None``.

    Asks count resting asks against shares (orders, not quantities); bids compare the sum of resting
    bid prices plus this price with the cash balance.
    """
    if side == "ask":
        k = len(book.own(seat, "ask"))
        if js.le(wallet.shares, k):
            return {
                "message": f"You have already committed all your shares {js.to_string(wallet.shares)} in other asks. "
                "You can cancel them if you want to publish new ones",
                "placeholder": "no-shares-available",
                "parameters": [wallet.shares],
            }
    elif side == "bid":
        committed: Any = 0
        for o in book.own(seat, "bid"):
            committed = js.add(committed, o.price)
        if js.lt(js.sub(wallet.balance, price), committed):
            remainder = js.sub(wallet.balance, committed)
            return {
                "message": f"You have already committed much of your balance ({js.to_string(committed)}) "
                "in other bids, "
                f"The remainder {js.to_string(remainder)} is not enough to bid {js.to_string(price)}. "
                "You may cancel previous bids to free some of your balance.",
                "placeholder": "no-balance-available",
                "parameters": [committed, remainder, price],
            }
    return None


def match(book: Book, seat: int, side: str, price: Any, quantity: Any, now: bool,
          wallets: Mapping[int, Wallet], emit: Emit) -> tuple[Any, str | None]:
    """Match an incoming order against the book.

    Args:
        book: The book of the order's condition.
        seat: The sender.
        side: ``"bid"`` or ``"ask"``.
        price: The limit price (ignored for ``now`` orders).
        quantity: The quantity (1 in the strict mode).
        now: Whether it is a market order.
        wallets: Each seat's wallet copy for this condition.
        emit: Receives the trade events.

    Returns:
        ``(remaining quantity, error message or None)``; an error means matching aborted and the
        order must not rest.
    """
    if side == "ask":
        counterparts = [o for o in book.orders if o.side == "bid" and o.sender != seat]
        counterparts.sort(key=lambda o: -js.to_number(o.price))
    elif side == "bid":
        counterparts = [o for o in book.orders if o.side == "ask" and o.sender != seat]
        counterparts.sort(key=lambda o: js.to_number(o.price))
    else:
        return js.UNDEFINED, f"Did not understand the order type: {js.to_string(side)}. Must be bid|ask"
    q = quantity
    for nxt in counterparts:
        if not now and (js.lt(nxt.price, price) if side == "ask" else js.gt(nxt.price, price)):
            break
        if js.gt(nxt.quantity, q):
            t, close = q, "update"
        elif js.loose_eq(nxt.quantity, q):
            t, close = q, "delete"
        else:
            t, close = nxt.quantity, "delete-continue"
        seller, buyer = (seat, nxt.sender) if side == "ask" else (nxt.sender, seat)
        err = _transfer(book, seller, buyer, t, nxt.price, wallets, emit)
        if err is not None:
            return js.UNDEFINED, err
        if close == "update":
            nxt.quantity = js.sub(nxt.quantity, t)
            emit(Event("update-order", {"order": {"id": nxt.id, "type": nxt.side, "quantity": nxt.quantity,
                                                   "condition": book.condition}}))
            return 0, None
        book.orders.remove(nxt)
        emit(Event("delete-order", {"order": {"id": nxt.id, "type": nxt.side, "condition": book.condition}}))
        if close == "delete":
            return 0, None
        q = js.sub(q, nxt.quantity)
    return q, None


def _transfer(book: Book, seller: int, buyer: int, quantity: Any, price: Any,
              wallets: Mapping[int, Wallet], emit: Emit) -> str | None:
    ws, wb = wallets[seller], wallets[buyer]
    if js.lt(ws.shares, quantity):
        return (f"Player {seller} (from), does not have the shares to complete the operation: "
                f"{js.to_string(ws.shares)} < {js.to_string(quantity)}")
    total = js.mul(quantity, price)
    if js.lt(wb.balance, total):
        return (f"Player {buyer} (to), does not have the funds to complete the operation: "
                f"{js.to_string(wb.balance)} < {js.to_string(total)}")
    ws.shares = js.sub(ws.shares, quantity)
    ws.balance = js.add(ws.balance, total)
    emit(Event("asset-movement", {"condition": book.condition,
                                  "movement": {"type": "sale", "quantity": quantity, "price": price, "total": total},
                                  "balance": ws.balance, "shares": ws.shares}, seller))
    wb.shares = js.add(wb.shares, quantity)
    wb.balance = js.sub(wb.balance, total)
    emit(Event("asset-movement", {"condition": book.condition,
                                  "movement": {"type": "purchase", "quantity": quantity, "price": price,
                                               "total": total},
                                  "balance": wb.balance, "shares": wb.shares}, buyer))
    book.prices.append(price)
    median = book.median_last_seven()
    book.trades.append({"from": seller, "to": buyer, "price": price, "quantity": quantity,
                        "condition": book.condition, "median": median})
    emit(Event("contract-fulfilled", {"from": seller, "to": buyer, "price": price, "condition": book.condition,
                                      "median": median}))
    return None


def rest(book: Book, seat: int, side: str, price: Any, quantity: Any, emit: Emit) -> Order:
    """Put what is left of a limit order into the book and announce it."""
    order = Order(id=book.next_id, sender=seat, price=price, quantity=quantity, side=side, condition=book.condition)
    book.next_id += 1
    book.orders.append(order)
    emit(Event("add-order", {"order": order.to_json()}))
    return order
