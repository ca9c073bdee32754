"""Actions and the flat wire messages of the lab protocol (ibex-rules.md §9.4-§9.5, ibex-voting.md §8.1)."""

from __future__ import annotations

import pytest

from econlab.games.ibex import (
    CancelOrder,
    Chat,
    CompletePhase,
    Declare,
    Offer,
    PostOrder,
    Ready,
    Request,
    Snipe,
    Vote,
    from_message,
)
from econlab.games.ibex.actions import Unknown
from econlab.games.ibex.jsnum import UNDEFINED

MESSAGES = [
    ({"gameId": 149, "type": "player-is-ready"}, Ready()),
    ({"gameId": 149, "type": "declare", "declaration": [598000, 215000, 0]}, Declare([598000, 215000, 0])),
    ({"gameId": 149, "type": "done-speculating", "snipe": [[4, 2], [1]]}, Snipe([[4, 2], [1]])),
    ({"gameId": 149, "type": "complete-current-phase"}, CompletePhase()),
    ({"gameId": 149, "type": "post-order",
      "order": {"price": 3560, "quantity": 1, "condition": 0, "type": "ask", "now": False}},
     PostOrder(side="ask", price=3560, condition=0, quantity=1, now=False)),
    ({"gameId": 149, "type": "cancel-order", "order": {"id": 4, "condition": 0}},
     CancelOrder(order_id=4, condition=0)),
    ({"gameId": 223, "type": "chat-with-players", "to": [1, 3, 4, 5, 6], "text": "what do you need?"},
     Chat(to=[1, 3, 4, 5, 6], text="what do you need?")),
    ({"gameId": 223, "type": "compensation-request", "compensationRequests": [None, 300000]},
     Request([None, 300000])),
    ({"gameId": 223, "type": "compensation-offer", "compensationOffers": [None, 70000]}, Offer([None, 70000])),
    ({"gameId": 223, "type": "compensation-decision", "compensationDecisions": [1]}, Vote([1])),
]


@pytest.mark.parametrize(("msg", "action"), MESSAGES)
def test_wire_round_trip(msg, action):
    assert from_message(msg) == action
    assert action.to_message(msg["gameId"]) == msg


def test_missing_fields_are_undefined_and_omitted():
    a = from_message({"gameId": 1, "type": "declare"})
    assert a == Declare() and a.declaration is UNDEFINED
    assert a.to_message(1) == {"gameId": 1, "type": "declare"}
    o = from_message({"gameId": 1, "type": "post-order", "order": {"price": 5, "type": "bid", "condition": 0}})
    assert o.quantity is UNDEFINED and o.now is UNDEFINED
    assert o.to_message(1) == {"gameId": 1, "type": "post-order",
                               "order": {"price": 5, "condition": 0, "type": "bid"}}
    n = from_message({"gameId": 1, "type": "post-order"})
    assert n == PostOrder(has_order=False) and n.to_message(1) == {"gameId": 1, "type": "post-order"}
    c = from_message({"gameId": 1, "type": "cancel-order", "order": None})
    assert c == CancelOrder(has_order=False)


def test_tuples_become_lists():
    assert Declare((1, 2)).to_message(1)["declaration"] == [1, 2]
    assert Snipe(([4], (2,))).to_message(1)["snipe"] == [[4], [2]]


@pytest.mark.parametrize("t", ["no-such-message-type", "join", UNDEFINED, None, 5, ["declare"], {"a": 1}])
def test_unknown_types(t):
    msg = {"gameId": 1, "x": 1} if t is UNDEFINED else {"gameId": 1, "type": t, "x": 1}
    a = from_message(msg)
    assert isinstance(a, Unknown)
    assert a.to_message(1) == msg


def test_defaults_of_typed_actions():
    p = PostOrder(side="bid", price=1, condition=0)
    assert p.quantity == 1 and p.now is False and p.has_order
    assert Ready().to_message(7) == {"gameId": 7, "type": "player-is-ready"}
