"""The tax-share order book (ibex-rules.md §6): priority, resting price, self-trades, commitments, medians."""

from __future__ import annotations

import pytest

from econlab.games.ibex import CancelOrder, from_message
from econlab.games.ibex import orderbook as ob
from econlab.games.ibex.events import Event
from econlab.games.ibex.state import Wallet

from ._helpers import ask, bid, kinds, make_game, of_kind, to_market, wire_data


def new_book():
    return ob.Book(condition=0)


def wallets(**kw):
    return {s: Wallet(*kw.get(f"s{s}", (50000, 5))) for s in range(1, 13)}


def test_price_time_priority_and_resting_price():
    book, ev = new_book(), []
    ob.rest(book, 1, "ask", 105, 1, ev.append)
    ob.rest(book, 3, "ask", 100, 1, ev.append)
    ob.rest(book, 4, "ask", 100, 1, ev.append)
    w = wallets()
    remaining, err = ob.match(book, 7, "bid", 110, 1, False, w, ev.append)
    assert (remaining, err) == (0, None)
    (cf,) = [e for e in ev if e.kind == "contract-fulfilled"]
    assert cf.data["from"] == 3 and cf.data["price"] == 100  # cheapest first, earliest of equals, resting price
    assert w[7].balance == 49900 and w[3].balance == 50100
    assert [o.sender for o in book.orders] == [1, 4]


def test_bids_highest_first():
    book, ev = new_book(), []
    for seat, price in ((1, 90), (3, 95), (4, 95), (5, 80)):
        ob.rest(book, seat, "bid", price, 1, ev.append)
    w = wallets()
    ob.match(book, 7, "ask", 85, 1, False, w, ev.append)
    ob.match(book, 7, "ask", 85, 1, False, w, ev.append)
    ob.match(book, 7, "ask", 85, 1, False, w, ev.append)
    trades = [(e.data["to"], e.data["price"]) for e in ev if e.kind == "contract-fulfilled"]
    assert trades == [(3, 95), (4, 95), (1, 90)]
    remaining, _ = ob.match(book, 7, "ask", 85, 1, False, w, ev.append)
    assert remaining == 1  # 80 < 85: the limit stops it


def test_own_orders_are_skipped_not_cancelled():
    book, ev = new_book(), []
    ob.rest(book, 5, "bid", 100, 1, ev.append)
    remaining, err = ob.match(book, 5, "ask", 90, 1, False, wallets(), ev.append)
    assert (remaining, err) == (1, None)
    ob.rest(book, 5, "ask", 90, 1, ev.append)
    assert [(o.side, o.price) for o in book.orders] == [("bid", 100), ("ask", 90)]  # crossed, both rest
    assert not book.has_counterpart(5, "bid") and book.has_counterpart(6, "bid")


def test_quantity_above_one_update_and_continue():
    book, ev = new_book(), []
    ob.rest(book, 1, "ask", 100, 3, ev.append)
    w = wallets(s1=(60000, 6))
    ob.match(book, 7, "bid", 100, 1, False, w, ev.append)
    (upd,) = [e for e in ev if e.kind == "update-order"]
    assert upd.data == {"order": {"id": 1, "type": "ask", "quantity": 2, "condition": 0}}
    ob.rest(book, 3, "ask", 101, 1, ev.append)
    ev.clear()
    remaining, _ = ob.match(book, 8, "bid", 200, 4, False, w, ev.append)
    assert remaining == 1
    assert [e.kind for e in ev] == ["asset-movement", "asset-movement", "contract-fulfilled", "delete-order"] * 2
    assert w[8].shares == 8 and w[8].balance == 50000 - 200 - 101


def test_execution_check_aborts_and_keeps_failing_order():
    book, ev = new_book(), []
    ob.rest(book, 7, "bid", 30000, 1, ev.append)
    w = wallets(s7=(25000, 5))
    remaining, err = ob.match(book, 3, "ask", 29000, 1, False, w, ev.append)
    assert err == "Player 7 (to), does not have the funds to complete the operation: 25000 < 30000"
    assert [o.sender for o in book.orders] == [7]
    assert w[3].shares == 5 and book.prices == []
    w = wallets(s3=(50000, 0))
    remaining, err = ob.match(book, 3, "ask", 29000, 1, False, w, ev.append)
    assert err == "Player 3 (from), does not have the shares to complete the operation: 0 < 1"


