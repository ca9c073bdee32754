"""Voting treatment: worked examples A-D of ibex-voting.md §7 and the §11.2 human-session payment check.

Numbers are copied from the spec. The §11.2 per-round profits are recomputed in the test from the
value table with the §6.1 formula (independently of the engine).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from econlab.games.ibex import Chat, GameParams, Offer, Request, SessionValues, Vote, from_message, new_game
from econlab.games.ibex.data import session_table

from ._helpers import HUMAN, OWNERS, advance_to, load_json, make_game, needs_human, of_kind, wire_data

REQUESTS_A = {1: 400000, 3: 310000, 4: 300000, 5: 340000, 6: 300000}


def play_round(game, offer: Any, decisions: dict[int, Any], requests: dict[int, Any] | None = None):
    """Requests, one offer from the developer, the decisions; returns the events of the vote and results."""
    advance_to(game, 3)
    for seat, r in (requests or REQUESTS_A).items():
        game.apply(seat, Request([None, r]))
    assert game.phase == 4
    game.apply(2, Offer(offer))
    assert game.phase == 5
    game.timeout()
    assert game.phase == 6
    events = []
    for seat, d in decisions.items():
        events += game.apply(seat, Vote(d))
    if game.phase == 6:
        events += game.timeout()
    assert game.phase == 7
    events += game.timeout()
    assert game.over
    return events


def final_profit(events, seat):
    (ev,) = of_kind(events, "final-profit", seat)
    return wire_data(ev)


def test_example_a_human_round():
    g = make_game("voting")
    ev = play_round(g, [None, 70000], {s: [0] for s in OWNERS})
    assert g.winning_condition == 0
    assert g.current.tally == [5, 0]  # A0 = 5, A1 = 0
    assert final_profit(ev, 1) == {"condition": 0, "tally": 5, "value": 586000, "compensation": None}
    assert final_profit(ev, 2) == {"condition": 0, "tally": 5, "value": 386000, "compensation": 0}
    profits = {s: g.profit(s, 1) for s in (1, 3, 4, 5, 6, 2)}
    assert profits == {1: 586000, 3: 482000, 4: 560000, 5: 580000, 6: 465000, 2: 386000}
    rewards = {e.to: e.data for e in of_kind(ev, "reward")}
    assert rewards[1]["reward"] == pytest.approx(34.30, abs=1e-9)
    assert rewards[2]["gameFee"] == pytest.approx(17.72, abs=1e-9)
    assert rewards[2]["reward"] == pytest.approx(22.72, abs=1e-9)


def test_example_a_developer_sees_requests_in_seat_order():
    g = make_game("voting")
    advance_to(g, 3)
    for seat, r in REQUESTS_A.items():
        ev = g.apply(seat, Request([None, r]))
        if seat != 6:
            assert [e.data for e in of_kind(ev, "compensation-request-received")] == [
                {"compensationRequests": [None, r]}]
    (req,) = of_kind(ev, "compensation-requests-received")
    assert req.to == ("role", 2)
    entries = req.data["compensationRequests"]
    assert [e["number"] for e in entries] == [1, 2, 3, 4, 5, 6]  # the developer's own entry included
    assert [e["compensationRequests"] for e in entries if e["number"] != 2] == [
        [None, 400000], [None, 310000], [None, 300000], [None, 340000], [None, 300000]]


def test_example_b_tie_with_abstention():
    g = make_game("voting")
    ev = play_round(g, [None, 80000], {1: [1], 3: [1], 4: [0], 6: [0]})
    assert g.winning_condition == 1
    assert g.current.tally == [2, 2]
    profits = {s: g.profit(s, 1) for s in (1, 3, 4, 5, 6, 2)}
    assert profits == {1: 296000, 3: 275000, 4: 408000, 5: 271000, 6: 297000, 2: 420000}
    rewards = {e.to: e.data for e in of_kind(ev, "reward")}
    assert rewards[1]["reward"] == pytest.approx(19.80, abs=1e-9)
    assert rewards[2]["reward"] == pytest.approx(23.40, abs=1e-9)
    # total value 1 967 000
    assert sum(profits.values()) == 1967000


def test_example_c_blank_ballots():
    g = make_game("voting", compat="server")
    play_round(g, [None, 80000], {1: [1], 3: [None], 4: [None], 5: [None], 6: [None]})
    assert g.current.tally == [0, 1]  # V = 5, quorum 2, A1 = 1 < 2
    assert g.winning_condition == 0


def test_example_d_approval_ballot():
    g = make_game("voting", compat="server")
    ev = play_round(g, [0, 40000], {1: [1], 3: [0, 1], 4: [0], 5: [1]})
    assert g.current.tally == [2, 3]
    assert g.winning_condition == 1
    assert g.profit(1, 1) == 256000
    assert g.profit(2, 1) == 620000
    assert final_profit(ev, 2)["compensation"] == -200000


@pytest.mark.parametrize(("decisions", "w"), [
    ({}, 1),  # everyone abstains: V = 0, tie at the top -> Project
    ({1: [1]}, 1),
    ({1: [0]}, 0),
    ({1: [1], 3: [0]}, 1),
    ({1: [1], 3: [0], 4: [0]}, 0),
    ({1: [1], 3: [1], 4: [0], 5: [0], 6: [0]}, 0),
    ({1: [1], 3: [1], 4: [1], 5: [0], 6: [0]}, 1),
])
def test_single_choice_rule_is_yes_at_least_no(decisions, w):
    g = make_game("voting")
    play_round(g, [None, 1000], decisions)
    assert g.winning_condition == w


def test_no_offer_means_zero_and_requests_default():
    g = make_game("voting")
    advance_to(g, 3)
    g.apply(1, Request([None, 5000]))
    ev = g.timeout()  # four owners did not ask: [0, 0]
    (req,) = of_kind(ev, "compensation-requests-received")
    by_seat = {e["number"]: e["compensationRequests"] for e in req.data["compensationRequests"]}
    assert by_seat[1] == [None, 5000] and by_seat[3] == [0, 0] and by_seat[6] == [0, 0]
    ev = g.timeout()  # no offer
    made = {e.to: e.data for e in of_kind(ev, "compensation-offer-made")}
    assert sorted(made) == [1, 3, 4, 5, 6]
    assert all(d == {"compensationOffers": [0, 0]} for d in made.values())
    g.timeout()
    for s in OWNERS:
        g.apply(s, Vote([1]))
    g.timeout()
    assert g.winning_condition == 1
    assert g.profit(1, 1) == 216000 and g.profit(2, 1) == 820000


def test_chat_delivery_and_counter():
    g = make_game("voting")
    advance_to(g, 2)
    g.now_ms = 1234
    ev = g.apply(1, Chat(to=[3, 4], text="hello"))
    got = [(e.to, e.data) for e in of_kind(ev, "message-received")]
    assert got == [(3, {"sender": 1, "to": [3, 4], "number": 0, "text": "hello", "time": 1234}),
                   (4, {"sender": 1, "to": [3, 4], "number": 1, "text": "hello", "time": 1234})]
    ev = g.apply(2, Chat(to=[1], text="hi"))
    assert [e.data["number"] for e in of_kind(ev, "message-received")] == [2]


# ---------------------------------------------------------------------- §11.2 human sessions


def replay_human(game_id: int):
    """Replay a human record through the engine in server mode; returns the game and all events."""
    rec = load_json(HUMAN / f"voting-{game_id}.log.json")
    params = GameParams.from_rows(rec["parameters"])
    game = new_game(params, SessionValues(session_table(params.session_number)), np.random.default_rng(0),
                    compat="server", game_id=game_id)
    game.unjoin_all()
    events = game.start()
    k = 0
    for entry in rec["log"]:
        if entry["type"] == "phase-timeout":
            assert (game.round, game.phase) == (entry["round"], entry["phase"])
            events += game.timeout()
            continue
        content = entry["content"]
        if content.get("type") == "join":
            if "number" in entry:
                events += game.join(entry["number"])
            else:
                k += 1
                events += game.join(k)
            continue
        assert (game.round, game.phase) == (entry["round"], entry["phase"]), entry
        events += game.apply(entry["number"], from_message(content), raw=content)
    return game, events, params


HUMAN_ROUNDS = {
    # round: (offer, outcome, A0, A1)
    223: {0: (50000, 0, 5, 0), 1: (70000, 0, 5, 0), 2: (300000, 1, 0, 5), 3: (40000, 0, 5, 0),
          4: (250000, 1, 1, 4), 5: (250000, 0, 3, 2)},
    224: {0: (235000, 0, 3, 2), 1: (425000, 1, 1, 4), 2: (217000, 0, 4, 1), 3: (324000, 1, 2, 3),
          4: (154000, 0, 5, 0), 5: (120000, 0, 5, 0)},
}
PAYMENT = {
    223: (4, {1: (432000, 26.60), 2: (969000, 34.38), 3: (538000, 31.90), 4: (424000, 26.20),
              5: (580000, 34.00), 6: (423000, 26.15)}),
    224: (5, {1: (390000, 24.50), 2: (332000, 21.64), 3: (539000, 31.95), 4: (514000, 30.70),
              5: (379000, 23.95), 6: (464000, 28.20)}),
}


@pytest.fixture(scope="module", params=[pytest.param(223, marks=needs_human), pytest.param(224, marks=needs_human)])
def human(request):
    game, events, params = replay_human(request.param)
    return request.param, game, events, params


def test_human_replay_finishes_without_errors(human):
    gid, game, events, params = human
    assert game.over
    assert params.session_number == (1 if gid == 223 else 2)
    assert params.practice_round and params.round_count == 5
    assert [e for e in events if e.kind in ("error", "warning")] == []
    assert [r.round for r in game.results] == [0, 1, 2, 3, 4, 5]


def test_human_round_outcomes_offers_and_tallies(human):
    gid, game, _, _ = human
    for r in game.results:
        offer, outcome, a0, a1 = HUMAN_ROUNDS[gid][r.round]
        assert r.offer == [None, offer], r.round
        assert r.condition == outcome, r.round
        assert r.tally == [a0, a1], r.round


def test_human_every_round_profit(human):
    """§6.1 from the value table: owner v[w] + offer·w, developer v_d[w] − 5·offer·w."""
    gid, game, _, params = human
    table = session_table(params.session_number)
    owner_seats = [1, 3, 4, 5, 6]
    for r in game.results:
        offer, w, _, _ = HUMAN_ROUNDS[gid][r.round]
        vals = table["rounds"][r.round]["values"][w]
        comp = offer if w == 1 else 0
        expected = {2: int(vals["developer"]) * 1000 - 5 * comp}
        for k, seat in enumerate(owner_seats):
            expected[seat] = int(vals["owner"][k]) * 1000 + comp
        assert r.profits == expected, r.round


def test_human_payment_check(human):
    gid, game, events, _ = human
    rho, table = PAYMENT[gid]
    assert game.reward_round == rho
    rewards = {e.to: e.data for e in of_kind(events, "reward")}
    assert sorted(rewards) == [1, 2, 3, 4, 5, 6]
    for seat, (profit, euros) in table.items():
        assert rewards[seat]["round"] == rho
        assert rewards[seat]["profit"] == profit, seat
        assert rewards[seat]["reward"] == pytest.approx(euros, abs=1e-9), seat


@needs_human
def test_human_223_practice_request_defaulted():
    game, events, _ = replay_human(223)
    first = [e for e in of_kind(events, "compensation-requests-received")][0]
    reqs = {e["number"]: e["compensationRequests"] for e in first.data["compensationRequests"]}
    assert [reqs[s][1] for s in (1, 3, 4, 5, 6)] == [400000, 0, 359000, 190000, 600000]
    assert reqs[3] == [0, 0]
