"""The tax-share market phase (phase 6) of Harberger and Futarchy: orders, cancels and the books.

A mixin of :class:`~econlab.games.ibex.harberger.Harberger`: Harberger opens one book (the winning
condition), Futarchy overrides the entry and exit to open both. Matching lives in
:mod:`econlab.games.ibex.orderbook`; this module validates orders (strict mode) or answers them like the
lab server (server mode) and applies them to the sender's wallet copy of the book's condition.
"""

from __future__ import annotations

import math
from typing import Any

from econlab.games.ibex import jsnum as js
from econlab.games.ibex import orderbook as ob
from econlab.games.ibex.actions import CancelOrder, PostOrder
from econlab.games.ibex.engine import Game
from econlab.games.ibex.errors import HandlerCrash
from econlab.games.ibex.state import Player, Wallet


class MarketPhase(Game):
    """Phase 6 of the Harberger and Futarchy games (see the module docstring)."""

    books: dict[int, ob.Book]
    market_conditions: tuple[int, ...]

    def _open_market(self, conditions: tuple[int, ...]) -> None:
        self.market_conditions = conditions
        self.books = {c: ob.Book(condition=c) for c in conditions}

    def _enter_6(self) -> None:
        self._text("info", "The trading phase has started")
        assert self.winning_condition is not None
        self._open_market((self.winning_condition,))

    def _order_condition(self, player: Player, condition: Any) -> int | None:
        """The book an order names, or ``None`` after answering an invalid condition."""
        w = self.winning_condition
        if self.strict:
            if isinstance(condition, bool) or not isinstance(condition, int) or condition not in self.books:
                self._reject(player, "order.condition",
                             f"{condition!r} has no open book; open: {sorted(self.books)}")
            return condition
        if not js.loose_eq(condition, w):
            self._text("error", f"Game {self.game_id}: wrong condition: {js.to_string(condition)}. "
                                f"Should be the winning condition: {w}", player.number)
            return None
        return w

    def _on_post_order(self, player: Player, action: PostOrder) -> None:
        if not action.has_order:
            if self.strict:
                self._reject(player, "order", "missing")
            self._text("error", f"Game {self.game_id}: the order is null", player.number)
            return
        c = self._order_condition(player, action.condition)
        if c is None:
            return
        book, wallet = self.books[c], player.wallet[c]
        price, side, now = action.price, action.side, action.now
        if self.strict:
            self._validate_order(player, action, book, wallet)
            self._execute_order(player, c, side, price, action.quantity, bool(now))
            return
        if js.is_nullish(price):
            self._emit("order-refused", {"message": "Order price was not filled.",
                                         "placeholder": "order-price-missing"}, player.number)
            return
        if isinstance(price, bool) or not isinstance(price, int | float):
            price = js.parse_float(price)
        if js.lt(price, 0):
            self._emit("order-refused", {"message": f"Order prices must be non negative. Your price: "
                                                    f"{js.to_string(price)}",
                                         "placeholder": "order-price-negative", "parameters": [price]},
                       player.number)
            return
        if side in ("ask", "bid"):
            refusal = ob.commitment_refusal(book, player.number, side, price, wallet)
            if refusal is not None:
                self._emit("order-refused", refusal, player.number)
                return
        if now is True:
            if side not in ("ask", "bid"):
                raise HandlerCrash("counterparts is undefined")
            if not book.has_counterpart(player.number, side):
                self._emit("order-refused", {"message": "Could not fulfill your order: no matching offers available"},
                           player.number)
                return
        self._execute_order(player, c, side, price, action.quantity, js.truthy(now))

    def _execute_order(self, player: Player, c: int, side: Any, price: Any, quantity: Any, now: bool) -> None:
        book = self.books[c]
        wallets = {p.number: p.wallet[c] for p in self.players}
        remaining, err = ob.match(book, player.number, side, price, quantity, now, wallets, self._events.append)
        if err is not None:
            self._emit("order-refused", {"message": f"Could not fulfill your order: {err}"}, player.number)
        if js.gt(remaining, 0):
            if not now:
                ob.rest(book, player.number, side, price, remaining, self._events.append)
            else:
                placeholder = "could-not-find-bids" if side == "ask" else "could-not-find-asks"
                self._emit("order-refused", {"message": "Could not fulfill your order: undefined",
                                             "placeholder": placeholder}, player.number)

    def _validate_order(self, player: Player, action: PostOrder, book: ob.Book, wallet: Wallet) -> None:
        if action.side not in ("bid", "ask"):
            self._reject(player, "order.type", f"must be 'bid' or 'ask', got {action.side!r}")
        p = action.price
        if isinstance(p, bool) or not isinstance(p, int | float) or not math.isfinite(p):
            self._reject(player, "order.price", f"expected a finite number, got {p!r}")
        if p < 0:
            self._reject(player, "order.price", f"prices must be non-negative, got {p}")
        q = action.quantity
        if isinstance(q, bool) or not isinstance(q, int | float) or q != 1:
            self._reject(player, "order.quantity", f"must be 1, got {q!r}")
        if not isinstance(action.now, bool):
            self._reject(player, "order.now", f"must be true or false, got {action.now!r}")
        refusal = ob.commitment_refusal(book, player.number, action.side, p, wallet)
        if refusal is not None:
            self._reject(player, "order.price" if action.side == "bid" else "order.type",
                         f"{refusal['placeholder']}: {refusal['message']}")
        if action.now and not book.has_counterpart(player.number, action.side):
            self._reject(player, "order.now", "no matching offers available for a market order")

    def _on_cancel_order(self, player: Player, action: CancelOrder) -> None:
        if not action.has_order:
            if self.strict:
                self._reject(player, "order", "missing")
            raise HandlerCrash("message.order is undefined")
        c = self._order_condition(player, action.condition)
        if c is None:
            return
        book = self.books[c]
        order = next((o for o in book.orders if js.strict_eq(o.id, action.order_id)), None)
        if order is None:
            if self.strict:
                self._reject(player, "order.id", f"no resting order {action.order_id!r} in book {c}")
            self._text("error", f"Order not found. {js.to_string(action.order_id)}", player.number)
            return
        if order.sender != player.number:
            if self.strict:
                self._reject(player, "order.id", f"order {order.id} belongs to seat {order.sender}")
            self._text("error", "You cannot delete this order because you did not create it", player.number)
            return
        book.orders.remove(order)
        self._emit("delete-order", {"order": {"id": order.id, "type": order.side, "condition": c}})

    def _close_market(self) -> None:
        self.current.wallets_after_market = {
            p.number: [{"balance": w.balance, "shares": w.shares} for w in p.wallet] for p in self.players
        }
        self.current.medians = [self.books[c].median_last_seven() if c in self.books else None for c in (0, 1)]
        self.current.trades = [t for c in sorted(self.books) for t in self.books[c].trades]

    def _exit_6(self) -> None:
        self._close_market()
