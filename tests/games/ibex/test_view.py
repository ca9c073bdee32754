"""What a seat may know (ibex-rules.md §1.6, ibex-voting.md §1.3 and §10 item 10)."""

from __future__ import annotations

import json
from typing import Any

from econlab.games.ibex import Chat, Declare, Offer, Request, Vote
from econlab.games.ibex.view import view

from ._helpers import (
    FIRST_DECLARATIONS,
    SECOND_DECLARATIONS,
    advance_to,
    bid,
    declare_all,
    make_game,
    snipe_all,
)


def numbers_in(x: Any) -> set[float]:
    out: set[float] = set()
    if isinstance(x, dict):
        for v in x.values():
            out |= numbers_in(v)
    elif isinstance(x, list):
        for v in x:
            out |= numbers_in(v)
    elif isinstance(x, int | float) and not isinstance(x, bool):
        out.add(x)
    return out


def test_harberger_timeline_owner_and_speculator():
    g = make_game("harberger")
    assert view(g, 4).my_values is None
    advance_to(g, 1)
    assert view(g, 4).my_values == [560000, 328000]
    assert view(g, 7).my_values is None
    advance_to(g, 2)
    assert view(g, 4).first_declarations == [] and view(g, 4).winning_condition is None
    g.apply(4, Declare([500000, 300000]))
    assert view(g, 4).my_declaration == [500000, 300000]
    assert view(g, 1).first_declarations == []  # not published before phase 3
    declare_all(g, {s: d for s, d in FIRST_DECLARATIONS.items() if s != 4})
    v7 = view(g, 7)
    assert [d["d"] for d in v7.first_declarations] == [FIRST_DECLARATIONS[s] for s in range(1, 7)]
    assert v7.winning_condition == 0 and v7.public_signal is None and v7.my_signals is None
    assert v7.accepted == ["done-speculating"] and view(g, 1).accepted == []
    snipe_all(g, {7: [[4], []], 8: [[4, 2], [1]]})
    assert view(g, 7).first_snipes is None  # shown at the end of phase 4
    advance_to(g, 5)
    v7 = view(g, 7)
    assert v7.public_signal == [9817.5, 0, 0] and v7.my_signals == [10225, 6363]
    assert v7.first_snipes == [{"player": {"number": 7, "role": 1}, "target": {"number": 4, "role": 3},
                                "profit": 15000}]
    assert view(g, 1).first_snipes == []
    advance_to(g, 6)
    g.apply(7, bid(9000))
    assert view(g, 1).book == {0: [{"id": 1, "sender": 7, "price": 9000, "quantity": 1, "type": "bid",
                                    "condition": 0}]}
    assert view(g, 7).wallet == {0: {"balance": 50000, "shares": 5}}
    advance_to(g, 7)
    declare_all(g, {s: [d, 0] for s, d in SECOND_DECLARATIONS.items()})
    assert [d["d"][0] for d in view(g, 9).second_declarations] == [SECOND_DECLARATIONS[s] for s in range(1, 7)]
    snipe_all(g, {10: [[3], []]})
    v10 = view(g, 10)
    assert v10.final_price == 9989.1 and [o["profit"] for o in v10.second_snipes] == [16000]
    g.timeout()
    assert g.over
    assert view(g, 4).my_profits == {1: 460134.6} or abs(view(g, 4).my_profits[1] - 460134.6) < 1e-6


def test_futarchy_condition_known_from_phase_7():
    g = make_game("futarchy")
    advance_to(g, 2)
    declare_all(g, FIRST_DECLARATIONS)
    assert view(g, 7).winning_condition is None
    snipe_all(g, {})
    advance_to(g, 6)
    v = view(g, 7)
    assert v.winning_condition is None and sorted(v.wallet) == [0, 1] and sorted(v.book) == [0, 1]
    assert v.public_signal == [9817.5, 6138.0, 0]
    g.timeout()
    assert view(g, 7).winning_condition == 1  # no trades: Project


def test_owner_view_holds_no_other_private_value():
    others = {482000, 195000, 560000, 328000, 580000, 191000, 465000, 217000, 386000, 820000}
    spec_signals = {10225, 9899, 10471, 10170, 10270, 9887, 9745, 9995, 10283, 10239, 9835}

    def check(g):
        public = numbers_in([d["d"] for d in view(g, 1).first_declarations])  # seats 5, 6 declared their v0
        nums = numbers_in(view(g, 1).to_dict())
        assert not nums & (others - public)
        assert not nums & spec_signals  # seat 1's own signals are 10425 / 6092
        assert {586000, 216000} <= nums

    g = make_game("harberger")
    advance_to(g, 2)
    check(g)
    declare_all(g, FIRST_DECLARATIONS)
    snipe_all(g, {})
    advance_to(g, 5)
    check(g)
    assert {10425, 6092} <= numbers_in(view(g, 1).to_dict())


def test_voting_information():
    g = make_game("voting")
    advance_to(g, 2)
    g.apply(1, Chat(to=[3], text="ask 300k"))
    g.apply(4, Chat(to=[2, 5], text="hello"))
    assert [m["text"] for m in view(g, 3).inbox] == ["ask 300k"]
    assert [m["text"] for m in view(g, 1).inbox] == ["ask 300k"]  # own message
    assert view(g, 6).inbox == []
    advance_to(g, 3)
    g.apply(1, Request([None, 400000]))
    assert view(g, 1).my_request == [None, 400000]
    assert view(g, 2).requests is None  # the developer sees requests only from phase 4
    assert view(g, 3).requests is None
    for s, r in ((3, 310000), (4, 300000), (5, 340000), (6, 300000)):
        g.apply(s, Request([None, r]))
    assert g.phase == 4
    reqs = view(g, 2).requests
    assert [(x["seat"], x["request"]) for x in reqs] == [
        (1, [None, 400000]), (3, [None, 310000]), (4, [None, 300000]), (5, [None, 340000]), (6, [None, 300000])]
    assert view(g, 3).requests is None  # owners never see others' requests
    assert view(g, 3).offer is None
    g.apply(2, Offer([None, 70000]))
    assert view(g, 3).offer == [None, 70000]
    advance_to(g, 6)
    g.apply(1, Vote([0]))
    assert view(g, 1).my_vote == [0] and view(g, 3).my_vote is None
    assert view(g, 2).my_vote is None
    for s in (3, 4, 5, 6):
        g.apply(s, Vote([0]))
    o = view(g, 1).outcome
    assert o["condition"] == 0 and o["tally"] == 5 and o["value"] == 586000
    assert view(g, 2).outcome["value"] == 386000


def test_views_are_json_and_snapshots():
    g = make_game("harberger", compat="server")
    advance_to(g, 2)
    decl = dict(FIRST_DECLARATIONS)
    decl[3] = ["abc", "300000", 0]
    declare_all(g, decl)
    snipe_all(g, {})
    advance_to(g, 6)
    before = view(g, 7)
    frozen = before.to_dict()
    json.dumps(frozen, allow_nan=False)
    assert frozen["public_signal"] == [None, 0, 0]
    g.apply(7, bid(9000))
    g.apply(1, bid(100))
    assert before.to_dict() == frozen
    assert view(g, 7).to_dict() != frozen
    for s in g.seats:
        json.dumps(view(g, s).to_dict(), allow_nan=False)
