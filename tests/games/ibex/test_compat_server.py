"""compat="server": what the lab server did with odd input (ibex-protocol-observed.md §9, ibex-rules.md §10).

Each scenario is built by hand and its numbers computed by hand in the comments.
"""

from __future__ import annotations

import math

import pytest

from econlab.games.ibex import (
    CancelOrder,
    Chat,
    CompletePhase,
    Declare,
    Offer,
    PostOrder,
    Request,
    Snipe,
    Vote,
    from_message,
)
from econlab.games.ibex.data import session_table
from econlab.games.ibex.jsnum import UNDEFINED

from ._helpers import (
    FIRST_DECLARATIONS,
    OWNERS,
    SECOND_DECLARATIONS,
    advance_to,
    ask,
    bid,
    declare_all,
    kinds,
    make_game,
    of_kind,
    snipe_all,
    texts,
    to_market,
    wire_data,
)


def server(treatment: str = "harberger", **changes):
    return make_game(treatment, compat="server", **changes)


def finish(game):
    """Second declarations of §5.8, no second snipes, then time out to the end; returns the events."""
    events = advance_to(game, 7)
    events += declare_all(game, {s: [d, 0] for s, d in SECOND_DECLARATIONS.items()})
    while not game.over:
        events += game.timeout()
    return events


# ---------------------------------------------------------------------- dispatch texts


def test_no_handler_text():
    g = server()
    advance_to(g, 2)
    ev = g.apply(7, bid(100))
    assert [(e.kind, e.to, e.data["message"]) for e in ev] == [
        ("error", 7, "Game 1: could not find an handler for post-order")]
    ev = g.apply(7, from_message({"gameId": 1, "type": "no-such-message-type"}))
    assert texts(ev) == ["Game 1: could not find an handler for no-such-message-type"]
    advance_to(g, 3)
    ev = g.apply(1, Declare([1, 2]))  # handler lookup before the role check
    assert texts(ev) == ["Game 1: could not find an handler for declare"]


def test_wrong_role_text():
    g = server()
    advance_to(g, 2)
    ev = g.apply(7, Declare([500000, 200000]))
    assert [(e.kind, e.to, e.data["message"]) for e in ev] == [
        ("error", 7, "Game 1: only 2,3 can send this message in this phase. You are 1.")]
    assert g.by_seat[7].lot is None
    declare_all(g, FIRST_DECLARATIONS)
    ev = g.apply(3, Snipe([[4], []]))
    assert texts(ev) == ["Game 1: only 1 can send this message in this phase. You are 3."]
    assert g.lot_by_id(4).speculators[0] == []


def test_silence_after_game_over():
    g = server()
    while not g.over:
        g.timeout()
    assert g.apply(1, Declare([1, 2])) == []
    assert g.timeout() == []


# ---------------------------------------------------------------------- declarations


def test_negative_declaration_sniped_by_all_six():
    g = server()
    advance_to(g, 2)
    decl = dict(FIRST_DECLARATIONS)
    decl[3] = [-1000, -2000, 0]
    ev = declare_all(g, decl)
    assert of_kind(ev, "declaration-received", 3)
    pub = of_kind(ev, "declarations-published")[0].data
    assert pub["declarations"][2]["d"] == [-1000, -2000, 0]
    # D1 = [2494000, 1658000] -> w = 0
    assert pub["winningCondition"] == 0
    ev = snipe_all(g, {s: [[3], []] for s in range(7, 13)})
    spec = [e for e in of_kind(ev, "profit") if "phase" not in e.data]
    # (482000 - (-1000)) / (2 * 6) = 40250 to each speculator
    assert [(e.to, e.data["snipeProfit"]) for e in spec] == [(s, 40250) for s in range(7, 13)]
    (bill,) = of_kind(ev, "profit", 3)
    assert bill.data["taxes"] == -10  # -1000 * 1 / 100
    assert bill.data["speculator"] == [7, 8, 9, 10, 11, 12]
    assert bill.data["total"] == 482000 + 10 - 40250  # one share only (display)
    ev = finish(g)
    sums = {e.to: e.data for e in of_kind(ev, "round-summary")}
    assert sums[3]["firstRepurchase"] == -241500 and sums[7]["firstRepurchase"] == 40250


