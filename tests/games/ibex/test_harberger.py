"""Harberger treatment: the worked example of ibex-rules.md §5.8, event by event, and phase rules.

Every number is copied from the spec tables, not computed with the engine.
"""

from __future__ import annotations

from typing import Any

import pytest

from econlab.games.ibex import CancelOrder, CompletePhase, Declare, Snipe
from econlab.games.ibex.params import RoleParams

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
    wire_data,
)


@pytest.fixture(scope="module")
def example() -> dict[str, Any]:
    """Play §5.8 once in strict mode and keep the events of every step."""
    g = make_game("harberger")
    out: dict[str, Any] = {"game": g}
    out["ready"] = ready_all(g)
    out["presentation"] = g.timeout()
    out["declare1"] = declare_all(g, FIRST_DECLARATIONS)
    out["phase_after_declare1"] = g.phase
    out["public_signal"] = list(g.public_signal)
    out["snipe1"] = snipe_all(g, {7: [[4], []], 8: [[4, 2], [1]]})
    out["phase_after_snipe1"] = g.phase
    out["to_signals"] = g.timeout()
    out["to_market"] = g.timeout()
    out["phase_market"] = g.phase
    out["o1"] = g.apply(7, bid(9000))
    out["o2"] = g.apply(8, bid(9500))
    out["o3"] = g.apply(2, ask(9200))
    out["o4"] = g.apply(1, ask(10000))
    out["o5"] = g.apply(9, bid(0, now=True))
    out["o6"] = g.apply(7, CancelOrder(order_id=1, condition=0))
    out["book_after"] = [o.to_json() for o in g.books[0].orders]
    out["end_market"] = g.timeout()
    out["declare2"] = declare_all(g, {s: [d, 0] for s, d in SECOND_DECLARATIONS.items()})
    out["snipe2"] = snipe_all(g, {10: [[3], []]})
    out["phase_after_snipe2"] = g.phase
    out["end"] = g.timeout()
    return out


def test_first_declarations_condition_and_public_signal(example):
    g = example["game"]
    assert example["phase_after_declare1"] == 3  # all six declared: phase 2 ends at once
    (pub,) = of_kind(example["declare1"], "declarations-published")
    assert pub.to is None
    assert pub.data["winningCondition"] == 0  # D1 = [2,975,000, 1,860,000]
    assert [d["d"] for d in pub.data["declarations"]] == [FIRST_DECLARATIONS[s] for s in range(1, 7)]
    assert [d["id"] for d in pub.data["declarations"]] == [1, 2, 3, 4, 5, 6]
    assert [d["number"] for d in pub.data["declarations"]] == [1, 2, 3, 4, 5, 6]
    assert all(d["available"] == [True, True, True] for d in pub.data["declarations"])
    assert example["public_signal"] == [9817.5, 0, 0]
    assert g.current.condition == 0
    # every accepted declaration: an info broadcast and a private declaration-received
    assert len(of_kind(example["declare1"], "declaration-received")) == 6
    assert [e.to for e in of_kind(example["declare1"], "declaration-received")] == [1, 2, 3, 4, 5, 6]


def test_first_snipes_and_phase4_bills(example):
    ev = example["snipe1"]
    assert example["phase_after_snipe1"] == 4  # every speculator done, phase 4 entered (timer only)
    profits = of_kind(ev, "profit")
    spec_bills = [(e.to, e.data["owner"], e.data["snipeProfit"]) for e in profits if "phase" not in e.data]
    assert spec_bills == [(8, 2, -7000), (7, 4, 15000), (8, 4, 15000)]
    holder = {e.to: e.data for e in profits if e.data.get("phase") == 4}
    assert sorted(holder) == [1, 2, 3, 4, 5, 6]
    # T1 = 5500, 4000, 4800, 5000, 5800, 4650
    assert [holder[s]["taxes"] for s in range(1, 7)] == [5500, 4000, 4800, 5000, 5800, 4650]
    bill4 = holder[4]
    assert {k: bill4[k] for k in ("value", "declaration", "speculator", "snipeProfit", "taxes", "total")} == {
        "value": 560000, "declaration": 500000, "speculator": [7, 8], "snipeProfit": 15000, "taxes": 5000,
        "total": 540000}
    assert bill4["sniped"] is True and bill4["condition"] == 0 and bill4["property"] == 4
    assert holder[2]["snipeProfit"] == -7000 and holder[2]["speculator"] == [8]
    assert holder[1]["sniped"] is False and holder[1]["speculator"] is None and holder[1]["snipeProfit"] == 0
    # seat 8's [1] under condition 1 is ignored: lot 1 is not sniped


