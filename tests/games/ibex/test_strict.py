"""Strict mode: every invalid input raises InvalidActionError naming seat, phase and field, and changes nothing."""

from __future__ import annotations

import math
from typing import Any

import pytest

from econlab.games.ibex import (
    CancelOrder,
    Chat,
    CompletePhase,
    Declare,
    GameOverError,
    InvalidActionError,
    Offer,
    PostOrder,
    Ready,
    Request,
    Snipe,
    Vote,
)
from econlab.games.ibex.jsnum import UNDEFINED

from ._helpers import (
    FIRST_DECLARATIONS,
    advance_to,
    all_views,
    ask,
    bid,
    declare_all,
    make_game,
    snipe_all,
    state_bytes,
    to_market,
)

NAN, INF = math.nan, math.inf
GARBAGE_NUMBERS = [NAN, INF, -INF, "300000", "abc", True, False, None, UNDEFINED, [1], {"a": 1}]


def assert_rejected(game, seat: int, action, field: str) -> InvalidActionError:
    """Apply ``action``; it must raise InvalidActionError for ``field`` and leave the state as it was."""
    before, views_before, n_log = state_bytes(game), all_views(game), len(game.log)
    phase, rnd = game.phase, game.round
    with pytest.raises(InvalidActionError) as info:
        game.apply(seat, action)
    exc = info.value
    assert (exc.seat, exc.phase, exc.round, exc.field) == (seat, phase, rnd, field), str(exc)
    text = str(exc)
    assert f"seat {seat}" in text and f"phase {phase}" in text and field in text
    assert state_bytes(game) == before
    assert all_views(game) == views_before
    assert len(game.log) == n_log + 1 and "error" in game.log[-1]  # the record keeps the rejected message
    return exc


# ---------------------------------------------------------------------- phase / role


def test_wrong_phase_type():
    g = make_game("harberger")
    advance_to(g, 2)
    assert_rejected(g, 7, bid(100), "type")  # post-order in phase 2
    assert_rejected(g, 1, Snipe([[], []]), "type")
    assert_rejected(g, 1, CompletePhase(), "type")
    assert_rejected(g, 1, Ready(), "type")
    advance_to(g, 3)
    assert_rejected(g, 1, Declare([1, 2]), "type")
    advance_to(g, 6)
    assert_rejected(g, 1, CompletePhase(), "type")
    assert_rejected(g, 1, Declare([1, 2]), "type")


def test_ready_twice():
    g = make_game("harberger")
    g.apply(1, Ready())
    assert_rejected(g, 1, Ready(), "type")


def test_wrong_role():
    g = make_game("harberger")
    advance_to(g, 2)
    assert_rejected(g, 7, Declare([500000, 200000]), "role")  # declare from a speculator
    declare_all(g, FIRST_DECLARATIONS)
    assert g.phase == 3
    assert_rejected(g, 1, Snipe([[4], []]), "role")  # snipe from an owner
    assert_rejected(g, 2, Snipe([[4], []]), "role")


@pytest.mark.parametrize(("seat", "action"), [
    (1, Offer([None, 40000])),  # offer from an owner
    (3, Offer([None, 40000])),
])
def test_voting_offer_from_owner(seat, action):
    g = make_game("voting")
    advance_to(g, 4)
    assert_rejected(g, seat, action, "role")


def test_voting_roles_for_request_and_vote():
    g = make_game("voting")
    advance_to(g, 3)
    assert_rejected(g, 2, Request([None, 100]), "role")
    advance_to(g, 6)
    assert_rejected(g, 2, Vote([1]), "role")


# ---------------------------------------------------------------------- declarations


@pytest.mark.parametrize("bad", GARBAGE_NUMBERS)
@pytest.mark.parametrize("index", [0, 1])
def test_declaration_entries_must_be_finite_numbers(bad, index):
    g = make_game("harberger")
    advance_to(g, 2)
    decl: list[Any] = [500000, 200000]
    decl[index] = bad
    assert_rejected(g, 1, Declare(decl), f"declaration[{index}]")