def test_negative_declaration_each_speculator_twice():
    """Six speculators each list lot 3 twice: n = 12, each listing (482000 + 1000) / 24 = 20125."""
    g = server()
    advance_to(g, 2)
    decl = dict(FIRST_DECLARATIONS)
    decl[3] = [-1000, -2000, 0]
    declare_all(g, decl)
    ev = snipe_all(g, {s: [[3, 3], []] for s in range(7, 13)})
    spec = [e for e in of_kind(ev, "profit") if "phase" not in e.data]
    assert [e.data["snipeProfit"] for e in spec] == [20125] * 12
    assert [e.to for e in spec] == [7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12]
    finish(g)
    assert g.by_seat[7].summaries[-1]["firstRepurchase"] == 40250
    assert g.by_seat[3].summaries[-1]["firstRepurchase"] == -241500


def test_string_declaration():
    g = server()
    advance_to(g, 2)
    decl = dict(FIRST_DECLARATIONS)
    decl[3] = ["abc", "300000", 0]
    ev = declare_all(g, decl)
    assert of_kind(ev, "declaration-received", 3)
    pub = wire_data(of_kind(ev, "declarations-published")[0])
    assert pub["declarations"][2]["d"] == ["abc", "300000", 0]
    # D1[0] = 0 + 550000 + 400000 -> 950000, + "abc" -> "950000abc", + 500000 + 580000 + 465000 (concatenated)
    # D1[1] = 950000 + "300000" -> "950000300000", then "300000", "190000", "220000" appended
    sums = g._declaration_sums()
    assert sums[0] == "950000abc500000580000465000"
    assert sums[1] == "950000300000300000190000220000"
    # string vs string: "9500003..." < "950000a..." ('3' < 'a'), so w = 0
    assert pub["winningCondition"] == 0
    assert math.isnan(g.public_signal[0])
    ev = snipe_all(g, {})
    (bill,) = of_kind(ev, "profit", 3)
    assert wire_data(bill)["taxes"] is None and wire_data(bill)["total"] is None
    ev = g.timeout()  # phase 4 -> 5
    sig = [wire_data(e) for e in of_kind(ev, "value-signals", 7)][0]
    assert sig["publicSignal"] == [None, 0, 0]
    ev = finish(g)
    (reward3,) = [wire_data(e) for e in of_kind(ev, "reward", 3)]
    assert reward3["profit"] is None  # T1 = NaN
    assert math.isnan(g.profit(3, 1))
    assert math.isfinite(g.profit(1, 1))


def test_string_lot_id_never_matches():
    g = server()
    advance_to(g, 2)
    declare_all(g, FIRST_DECLARATIONS)
    ev = g.apply(7, Snipe([["5"], []]))
    assert [(e.kind, e.to) for e in ev] == [("error", 7), ("speculation-received", 7)]
    assert texts(ev) == ["Game 1: lot 5} not found"]
    assert g.lot_by_id(5).speculators[0] == []


def test_length_one_declaration_forces_no_project():
    g = server()
    advance_to(g, 2)
    # without seat 1's missing entry D1[1] (700000 + 4 * 600000 + ...) would beat D1[0]
    decl = {s: [400000, 600000] for s in (3, 4, 5, 6)}
    decl[2] = [400000, 700000]
    decl[1] = [550000]  # D1[1] = NaN: never greater, never equal
    declare_all(g, decl)
    assert g.phase == 3
    assert math.isnan(g._declaration_sums()[1])
    assert g.winning_condition == 0


def test_repeated_declaration_warning():
    g = server()
    advance_to(g, 2)
    g.apply(3, Declare([480000, 200000, 0]))
    ev = g.apply(3, Declare([1, 1, 0]))
    assert [(e.kind, e.to, e.data["message"]) for e in ev] == [
        ("warning", 3, "Game 1: player 3 sent a declaration update. This is not allowed")]
    assert g.by_seat[3].lot.d == [480000, 200000, 0]


def test_declaration_above_max_then_resend():
    g = server()
    advance_to(g, 2)
    ev = g.apply(1, Declare([1e9, 0, 0]))
    assert [(e.kind, e.to, wire_data(e)) for e in ev] == [
        ("declaration-above-max", 1, {"condition": "No Project", "maximum": 1200000})]
    assert g.by_seat[1].lot.d is None
    ev = g.apply(1, Declare([0, 700001, 0]))
    assert [wire_data(e) for e in ev] == [{"condition": "Project", "maximum": 700000}]
    ev = g.apply(1, Declare([550000, 250000, 0]))
    assert kinds(ev) == ["info", "declaration-received"]
    assert g.by_seat[1].lot.d == [550000, 250000, 0]