def test_first_snipes_events_and_signals(example):
    ev = example["to_signals"]
    first = {e.to: e.data["snipes"] for e in of_kind(ev, "first-snipes")}
    assert first[7] == [{"player": {"number": 7, "role": 1}, "target": {"number": 4, "role": 3}, "profit": 15000}]
    assert [o["profit"] for o in first[8]] == [-7000, 15000]
    assert [o["profit"] for o in first[4]] == [15000, 15000]
    assert first[1] == [] and first[9] == []
    signals = {e.to: e.data for e in of_kind(ev, "value-signals")}
    # the file's condition-0 signals (§5.8)
    assert [signals[s]["signals"][0] for s in (7, 8, 9, 10, 11, 12)] == [10225, 9899, 10471, 10170, 10270, 9887]
    assert signals[2]["signals"][0] == 9745
    assert [signals[s]["signals"][0] for s in (1, 3, 4, 5, 6)] == [10425, 9995, 10283, 10239, 9835]
    assert all(d["publicSignal"] == [9817.5, 0, 0] and d["condition"] == 0 and d["taxRate"] == 33
               for d in signals.values())
    assert example["phase_market"] == 6


def _order(ev, kind):
    return [e.data["order"] for e in of_kind(ev, kind)]


def test_market_order_1_and_2_rest(example):
    assert kinds(example["o1"]) == ["add-order"]
    assert _order(example["o1"], "add-order") == [
        {"id": 1, "sender": 7, "price": 9000, "quantity": 1, "type": "bid", "condition": 0}]
    assert _order(example["o2"], "add-order") == [
        {"id": 2, "sender": 8, "price": 9500, "quantity": 1, "type": "bid", "condition": 0}]


def test_market_order_3_trades_at_resting_price(example):
    ev = example["o3"]
    assert kinds(ev) == ["asset-movement", "asset-movement", "contract-fulfilled", "delete-order"]
    sale, purchase = of_kind(ev, "asset-movement")
    assert sale.to == 2 and sale.data["movement"] == {"type": "sale", "quantity": 1, "price": 9500, "total": 9500}
    assert (sale.data["balance"], sale.data["shares"]) == (309500, 29)
    assert purchase.to == 8 and purchase.data["movement"]["type"] == "purchase"
    assert (purchase.data["balance"], purchase.data["shares"]) == (40500, 6)
    (cf,) = of_kind(ev, "contract-fulfilled")
    assert cf.to is None
    assert cf.data == {"from": 2, "to": 8, "price": 9500, "condition": 0, "median": 9500}
    assert _order(ev, "delete-order") == [{"id": 2, "type": "bid", "condition": 0}]


def test_market_order_4_rests_and_5_market_bid(example):
    assert _order(example["o4"], "add-order") == [
        {"id": 3, "sender": 1, "price": 10000, "quantity": 1, "type": "ask", "condition": 0}]
    ev = example["o5"]
    assert kinds(ev) == ["asset-movement", "asset-movement", "contract-fulfilled", "delete-order"]
    sale, purchase = of_kind(ev, "asset-movement")
    assert (sale.to, sale.data["balance"], sale.data["shares"]) == (1, 70000, 5)
    assert (purchase.to, purchase.data["balance"], purchase.data["shares"]) == (9, 40000, 6)
    assert sale.data["movement"]["price"] == 10000
    (cf,) = of_kind(ev, "contract-fulfilled")
    assert cf.data == {"from": 1, "to": 9, "price": 10000, "condition": 0, "median": 9750}
    assert _order(ev, "delete-order") == [{"id": 3, "type": "ask", "condition": 0}]


def test_market_order_6_cancel(example):
    ev = example["o6"]
    assert kinds(ev) == ["delete-order"]
    assert _order(ev, "delete-order") == [{"id": 1, "type": "bid", "condition": 0}]
    assert example["book_after"] == []


