"""Futarchy treatment: the worked example of ibex-rules.md §7.5 and the decision rule of §7.3.

Every number is copied from the spec, not computed with the engine.
"""

from __future__ import annotations

from typing import Any

import pytest

from econlab.games.ibex import Snipe

from ._helpers import (
    FIRST_DECLARATIONS,
    SECOND_DECLARATIONS,
    advance_to,
    ask,
    bid,
    declare_all,
    kinds,
    make_game,
    of_kind,
    ready_all,
    snipe_all,
    texts,
)


@pytest.fixture(scope="module")
def example() -> dict[str, Any]:
    """Play §7.5 once in strict mode and keep the events of every step."""
    g = make_game("futarchy")
    out: dict[str, Any] = {"game": g}
    ready_all(g)
    g.timeout()
    out["declare1"] = declare_all(g, FIRST_DECLARATIONS)
    out["phase3"] = g.phase
    out["public_signal"] = list(g.public_signal)
    out["w_in_phase3"] = g.winning_condition
    out["snipe1"] = snipe_all(g, {7: [[4], [2]], 8: [[2], []]})
    out["phase_after_snipe1"] = g.phase
    out["to_signals"] = g.timeout()
    out["to_market"] = g.timeout()
    out["phase_market"] = g.phase
    steps = [
        (8, bid(9500, 0)), (2, ask(9400, 0)),
        (1, ask(10000, 0)), (9, bid(10000, 0)),
        (9, bid(9800, 0)), (3, ask(0, 0, now=True)),
        (7, bid(6000, 1)), (5, ask(5500, 1)),
        (5, ask(6500, 1)), (2, bid(7000, 1)),
    ]
    out["orders"] = [g.apply(seat, action) for seat, action in steps]
    out["medians"] = [g.books[0].median_last_seven(), g.books[1].median_last_seven()]
    out["end_market"] = g.timeout()
    out["w"] = g.winning_condition
    out["declare2"] = declare_all(g, {s: [d, 0] for s, d in SECOND_DECLARATIONS.items()})
    out["snipe2"] = snipe_all(g, {10: [[3], []]})
    out["end"] = g.timeout()
    return out


def test_phase_3_has_no_condition_and_both_public_signals(example):
    assert example["phase3"] == 3
    assert example["w_in_phase3"] is None
    assert example["public_signal"] == [9817.5, 6138.0, 0]
    (pub,) = of_kind(example["declare1"], "declarations-published")
    assert "winningCondition" not in pub.data
    spec_texts = texts(example["declare1"], "info", ("role", 1))
    assert spec_texts[0] == "Click on the properties you are interested in."
    assert texts(example["declare1"], "info", ("role", 3)) == ["Wait for the speculators to  make their decisions."]


def test_phase_4_does_nothing_and_signals_have_no_condition(example):
    assert example["phase_after_snipe1"] == 4
    assert kinds(example["snipe1"]) == ["speculation-received"] * 6  # no settlement in phase 4
    sig = {e.to: e.data for e in of_kind(example["to_signals"], "value-signals")}
    assert "condition" not in sig[7]
    assert sig[7]["publicSignal"] == [9817.5, 6138.0, 0]
    assert of_kind(example["to_signals"], "first-snipes") == []


def _trades(events):
    return [(e.data["from"], e.data["to"], e.data["price"], e.data["condition"], e.data["median"])
            for e in of_kind(events, "contract-fulfilled")]


def test_book_0(example):
    o = example["orders"]
    assert [e.data["order"]["id"] for e in of_kind(o[0], "add-order")] == [1]
    assert _trades(o[1]) == [(2, 8, 9500, 0, 9500)]
    assert [e.data["order"]["id"] for e in of_kind(o[2], "add-order")] == [2]
    assert _trades(o[3]) == [(1, 9, 10000, 0, 9750)]
    assert [e.data["order"]["id"] for e in of_kind(o[4], "add-order")] == [3]
    assert _trades(o[5]) == [(3, 9, 9800, 0, 9800)]


def test_book_1_has_its_own_ids(example):
    o = example["orders"]
    assert [e.data["order"] for e in of_kind(o[6], "add-order")] == [
        {"id": 1, "sender": 7, "price": 6000, "quantity": 1, "type": "bid", "condition": 1}]
    assert _trades(o[7]) == [(5, 7, 6000, 1, 6000)]
    assert [e.data["order"]["id"] for e in of_kind(o[8], "add-order")] == [2]
    assert _trades(o[9]) == [(5, 2, 6500, 1, 6250)]
    assert example["medians"] == [9800, 6250]


def test_winner_and_void_book(example):
    assert example["w"] == 0
    ev = example["end_market"]
    assert [e.data for e in of_kind(ev, "winning-condition")] == [{"winningCondition": 0}]
    # seat 7's snipe of lot 2 under condition 1 is ignored: one listing under w = 0 (seat 8)
    spec = [(e.to, e.data["owner"], e.data["snipeProfit"]) for e in of_kind(ev, "profit") if "phase" not in e.data]
    assert spec == [(8, 2, -7000), (7, 4, 30000)]
    first = {e.to: e.data["snipes"] for e in of_kind(ev, "first-snipes")}
    assert [o["profit"] for o in first[7]] == [30000]
    assert [o["profit"] for o in first[2]] == [-7000]