def test_declare_without_declaration_gets_no_reply():
    g = server()
    advance_to(g, 2)
    assert g.apply(1, Declare()) == []
    assert g.by_seat[1].lot.d is None
    assert kinds(g.apply(1, Declare([550000, 250000]))) == ["info", "declaration-received"]


# ---------------------------------------------------------------------- snipes


@pytest.fixture
def phase3():
    g = server()
    advance_to(g, 2)
    declare_all(g, FIRST_DECLARATIONS)
    assert g.phase == 3
    return g


def test_snipe_unknown_lots(phase3):
    ev = phase3.apply(7, Snipe([[99, 1000], [99, 1000], []]))
    assert [(e.kind, e.to) for e in ev] == [("error", 7), ("error", 7), ("speculation-received", 7)]
    assert texts(ev) == ["Game 1: lot 99} not found", "Game 1: lot 1000} not found"]
    assert phase3.by_seat[7].done_speculating is True


@pytest.mark.parametrize("snipe", [UNDEFINED, None])
def test_done_speculating_without_snipe(phase3, snipe):
    ev = phase3.apply(7, Snipe(snipe))
    assert ev == []
    assert phase3.by_seat[7].done_speculating is False
    snipe_all(phase3, {})
    assert phase3.phase == 4  # a later proper message still counts


def test_done_speculating_twice_counts_twice(phase3):
    phase3.apply(7, Snipe([[4], []]))
    phase3.apply(7, Snipe([[4], []]))
    assert phase3.phase == 3
    ev = snipe_all(phase3, {8: [[4], []]})
    # lot 4: L = [7, 7, 8], n = 3, (560000 - 500000) / 6 = 10000 per listing
    spec = [(e.to, e.data["snipeProfit"]) for e in of_kind(ev, "profit") if "phase" not in e.data]
    assert spec == [(7, 10000), (7, 10000), (8, 10000)]
    finish(phase3)
    assert phase3.by_seat[7].summaries[-1]["firstRepurchase"] == 20000
    assert phase3.by_seat[4].summaries[-1]["firstRepurchase"] == -30000


# ---------------------------------------------------------------------- orders


@pytest.fixture
def market():
    g = server()
    to_market(g)
    assert g.phase == 6 and g.winning_condition == 0
    return g


def only(events):
    (ev,) = events
    return ev.kind, ev.to, wire_data(ev)


def test_negative_price(market):
    assert only(market.apply(7, bid(-50))) == ("order-refused", 7, {
        "message": "Order prices must be non negative. Your price: -50", "placeholder": "order-price-negative",
        "parameters": [-50]})


def test_null_price(market):
    expected = ("order-refused", 7, {"message": "Order price was not filled.", "placeholder": "order-price-missing"})
    assert only(market.apply(7, bid(None))) == expected
    assert only(market.apply(7, bid(UNDEFINED))) == expected


def test_string_price_42(market):
    assert only(market.apply(7, bid("42"))) == ("add-order", None, {"order": {
        "id": 1, "sender": 7, "price": 42, "quantity": 1, "type": "bid", "condition": 0}})


def test_nan_price_matches_before_cheaper_ask(market):
    kind, to, data = only(market.apply(1, ask("abc")))
    assert (kind, to) == ("add-order", None)
    assert data["order"]["price"] is None and data["order"]["id"] == 1
    market.apply(3, ask(42))
    ev = market.apply(7, bid(100))
    assert kinds(ev) == ["asset-movement", "asset-movement", "contract-fulfilled", "delete-order"]
    sale, purchase = of_kind(ev, "asset-movement")
    assert (sale.to, purchase.to) == (1, 7)
    assert wire_data(sale)["balance"] is None and wire_data(purchase)["balance"] is None
    assert wire_data(sale)["shares"] == 5 and wire_data(purchase)["shares"] == 6
    assert wire_data(sale)["movement"]["total"] is None
    assert wire_data(of_kind(ev, "contract-fulfilled")[0]) == {
        "from": 1, "to": 7, "price": None, "condition": 0, "median": None}
    assert wire_data(of_kind(ev, "delete-order")[0]) == {"order": {"id": 1, "type": "ask", "condition": 0}}
    assert [o.id for o in market.books[0].orders] == [2]  # the ask at 42 still rests
    # prices [NaN, 42]: the median (NaN + 42) / 2 is NaN
    ev = market.apply(8, bid(50))
    assert wire_data(of_kind(ev, "contract-fulfilled")[0]) == {
        "from": 3, "to": 8, "price": 42, "condition": 0, "median": None}
    # prices [NaN, 42, 3920]: median 42 (the NaN keeps its place in the sorted window)
    market.apply(9, ask(3920))
    ev = market.apply(10, bid(4000))
    assert wire_data(of_kind(ev, "contract-fulfilled")[0])["median"] == 42
    # NaN cash still passes later checks (balance - price < C is false)
    assert kinds(market.apply(7, bid(10**9))) == ["add-order"]
    ev = finish(market)
    summaries = {e.to: wire_data(e) for e in of_kind(ev, "round-summary")}
    assert summaries[1]["market"]["balance"] is None and summaries[7]["market"]["balance"] is None
    rewards = {e.to: wire_data(e) for e in of_kind(ev, "reward")}
    assert rewards[1]["profit"] is None and rewards[7]["profit"] is None
    assert rewards[3]["profit"] is not None and rewards[8]["profit"] is not None