def test_second_declarations_snipe_and_final_price(example):
    pub = of_kind(example["declare2"], "declarations-published")[0].data
    assert [d["available"] for d in pub["declarations"]] == [[True, False, False]] * 6
    assert pub["winningCondition"] == 0
    assert example["phase_after_snipe2"] == 9
    ev = example["snipe2"]
    (fp,) = of_kind(ev, "final-price")
    assert fp.data == {"price": 9989.1, "winningCondition": 0}
    bills = {e.to: e.data for e in of_kind(ev, "profit") if e.data.get("phase") == 9 and "property" in e.data}
    # T2 = 193380, 127380, 148500, 184800, 191400, 153450
    assert [bills[s]["taxes"] for s in range(1, 7)] == [193380, 127380, 148500, 184800, 191400, 153450]
    assert bills[3]["snipeProfit"] == 16000 and bills[3]["speculator"] == [10]
    spec = [e for e in of_kind(ev, "profit", 10) if "phase" not in e.data]
    assert [e.data["snipeProfit"] for e in spec] == [16000]
    second = {e.to: e.data["snipes"] for e in of_kind(ev, "second-snipes")}
    assert second[10] == [{"player": {"number": 10, "role": 1}, "target": {"number": 3, "role": 3}, "profit": 16000}]
    assert second[3] == second[10] and second[4] == []


def test_display_only_tax_income(example):
    ev = example["snipe2"]
    income = {e.to: e.data for e in of_kind(ev, "tax-income")}
    assert income[1] == {"amount": 59946, "condition": 0}
    assert income[2] == {"amount": 539184, "condition": 0}  # owner_balance subtracted from the developer too
    # seat 7: Math.round(998910 * 5 / 100 + 50000 - 60000) = Math.round(39945.5) = 39946
    assert income[7] == {"amount": 39946, "condition": 0}
    bills = {e.to: e.data for e in of_kind(ev, "profit") if e.data.get("phase") == 9 and "property" not in e.data}
    assert bills[7] == {"round": 1, "phase": 9, "condition": 0, "owner": 7, "role": 1, "taxes": 0,
                        "snipeProfit": 39946, "total": 0}
    assert bills[1]["total"] == 59946 and bills[1]["snipeProfit"] == 0


EXPECTED_PI = {
    1: 507065.5, 2: 860803.9, 3: 432634.6, 4: 460134.6, 5: 502734.6, 6: 426834.6,
    7: 114945.5, 8: 108434.6, 9: 99934.6, 10: 115945.5, 11: 99945.5, 12: 99945.5,
}


def test_round_profit_of_every_seat(example):
    g = example["game"]
    assert g.over
    for seat, pi in EXPECTED_PI.items():
        assert g.profit(seat, 1) == pytest.approx(pi, abs=1e-6), seat


def test_round_summary_of_owner_4(example):
    (s,) = [e.data for e in of_kind(example["end"], "round-summary", 4)]
    assert s["value"] == 560000 and s["firstDeclaration"] == 500000 and s["firstTaxes"] == 5000
    assert s["firstRepurchase"] == -30000 and s["secondRepurchase"] == 0
    assert s["secondDeclaration"] == 560000 and s["secondTaxes"] == 184800
    assert s["market"] == {"balance": 60000, "shares": 6, "price": 9989.1}
    (spec,) = [e.data for e in of_kind(example["end"], "round-summary", 8)]
    assert "value" not in spec and "firstTaxes" not in spec
    assert spec["firstRepurchase"] == 8000 and spec["market"]["balance"] == 40500


@pytest.mark.parametrize(("seat", "euros", "game_fee", "points"), [
    (4, 38.01, 33.01, 660134.6),
    (2, 22.22, 17.22, 860803.9),
    (8, 30.42, 25.42, 508434.6),
])
def test_rewards(example, seat, euros, game_fee, points):
    (ev,) = of_kind(example["end"], "reward", seat)
    r = ev.data
    assert r["round"] == 1 and r["number"] == seat and r["showupFee"] == 5
    assert r["gameFee"] == pytest.approx(game_fee, abs=1e-9)
    assert r["reward"] == pytest.approx(euros, abs=1e-9)
    assert r["points"] == pytest.approx(points, abs=1e-6)
    assert wire_data(ev)["reward"] == pytest.approx(euros, abs=1e-9)
    assert kinds(example["end"])[-1] == "game-over"