@pytest.mark.parametrize("bad", [None, UNDEFINED, "abc", 500000, {"0": 1, "1": 2}, [], [500000]])
def test_declaration_must_be_a_list_of_two(bad):
    g = make_game("harberger")
    advance_to(g, 2)
    assert_rejected(g, 1, Declare(bad), "declaration")


def test_declaration_cap_and_resend():
    g = make_game("harberger")
    advance_to(g, 2)
    assert_rejected(g, 1, Declare([1200001, 200000]), "declaration[0]")  # owner cap 2 x 600000
    assert_rejected(g, 1, Declare([500000, 700001]), "declaration[1]")  # owner cap 2 x 350000
    assert_rejected(g, 2, Declare([1000001, 500000]), "declaration[0]")  # developer cap 2 x 500000
    assert_rejected(g, 2, Declare([500000, 5500001]), "declaration[1]")  # developer cap 2 x 2750000
    g.apply(1, Declare([1200000, 700000]))  # exactly the cap: accepted
    g.apply(2, Declare([1000000, 5500000]))
    assert g.by_seat[1].lot.d == [1200000, 700000]


def test_repeated_declaration_and_negative_allowed():
    g = make_game("harberger")
    advance_to(g, 2)
    g.apply(3, Declare([-1000, -2000]))  # negatives are allowed (the server accepts them)
    assert_rejected(g, 3, Declare([480000, 200000]), "declaration")
    assert g.by_seat[3].lot.d == [-1000, -2000]


def test_second_declaration_rules():
    g = make_game("harberger")
    to_market(g)
    advance_to(g, 7)
    assert_rejected(g, 1, Declare([NAN, 0]), "declaration[0]")
    g.apply(1, Declare([586000, 0]))
    assert_rejected(g, 1, Declare([586000, 0]), "declaration")


# ---------------------------------------------------------------------- snipes


@pytest.fixture
def phase3():
    g = make_game("harberger")
    advance_to(g, 2)
    declare_all(g, FIRST_DECLARATIONS)
    assert g.phase == 3 and g.winning_condition == 0
    return g


@pytest.mark.parametrize(("snipe", "field"), [
    ([[99], []], "snipe[0]"),  # unknown lot
    ([[0], []], "snipe[0]"),
    ([["4"], []], "snipe[0]"),  # a string id never matches
    ([[True], []], "snipe[0]"),
    ([[4.5], []], "snipe[0]"),
    ([[None], []], "snipe[0]"),
    ([[4, 4], []], "snipe[0]"),  # duplicate lot
    ([[4, 2, 4], []], "snipe[0]"),
    ([[], [99]], "snipe[1]"),
    ([[], "x"], "snipe[1]"),
    ([], "snipe[0]"),  # missing the winning condition's list
    (["4"], "snipe[0]"),
    (None, "snipe"),
    (UNDEFINED, "snipe"),
    ("4", "snipe"),
    (4, "snipe"),
    ({"0": [4]}, "snipe"),
])
def test_invalid_snipes(phase3, snipe, field):
    assert_rejected(phase3, 7, Snipe(snipe), field)


def test_repeated_snipe(phase3):
    phase3.apply(7, Snipe([[4], []]))
    assert_rejected(phase3, 7, Snipe([[2], []]), "snipe")
    assert phase3.current.snipe_outcomes1 == [] and phase3.lot_by_id(4).speculators[0] == [7]


def test_futarchy_snipe_needs_both_lists():
    g = make_game("futarchy")
    advance_to(g, 2)
    declare_all(g, FIRST_DECLARATIONS)
    assert_rejected(g, 7, Snipe([[4]]), "snipe[1]")
    assert_rejected(g, 7, Snipe([[4], [99]]), "snipe[1]")
    g.apply(7, Snipe([[4], [2]]))


# ---------------------------------------------------------------------- orders


@pytest.fixture
def market():
    g = make_game("harberger")
    to_market(g)
    assert g.phase == 6 and g.winning_condition == 0
    return g