def test_wrong_condition(market):
    assert only(market.apply(7, bid(100, condition=1))) == (
        "error", 7, "Game 1: wrong condition: 1. Should be the winning condition: 0")
    # loose comparison: "0" == 0
    assert kinds(market.apply(7, bid(100, condition="0"))) == ["add-order"]


def test_missing_order(market):
    assert only(market.apply(7, PostOrder(has_order=False))) == ("error", 7, "Game 1: the order is null")
    assert market.apply(7, CancelOrder(has_order=False)) == []  # the cancel handler throws: no reply


def test_unknown_order_type(market):
    assert only(market.apply(7, PostOrder(side="swap", price=100, condition=0))) == ("order-refused", 7, {
        "message": "Could not fulfill your order: Did not understand the order type: swap. Must be bid|ask"})
    assert market.books[0].orders == []
    assert market.apply(7, PostOrder(side="swap", price=100, condition=0, now=True)) == []  # throws


def test_cancel_unknown_and_foreign(market):
    assert only(market.apply(7, CancelOrder(order_id=777, condition=0))) == ("error", 7, "Order not found. 777")
    market.apply(7, bid(100))
    assert only(market.apply(8, CancelOrder(order_id=1, condition=0))) == (
        "error", 8, "You cannot delete this order because you did not create it")
    assert only(market.apply(7, CancelOrder(order_id="1", condition=0))) == ("error", 7, "Order not found. 1")


def test_bid_beyond_balance(market):
    kind, to, data = only(market.apply(7, bid(1e9)))
    assert (kind, to, data["placeholder"], data["parameters"]) == (
        "order-refused", 7, "no-balance-available", [0, 50000, 1000000000])
    assert " ".join(data["message"].split()).startswith(
        "You have already committed much of your balance (0) in other bids, The remainder 50000 is not enough "
        "to bid 1000000000.")


def test_ask_beyond_shares(market):
    for p in range(1, 6):
        market.apply(7, ask(10**5 + p))
    kind, to, data = only(market.apply(7, ask(10**6)))
    assert (kind, data["placeholder"], data["parameters"]) == ("order-refused", "no-shares-available", [5])


def test_market_order_on_empty_book(market):
    assert only(market.apply(7, bid(0, now=True))) == (
        "order-refused", 7, {"message": "Could not fulfill your order: no matching offers available"})


def test_missing_quantity_sweeps(market):
    """§10 item 16: quantity undefined -> NaN: every crossing ask is consumed, nothing rests, no refusal."""
    market.apply(1, ask(100))
    market.apply(3, ask(200))
    market.apply(4, ask(300))
    ev = market.apply(7, from_message({"gameId": 1, "type": "post-order",
                                       "order": {"price": 250, "condition": 0, "type": "bid", "now": False}}))
    assert [(e.data["from"], e.data["price"]) for e in of_kind(ev, "contract-fulfilled")] == [(1, 100), (3, 200)]
    assert of_kind(ev, "add-order") == [] and of_kind(ev, "order-refused") == []
    assert [o.price for o in market.books[0].orders] == [300]


def test_complete_current_phase_from_speculator():
    g = server()
    advance_to(g, 5)
    ev = g.apply(9, CompletePhase())
    assert g.phase == 6
    assert "The trading phase has started" in texts(ev, "info")


# ---------------------------------------------------------------------- futarchy


