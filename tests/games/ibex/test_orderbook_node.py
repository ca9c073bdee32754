"""The order book against the lab server's own code: odd ``quantity`` and ``now`` values (compat="server").

``fixtures/orderbook_node.json`` is what the lab server's Harberger phase 6 (its ``post-order`` handler,
``fulfillOrder`` and ``transferShares``) did with each scenario's orders, run under node by
``fixtures/make_orderbook_fixture.mjs``. The engine plays the same orders from the same wallets and must
send the same events and end with the same wallets and book, including what JavaScript's ``+`` does with a
string quantity: the buyer's share count becomes the string ``"51"``, because the server adds the order's own
``quantity`` (``shares += quantity``) rather than a ``Math.min`` of it, and a ``now`` that is truthy but not
``true`` skips the "no matching offers" check (``now === true``) while matching as a market order (``!now``).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from econlab.games.ibex import from_message

from ._helpers import to_market, wire_data
from .test_compat_server import server

FIXTURE = json.loads((Path(__file__).parent / "fixtures" / "orderbook_node.json").read_text(encoding="utf-8"))
BOOK_EVENTS = {"add-order", "update-order", "delete-order", "asset-movement", "contract-fulfilled", "order-refused",
               "error"}


def _num(x):  # noqa: ANN001, ANN202 - JSON numbers: the engine keeps floats, JSON.stringify writes integers
    if isinstance(x, float) and x == int(x):
        return int(x)
    if isinstance(x, dict):
        return {k: _num(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_num(v) for v in x]
    return x


@pytest.mark.parametrize("name", sorted(FIXTURE["scenarios"]))
def test_engine_order_book_matches_the_lab_server(name: str) -> None:
    case = FIXTURE["scenarios"][name]
    game = server()
    to_market(game)
    start = FIXTURE["start"]
    for seat in FIXTURE["seats"]:
        wallet = game.by_seat[seat].wallet[0]
        wallet.balance, wallet.shares = start["balance"], start["shares"]
    events = []
    for seat, order in case["orders"]:
        message = {"gameId": game.game_id, "type": "post-order", "order": dict(order, condition=0)}
        events += [e for e in game.apply(seat, from_message(message)) if e.kind in BOOK_EVENTS]
    got = [{"kind": e.kind, "to": e.to, "data": _num(wire_data(e))} for e in events]
    want = [dict(e, data=_num(e["data"])) for e in case["events"]]
    assert got == want
    for seat, w in case["wallets"].items():
        wallet = game.by_seat[int(seat)].wallet[0]
        assert (_num(wallet.balance), _num(wallet.shares)) == (w["balance"], w["shares"]), seat
    book = [_num(o.to_json()) for o in game.books[0].orders]
    assert book == case["book"]


def test_the_fixture_holds_the_string_share_count_of_the_lab_server() -> None:
    case = FIXTURE["scenarios"]["string-quantity-bid-fills-numeric-ask"]
    assert case["wallets"]["3"]["shares"] == "51"  # 5 + "1" in JavaScript
    assert len(FIXTURE["scenarios"]) >= 14