# seat -> (wallet[0] balance, shares, R1, R2, Pi)   (§7.5 table)
TABLE = {
    1: (70000, 5, 0, 0, 507065.5),
    2: (309500, 29, 7000, 0, 860803.9),
    3: (69800, 5, 0, -16000, 432445.5),
    4: (60000, 6, -30000, 0, 460134.6),
    5: (60000, 6, 0, 0, 502734.6),
    6: (60000, 6, 0, 0, 426834.6),
    7: (50000, 5, 30000, 0, 129945.5),
    8: (40500, 6, -7000, 0, 93434.6),
    9: (30200, 7, 0, 0, 100123.7),
    10: (50000, 5, 0, 16000, 115945.5),
    11: (50000, 5, 0, 0, 99945.5),
    12: (50000, 5, 0, 0, 99945.5),
}


@pytest.mark.parametrize("seat", sorted(TABLE))
def test_profit_table(example, seat):
    balance, shares, r1, r2, pi = TABLE[seat]
    (s,) = [e.data for e in of_kind(example["end"], "round-summary", seat)]
    assert s["condition"] == 0
    assert s["market"]["balance"] == balance and s["market"]["shares"] == shares
    assert s["market"]["price"] == 9989.1
    assert s["firstRepurchase"] == r1 and s["secondRepurchase"] == r2
    assert example["game"].profit(seat, 1) == pytest.approx(pi, abs=1e-6)


def test_reward_seat_7(example):
    (r,) = [e.data for e in of_kind(example["end"], "reward", 7)]
    assert r["profit"] == pytest.approx(129945.5)
    assert r["gameFee"] == pytest.approx(26.50, abs=1e-9)
    assert r["reward"] == pytest.approx(31.50, abs=1e-9)


# ---------------------------------------------------------------------- §7.3 decision rule


def _futarchy_market():
    g = make_game("futarchy")
    advance_to(g, 2)
    declare_all(g, FIRST_DECLARATIONS)
    snipe_all(g, {})
    advance_to(g, 6)
    return g


def _trade(g, cond, price, buyer=7, seller=8):
    g.apply(buyer, bid(price, cond))
    g.apply(seller, ask(price, cond))


def test_no_trades_gives_project():
    g = _futarchy_market()
    g.timeout()
    assert g.winning_condition == 1


def test_exact_tie_goes_to_no_project():
    g = _futarchy_market()
    _trade(g, 0, 5000)
    _trade(g, 1, 5000)
    g.timeout()
    assert g.winning_condition == 0


def test_higher_median_wins_and_zero_median_never_wins():
    g = _futarchy_market()
    _trade(g, 0, 5000)
    _trade(g, 1, 5001)
    g.timeout()
    assert g.winning_condition == 1
    g = _futarchy_market()
    _trade(g, 0, 0)
    g.timeout()
    assert g.winning_condition == 1  # book 0 median 0 is not > 0


def test_median_of_last_seven():
    g = _futarchy_market()
    prices = [100, 900, 200, 800, 300, 700, 400, 600]
    for i, p in enumerate(prices):
        _trade(g, 0, p, buyer=2, seller=(1, 3, 4, 5, 6)[i % 5])
    # last seven: 900 200 800 300 700 400 600 -> sorted 200 300 400 600 700 800 900 -> 600
    assert g.books[0].median_last_seven() == 600
    _trade(g, 0, 0, buyer=2, seller=7)
    # last seven: 200 800 300 700 400 600 0 -> sorted 0 200 300 400 600 700 800 -> 400
    assert g.books[0].median_last_seven() == 400


def test_each_distinct_sniper_paid_once_but_counted_twice():
    """futarchy/phases/6.js:428-441: n counts duplicates, each distinct seat is paid once."""
    g = make_game("futarchy", compat="server")
    advance_to(g, 2)
    declare_all(g, FIRST_DECLARATIONS)
    g.apply(7, Snipe([[4, 4], []]))
    g.apply(8, Snipe([[4], []]))
    for s in (9, 10, 11, 12):
        g.apply(s, Snipe([[], []]))
    advance_to(g, 6)
    _trade(g, 0, 5000, buyer=9, seller=10)
    ev = g.timeout()
    assert g.winning_condition == 0
    # lot 4: v0 = 560000, d1 = 500000, n = 3 -> 60000 / 6 = 10000 each, to seats 7 and 8 once
    spec = [(e.to, e.data["snipeProfit"]) for e in of_kind(ev, "profit") if "phase" not in e.data]
    assert spec == [(7, 10000), (8, 10000)]
    (bill,) = [e.data for e in of_kind(ev, "profit", 4)]
    assert bill["speculator"] == [7, 7, 8] and bill["snipeProfit"] == 10000