@pytest.mark.parametrize("bad", [NAN, INF, -INF, "42", "abc", True, None, UNDEFINED, [42], {"p": 1}])
@pytest.mark.parametrize("side", ["bid", "ask"])
def test_order_price_must_be_finite_number(market, bad, side):
    assert_rejected(market, 7, PostOrder(side=side, price=bad, condition=0), "order.price")


@pytest.mark.parametrize("price", [-50, -0.01, -INF])
def test_negative_price(market, price):
    assert_rejected(market, 7, bid(price), "order.price")


@pytest.mark.parametrize("quantity", [2, 0, -1, 1.5, "1", True, None, UNDEFINED, NAN])
def test_quantity_must_be_one(market, quantity):
    assert_rejected(market, 7, bid(100, quantity=quantity), "order.quantity")


@pytest.mark.parametrize("side", ["swap", None, UNDEFINED, "BID", 1])
def test_order_type(market, side):
    assert_rejected(market, 7, PostOrder(side=side, price=100, condition=0), "order.type")


@pytest.mark.parametrize("condition", [1, 2, "0", None, UNDEFINED, True, False, 0.5, -1])
def test_wrong_condition(market, condition):
    assert_rejected(market, 7, bid(100, condition=condition), "order.condition")
    assert_rejected(market, 7, CancelOrder(order_id=1, condition=condition), "order.condition")


def test_now_must_be_bool_and_order_present(market):
    assert_rejected(market, 7, bid(100, now="yes"), "order.now")
    assert_rejected(market, 7, bid(100, now=1), "order.now")
    assert_rejected(market, 7, PostOrder(has_order=False), "order")
    assert_rejected(market, 7, CancelOrder(has_order=False), "order")


def test_market_order_on_empty_book(market):
    assert_rejected(market, 7, bid(0, now=True), "order.now")
    assert_rejected(market, 7, ask(0, now=True), "order.now")
    market.apply(8, ask(9000))
    assert_rejected(market, 8, bid(0, now=True), "order.now")  # only own asks rest: no counterpart
    market.apply(7, bid(0, now=True))  # another seat's ask: accepted


def test_bid_beyond_cash_commitment(market):
    assert_rejected(market, 7, bid(50001), "order.price")  # speculator cash 50000
    market.apply(7, bid(30000))
    assert_rejected(market, 7, bid(20001), "order.price")  # 30000 + 20001 > 50000
    market.apply(7, bid(20000))  # exactly the balance


def test_ask_beyond_share_commitment(market):
    for price in range(20000, 20005):  # speculator 7 has 5 shares
        market.apply(7, ask(price))
    assert_rejected(market, 7, ask(30000), "order.type")
    market.apply(7, bid(100))  # a bid is still allowed


def test_cancel_rules(market):
    market.apply(7, bid(100))
    assert_rejected(market, 8, CancelOrder(order_id=1, condition=0), "order.id")  # another seat's order
    assert_rejected(market, 7, CancelOrder(order_id=777, condition=0), "order.id")  # unknown id
    assert_rejected(market, 7, CancelOrder(order_id="1", condition=0), "order.id")
    assert_rejected(market, 7, CancelOrder(order_id=None, condition=0), "order.id")
    market.apply(7, CancelOrder(order_id=1, condition=0))
    assert_rejected(market, 7, CancelOrder(order_id=1, condition=0), "order.id")  # already gone


def test_futarchy_order_conditions():
    g = make_game("futarchy")
    advance_to(g, 2)
    declare_all(g, FIRST_DECLARATIONS)
    snipe_all(g, {})
    advance_to(g, 6)
    assert_rejected(g, 7, bid(100, condition=2), "order.condition")
    g.apply(7, bid(100, condition=1))
    g.apply(7, bid(100, condition=0))
    assert_rejected(g, 7, bid(49901, condition=1), "order.price")  # each book has its own wallet copy


# ---------------------------------------------------------------------- voting fields


@pytest.fixture
def voting3():
    g = make_game("voting")
    advance_to(g, 3)
    return g