def test_commitment_refusals():
    book, ev = new_book(), []
    w = Wallet(1000, 1)
    assert ob.commitment_refusal(book, 7, "bid", 1000, w) is None
    refusal = ob.commitment_refusal(book, 7, "bid", 1001, w)
    assert refusal["placeholder"] == "no-balance-available" and refusal["parameters"] == [0, 1000, 1001]
    ob.rest(book, 7, "bid", 600, 1, ev.append)
    assert ob.commitment_refusal(book, 7, "bid", 400, w) is None
    assert ob.commitment_refusal(book, 7, "bid", 401, w)["parameters"] == [600, 400, 401]
    assert ob.commitment_refusal(book, 7, "ask", 5, w) is None
    ob.rest(book, 7, "ask", 5, 1, ev.append)
    refusal = ob.commitment_refusal(book, 7, "ask", 5, w)
    assert refusal["placeholder"] == "no-shares-available" and refusal["parameters"] == [1]


@pytest.mark.parametrize(("prices", "median"), [
    ([], None), ([5], 5), ([5, 6], 5.5), ([3, 1, 2], 2), ([1, 2, 3, 4, 5, 6, 7, 100], 5),
    ([10, 0], 5), ([9500, 10000], 9750),
])
def test_median_last_seven(prices, median):
    book = new_book()
    book.prices = list(prices)
    assert book.median_last_seven() == median


def test_ids_per_book_and_best_prices():
    book, ev = new_book(), []
    for seat, side, price in ((1, "ask", 10), (2, "bid", 5), (3, "ask", 9), (4, "bid", 7)):
        ob.rest(book, seat, side, price, 1, ev.append)
    assert [o.id for o in book.orders] == [1, 2, 3, 4]
    assert book.best("bid") == 7 and book.best("ask") == 9 and new_book().best("bid") is None
    assert all(isinstance(e, Event) and e.kind == "add-order" and e.to is None for e in ev)


# ---------------------------------------------------------------------- through the game


def test_id_used_only_when_resting():
    g = make_game("harberger")
    to_market(g)
    g.apply(7, bid(9000))  # id 1
    g.apply(1, ask(8000))  # trades, no id
    ev = g.apply(8, bid(8500))
    assert wire_data(of_kind(ev, "add-order")[0])["order"]["id"] == 2


def test_resting_bid_fails_at_execution_in_strict_mode():
    g = make_game("harberger")
    to_market(g)
    g.apply(7, bid(30000))
    g.apply(1, ask(40000))
    g.apply(7, bid(0, now=True))  # a market bid is checked only against its price 0: spends the cash
    assert g.by_seat[7].wallet[0].balance == 10000
    ev = g.apply(3, ask(29000))
    assert kinds(ev) == ["order-refused"] and ev[0].to == 3
    assert ev[0].data["message"].startswith("Could not fulfill your order: Player 7 (to), does not have the funds")
    assert [(o.sender, o.price) for o in g.books[0].orders] == [(7, 30000)]  # the failing bid stays


def test_market_order_walks_the_book_at_resting_prices():
    g = make_game("harberger", compat="server")
    to_market(g)
    for seat, price in ((1, 9000), (3, 9100), (4, 9200)):
        g.apply(seat, ask(price))
    ev = g.apply(2, from_message({"gameId": 1, "type": "post-order",
                                  "order": {"price": 0, "quantity": 5, "condition": 0, "type": "bid", "now": True}}))
    assert [e.data["price"] for e in of_kind(ev, "contract-fulfilled")] == [9000, 9100, 9200]
    (ref,) = of_kind(ev, "order-refused")
    assert ref.data == {"message": "Could not fulfill your order: undefined", "placeholder": "could-not-find-asks"}
    assert g.books[0].orders == []


def test_resting_orders_are_discarded_at_phase_end():
    g = make_game("harberger")
    to_market(g)
    g.apply(7, bid(100))
    g.timeout()
    assert g.phase == 7
    assert g.by_seat[7].wallet[0].balance == 50000


def test_cancel_broadcasts_delete():
    g = make_game("harberger")
    to_market(g)
    g.apply(7, ask(12000))
    ev = g.apply(7, CancelOrder(order_id=1, condition=0))
    assert [(e.kind, e.to, e.data) for e in ev] == [
        ("delete-order", None, {"order": {"id": 1, "type": "ask", "condition": 0}})]