# ---------------------------------------------------------------------- rules beyond the example


def test_tie_goes_to_project():
    g = make_game("harberger")
    advance_to(g, 2)
    decl = {s: [400000, 400000] for s in range(1, 7)}
    decl[2] = [300000, 300000]
    declare_all(g, decl)
    assert g.winning_condition == 1  # D1[1] == D1[0]


def test_missing_declarations_default_to_lows():
    g = make_game("harberger")
    advance_to(g, 2)
    g.apply(1, Declare([590000, 100000]))
    ev = g.timeout()
    pub = of_kind(ev, "declarations-published")[0].data
    d = {x["number"]: x["d"] for x in pub["declarations"]}
    assert d[1] == [590000, 100000]
    assert d[2] == [200000, 500000]  # developer lows
    assert d[3] == [350000, 150000]  # owner lows
    assert g.current.first_declared == {1: True, 2: False, 3: False, 4: False, 5: False, 6: False}
    # D1 = [590000 + 200000 + 4*350000, 100000 + 500000 + 4*150000] = [2190000, 1200000] -> w = 0
    assert g.winning_condition == 0


def test_phase_5_ends_on_complete_current_phase():
    g = make_game("harberger")
    advance_to(g, 5)
    ev = g.apply(4, CompletePhase())
    assert g.phase == 6
    assert texts_of(ev, "info") == ["The trading phase has started"]


def texts_of(events, kind):
    return [e.data["message"] for e in events if e.kind == kind]


def test_speculators_done_ends_phase_3_and_no_speculators():
    g = make_game("harberger")
    advance_to(g, 3)
    for s in (7, 8, 9, 10, 11):
        g.apply(s, Snipe([[], []]))
    assert g.phase == 3
    g.apply(12, Snipe([[], []]))
    assert g.phase == 4
    g2 = make_game("harberger", speculators=RoleParams(0, 50000, 5, 400000, 20000))
    advance_to(g2, 2)
    declare_all(g2, FIRST_DECLARATIONS)
    assert g2.phase == 4  # phase 3 ends right after entry without speculators


def test_wallets_reset_every_round():
    g = make_game("harberger", round_count=2)
    advance_to(g, 6)
    g.apply(7, bid(1000))
    g.apply(1, ask(1000))
    assert g.by_seat[7].wallet[g.winning_condition].shares == 6
    while g.round == 1:
        g.timeout()
    assert g.round == 2 and g.phase == 0
    assert [(w.balance, w.shares) for w in g.by_seat[7].wallet] == [(50000, 5)] * 3
    assert [(w.balance, w.shares) for w in g.by_seat[1].wallet] == [(60000, 6)] * 3


def test_three_round_values_follow_session_table():
    g = make_game("harberger", round_count=3)
    seen = []
    while not g.over:
        if g.phase == 0:
            ready_all(g)
            seen.append((g.round, list(g.by_seat[1].lot.v[:2])))
        else:
            g.timeout()
    # sessions.json session 1: rounds[1] owner[0] = 586/216 (§5.8)
    assert seen[0] == (1, [586000, 216000])
    assert [r for r, _ in seen] == [1, 2, 3]


def test_operation_order_of_public_signal_and_dividend():
    """ibex-protocol-observed.md §8 and ibex-rules.md Corrections: the server's float64 operation order."""
    g = make_game("harberger")
    advance_to(g, 2)
    first = {1: [350000, 150000], 2: [430684, 150000]} | {s: [337500, 150000] for s in (3, 4, 5, 6)}
    declare_all(g, first)  # D1[0] = 2,130,684
    assert g.winning_condition == 0
    assert g.public_signal[0] == 7031.257200000001  # D * (33/100) / 100, not 7031.2572
    snipe_all(g, {})
    advance_to(g, 7)
    ev = declare_all(g, {1: [646004, 0]} | {s: [400000, 0] for s in (2, 3, 4, 5, 6)})  # D2[0] = 2,646,004
    ev += snipe_all(g, {})
    (fp,) = of_kind(ev, "final-price")
    assert fp.data["price"] == 8731.813199999999  # (D * 33 / 100) / 100, not D * 33 / 10000 = 8731.8132