@pytest.mark.parametrize(("req", "field"), [
    ([None, -1], "compensationRequests[1]"),
    ([None, NAN], "compensationRequests[1]"),
    ([None, "300000"], "compensationRequests[1]"),
    ([None, None], "compensationRequests[1]"),
    ([None, True], "compensationRequests[1]"),
    (["x", 100], "compensationRequests[0]"),
    ([None], "compensationRequests"),
    ([None, 1, 2], "compensationRequests"),
    (300000, "compensationRequests"),
    (None, "compensationRequests"),
])
def test_invalid_requests(voting3, req, field):
    assert_rejected(voting3, 1, Request(req), field)


def test_repeated_request(voting3):
    voting3.apply(1, Request([None, 100]))
    assert_rejected(voting3, 1, Request([None, 200]), "compensationRequests")


@pytest.mark.parametrize(("offer", "field"), [
    ([None, "40000"], "compensationOffers[1]"),
    ([None, INF], "compensationOffers[1]"),
    ([None, None], "compensationOffers[1]"),
    ([None], "compensationOffers"),
    ("40000", "compensationOffers"),
    (UNDEFINED, "compensationOffers"),
])
def test_invalid_offers(offer, field):
    g = make_game("voting")
    advance_to(g, 4)
    assert_rejected(g, 2, Offer(offer), field)


@pytest.mark.parametrize("vote", [[None], [0, 1], [True], [2], ["1"], "1", 1, None, UNDEFINED, [1, 1]])
def test_invalid_votes(vote):
    g = make_game("voting")
    advance_to(g, 6)
    assert_rejected(g, 1, Vote(vote), "compensationDecisions")


def test_repeated_vote():
    g = make_game("voting")
    advance_to(g, 6)
    g.apply(1, Vote([1]))
    assert_rejected(g, 1, Vote([0]), "compensationDecisions")


@pytest.mark.parametrize(("to", "text", "field"), [
    ([], "hi", "to"),
    (None, "hi", "to"),
    (UNDEFINED, "hi", "to"),
    ([99], "hi", "to"),  # unknown recipient
    (["3"], "hi", "to"),
    ([3, 3], "hi", "to"),
    ([1], "hi", "to"),  # oneself
    ([3], "", "text"),
    ([3], "   ", "text"),
    ([3], 5, "text"),
    ([3], None, "text"),
    ([3], "x" * 2001, "text"),
])
def test_invalid_chat(to, text, field):
    g = make_game("voting")
    advance_to(g, 2)
    assert_rejected(g, 1, Chat(to=to, text=text), field)


def test_voting_wrong_phase():
    g = make_game("voting")
    advance_to(g, 3)
    assert_rejected(g, 1, Chat(to=[3], text="hi"), "type")
    assert_rejected(g, 2, Offer([None, 1]), "type")
    assert_rejected(g, 1, Vote([1]), "type")


# ---------------------------------------------------------------------- game over


@pytest.mark.parametrize("treatment", ["harberger", "futarchy", "voting"])
def test_actions_after_game_over(treatment):
    g = make_game(treatment)
    while not g.over:
        g.timeout()
    before = state_bytes(g)
    n_log = len(g.log)
    with pytest.raises(GameOverError):
        g.apply(1, Ready())
    with pytest.raises(GameOverError):
        g.apply(2, Declare([1, 2]))
    with pytest.raises(GameOverError):
        g.timeout()
    assert state_bytes(g) == before and len(g.log) == n_log
    assert g.accepted(1) == []


def test_timeouts_apply_defaults_in_strict_mode():
    """A whole game of timeouts only: every phase ends, defaults fill in, profits are finite."""
    g = make_game("harberger")
    while not g.over:
        g.timeout()
    # lows declared twice: D1 = [200000 + 5*350000, 500000 + 5*150000] = [1950000, 1250000] -> w = 0
    assert g.winning_condition == 0
    # seat 1: v0 586000 - 3500 - 115500 + 60000 + 6 * (1950000*33/100/100 = 6435) = 565610
    assert g.profit(1, 1) == pytest.approx(586000 - 3500 - 115500 + 60000 + 6 * 6435)
    assert all(math.isfinite(g.profit(s, 1)) for s in g.seats)
