"""Details of the spec that the mutation run found untested: wire names, recipients, defaults, parsing.

Each expectation is read from shared/spec (section in the comment), not from the engine's output.
"""

from __future__ import annotations

import pytest

from econlab.games.ibex import GameParams, InvalidActionError, PostOrder, from_message
from econlab.games.ibex.jsnum import UNDEFINED
from econlab.games.ibex.schedule import Scheduler
from econlab.games.ibex.view import view

from ._helpers import FIRST_DECLARATIONS, advance_to, ask, bid, declare_all, make_game, of_kind, snipe_all, texts


def test_a_missing_order_field_stays_undefined_not_null():
    # ibex-rules §10: the server tells a missing field (undefined) from null; the port keeps both as sent
    action = from_message({"gameId": 1, "type": "post-order", "order": {"price": 5, "quantity": 1, "condition": 0}})
    assert action.side is UNDEFINED and action.now is UNDEFINED
    nulls = from_message({"gameId": 1, "type": "post-order",
                          "order": {"price": 5, "quantity": 1, "condition": 0, "type": None, "now": None}})
    assert nulls.side is None and nulls.now is None


def test_the_scheduler_readies_every_seat_in_phase_0():
    # §3 phase 0 has no timer: it ends only when every player has sent player-is-ready
    game = make_game("harberger")
    Scheduler(2, 1).advance(game)
    ready = [e["number"] for e in game.log_json(0) if e.get("content", {}).get("type") == "player-is-ready"]
    assert sorted(ready) == game.seats


@pytest.mark.parametrize("treatment", ["harberger", "voting"])
def test_assign_role_event_and_tags(treatment):
    # §8 phase 1: a private assign-role to each seat (Voting's also carries number and tag), then players-known
    game = make_game(treatment)
    events = advance_to(game, 2)
    assigned = of_kind(events, "assign-role")
    assert sorted(e.to for e in assigned) == game.seats
    (known,) = of_kind(events, "players-known")
    tags = {p["number"]: p["tag"] for p in known.data["players"]}
    assert tags[2] == "Developer" and tags[1] == "Owner 1"  # §2 seat table
    for e in assigned:
        if treatment == "voting":
            assert e.data["number"] == e.to and e.data["tag"] == tags[e.to]
        if e.data["role"] != 1:
            assert e.data["property"]["owner"] == e.to


def test_the_winning_condition_is_unknown_before_it_is_drawn():
    game = make_game("harberger")
    assert game.winning_condition is None
    assert view(game, 1).winning_condition is None


@pytest.mark.parametrize("practice", [True, False])
def test_views_flag_the_practice_round(practice):
    game = make_game("voting", practice_round=practice, round_count=1 + practice)
    advance_to(game, 2)
    assert view(game, 1).practice is (game.round == 0)
    assert game.round == (0 if practice else 1)


@pytest.mark.parametrize("condition", [True, False])
def test_futarchy_condition_must_be_exactly_0_or_1(condition):
    # §6.2 step 2: Futarchy refuses a condition that is not exactly 0 or 1 (true is not 1)
    server = make_game("futarchy", compat="server")
    advance_to(server, 6)
    events = server.apply(7, PostOrder(side="bid", price=10, condition=condition, quantity=1, now=False))
    assert any("condition not understood" in t for t in texts(events))
    assert all(not b.orders for b in server.books.values())
    strict = make_game("futarchy")
    advance_to(strict, 6)
    with pytest.raises(InvalidActionError):
        strict.apply(7, PostOrder(side="bid", price=10, condition=condition, quantity=1, now=False))


def test_parameter_rows_round_trip_every_changed_field():
    # §1.4: every parameter, the unused ones included (minutes_for_trading), is part of the record
    params = GameParams.lab_default("harberger").replace(minutes_for_trading=7, round_count=3)
    assert GameParams.from_rows(params.to_rows()) == params


def test_profit_bills_are_private_and_name_their_owner():
    # §4.6 / event table: `profit` goes to one player ("me") and carries `owner`
    game = make_game("harberger")
    advance_to(game, 2)
    declare_all(game, FIRST_DECLARATIONS)
    events = snipe_all(game, {7: [[1], [1]]})
    while not game.over:
        events += game.timeout()
    bills = of_kind(events, "profit")
    assert bills and all(isinstance(e.to, int) for e in bills)
    holder_bills = [e for e in bills if "total" in e.data]
    assert holder_bills and all(e.data["owner"] == e.to for e in holder_bills)


@pytest.mark.parametrize(("side", "placeholder"), [("ask", "could-not-find-bids"), ("bid", "could-not-find-asks")])
def test_a_market_order_left_unfilled_names_the_missing_side(side, placeholder):
    # §6.4: a `now` order with quantity left after matching is discarded with a placeholder naming the side
    # it could not find; the server does not check quantity (§10), so a market order for 2 against 1 share
    game = make_game("harberger", compat="server")
    advance_to(game, 6)
    c = game.winning_condition
    resting = bid(5000, c) if side == "ask" else ask(5000, c)
    game.apply(7 if side == "ask" else 1, resting)
    market = PostOrder(side=side, price=0 if side == "ask" else 6000, condition=c, quantity=2, now=True)
    events = game.apply(3 if side == "ask" else 8, market)
    assert len(of_kind(events, "contract-fulfilled")) == 1
    (refused,) = of_kind(events, "order-refused")
    assert refused.data["placeholder"] == placeholder