def test_futarchy_snipe_only_under_losing_condition():
    g = server("futarchy")
    advance_to(g, 2)
    declare_all(g, FIRST_DECLARATIONS)
    snipe_all(g, {7: [[4], [2]]})
    advance_to(g, 6)
    g.apply(9, bid(9000, 0))
    g.apply(1, ask(9000, 0))
    ev = g.timeout()
    assert g.winning_condition == 0
    (bill2,) = [wire_data(e) for e in of_kind(ev, "profit", 2)]
    # n = 0 under w: (386000 - 400000) / 0 = -Infinity; total = 386000 - 4000 + Infinity
    assert bill2["sniped"] is True and bill2["speculator"] == []
    assert bill2["snipeProfit"] is None and bill2["total"] is None
    spec7 = [(e.data["owner"], e.data["snipeProfit"]) for e in of_kind(ev, "profit", 7)]
    assert spec7 == [(4, 30000)]  # nothing for lot 2
    first = {e.to: e.data["snipes"] for e in of_kind(ev, "first-snipes")}
    assert first[2] == []
    finish(g)
    assert g.by_seat[2].summaries[-1]["firstRepurchase"] == 0
    assert g.by_seat[7].summaries[-1]["firstRepurchase"] == 30000


def test_futarchy_condition_not_understood():
    g = server("futarchy")
    advance_to(g, 6)
    assert only(g.apply(7, bid(100, condition=2))) == ("error", 7, "Game 1: condition not understood: 2")
    assert only(g.apply(7, bid(100, condition="0"))) == ("error", 7, "Game 1: condition not understood: 0")


# ---------------------------------------------------------------------- voting


def voting_to(phase):
    g = server("voting")
    advance_to(g, phase)
    return g


def vote_all(g, decision):
    advance_to(g, 6)
    events = []
    for s in OWNERS:
        events += g.apply(s, Vote(decision))
    assert g.phase == 7
    return events + g.timeout()


def test_owner_offer_paid_if_developer_never_offers():
    g = voting_to(4)
    ev = g.apply(1, Offer([None, 50000]))
    assert only(ev) == ("compensation-offer-received", 1, {"compensationOffers": [None, 50000]})
    assert g.phase == 4  # only the developer's offer ends the phase
    ev = g.timeout()
    made = {e.to: e.data for e in of_kind(ev, "compensation-offer-made")}
    assert made == {s: {"compensationOffers": [None, 50000]} for s in OWNERS}
    vote_all(g, [1])
    assert g.winning_condition == 1
    assert g.profit(1, 1) == 216000 + 50000
    assert g.profit(2, 1) == 820000 - 5 * 50000


def test_developer_offer_overwrites_owner_offer():
    g = voting_to(4)
    g.apply(3, Offer([None, 90000]))
    g.apply(2, Offer([None, 10000]))
    assert g.phase == 5
    vote_all(g, [1])
    assert g.profit(1, 1) == 226000 and g.profit(2, 1) == 770000


def test_string_offer_concatenates_owner_profits():
    g = voting_to(4)
    g.apply(2, Offer([None, "40000"]))
    ev = vote_all(g, [1])
    assert g.profit(1, 1) == "21600040000"  # 216000 + "40000"
    assert g.profit(3, 1) == "19500040000"
    assert g.profit(2, 1) == 620000  # 820000 + (-"40000" * 5)
    assert wire_data(of_kind(ev, "final-profit", 1)[0])["compensation"] == "40000"


def test_one_element_offer_makes_project_profits_nan():
    g = voting_to(4)
    g.apply(2, Offer([40000]))
    vote_all(g, [1])
    assert math.isnan(g.profit(1, 1)) and math.isnan(g.profit(2, 1))


def test_string_decision_approves_both():
    g = voting_to(4)
    g.apply(2, Offer([None, 1000]))
    advance_to(g, 6)
    for s in OWNERS:
        g.apply(s, Vote("10"))
    g.timeout()
    assert g.current.tally == [5, 5]
    assert g.winning_condition == 1


def test_blank_and_approval_ballots_events():
    g = voting_to(4)
    g.apply(2, Offer([None, 80000]))
    advance_to(g, 6)
    for s, d in {1: [1], 3: [None], 4: [None], 5: [None], 6: [None]}.items():
        ev = g.apply(s, Vote(d))
        assert (ev[0].kind, ev[0].to, ev[0].data) == ("compensation-decision-received", s, {})
    assert g.phase == 7
    assert wire_data(of_kind(ev, "final-profit", 1)[0]) == {
        "condition": 0, "tally": 0, "value": 586000, "compensation": None}


def test_any_seat_may_request_and_change_it():
    g = voting_to(3)
    assert only(g.apply(2, Request([None, 5]))) == ("compensation-request-received", 2,
                                                    {"compensationRequests": [None, 5]})
    g.apply(1, Request([None, 1]))
    g.apply(1, Request([None, 2]))
    assert g.by_seat[1].requests == [None, 2]


def test_chat_errors():
    g = voting_to(2)
    assert only(g.apply(1, Chat(to=[], text="hi"))) == (
        "error", 1, "Game 1: no recipient specified to this message: hi from Owner 1")
    assert only(g.apply(3, Chat(text="yo"))) == (
        "error", 3, "Game 1: no recipient specified to this message: yo from Owner 2")
    ev = g.apply(1, Chat(to=[3, 99, 4], text="deal?"))
    assert [(e.kind, e.to) for e in ev] == [("message-received", 3), ("error", 1), ("message-received", 4)]
    assert texts(ev) == ["Game 1: Could not find player 99"]
    ev = g.apply(1, Chat(to=["3"], text="x"))
    assert texts(ev) == ["Game 1: Could not find player 3"]
    ev = g.apply(1, Chat(to=[1, 3, 3], text="me too"))  # oneself and duplicates are delivered
    assert [e.to for e in of_kind(ev, "message-received")] == [1, 3, 3]


# ---------------------------------------------------------------------- more server behaviour (ibex-rules.md §4)


def test_ready_may_be_sent_again():
    g = server()
    assert only(g.apply(1, from_message({"gameId": 1, "type": "player-is-ready"}))) == ("ready-received", 1, {})
    assert only(g.apply(1, from_message({"gameId": 1, "type": "player-is-ready"}))) == ("ready-received", 1, {})


def test_phase_8_needs_the_winning_list_phase_3_does_not():
    g = server()
    advance_to(g, 2)
    declare_all(g, FIRST_DECLARATIONS)
    ev = g.apply(7, Snipe([]))  # phase 3: a missing snipe[w] counts as an empty list
    assert only(ev) == ("speculation-received", 7, {})
    snipe_all(g, {})
    advance_to(g, 7)
    declare_all(g, {s: [d, 0] for s, d in SECOND_DECLARATIONS.items()})
    assert g.phase == 8
    assert g.apply(7, Snipe([])) == []  # phase 8: snipe[w].length throws
    assert g.by_seat[7].done_speculating is False


def test_phase_7_cap_checks_both_conditions():
    g = server()
    to_market(g)
    advance_to(g, 7)
    ev = g.apply(1, Declare([586000, 800000]))  # index 1 (not the winning condition) above 2 x 350000
    assert only(ev) == ("declaration-above-max", 1, {"condition": "Project", "maximum": 700000})


def test_offer_without_field_ends_the_offer_phase_with_no_offer():
    g = voting_to(4)
    g.apply(2, Offer())
    assert g.phase == 5
    assert g.current.offer == []
    vote_all(g, [1])
    assert g.profit(1, 1) == 216000 and g.profit(2, 1) == 820000


def _round2_project_values() -> tuple[int, int]:
    """Seat 1's and the developer's Project values in round 2 of session 1 (sessions.json, x 1000)."""
    vals = session_table(1)["rounds"][2]["values"][1]
    return int(vals["owner"][0]) * 1000, int(vals["developer"]) * 1000


@pytest.mark.parametrize("compat", ["server", "strict"])
def test_stale_offer_displayed_but_not_paid(compat):
    """ibex-voting.md §12 item 2: a round without an offer after one with an offer."""
    g = make_game("voting", compat=compat, round_count=2, reward_round=2)
    advance_to(g, 4)
    g.apply(2, Offer([None, 50000]))
    advance_to(g, 6)
    for s in OWNERS:
        g.apply(s, Vote([1]))
    while g.round == 1:
        g.timeout()
    advance_to(g, 4)
    g.timeout()  # no offer in round 2
    advance_to(g, 6)
    ev = []
    for s in OWNERS:
        ev += g.apply(s, Vote([1]))
    ev += g.timeout()
    assert g.over and g.winning_condition == 1
    v1_owner1, v1_dev = _round2_project_values()
    assert g.profit(1, 2) == v1_owner1 and g.profit(2, 2) == v1_dev  # paid: no compensation
    shown = wire_data(of_kind(ev, "final-profit", 1)[0])["compensation"]
    summary = wire_data(of_kind(ev, "round-summary", 1)[0])
    if compat == "server":
        assert shown == 50000 and summary["profit"] == v1_owner1 + 50000  # the previous round's offer
    else:
        assert shown == 0 and summary["profit"] == v1_owner1
    assert wire_data(of_kind(ev, "reward", 1)[0])["profit"] == v1_owner1
