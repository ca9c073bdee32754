"""The phase machine: determinism, pickling mid-game, seat binding, completion tests and timers."""

from __future__ import annotations

import copy
import dataclasses
import pickle
import random

import numpy as np
import pytest

from econlab.games.ibex import (
    CancelOrder,
    Declare,
    GameOverError,
    InvalidActionError,
    Ready,
    SessionValues,
    Snipe,
    UniformValues,
    new_game,
)
from econlab.games.ibex.data import session_table
from econlab.games.ibex.jsnum import to_json

from ._helpers import (
    FIRST_DECLARATIONS,
    advance_to,
    ask,
    bid,
    make_game,
    params,
    ready_all,
    state_bytes,
    to_market,
)


def random_script(treatment: str, seed: int, n: int = 400):
    """A fixed pseudo-random list of plausible actions and timeouts (strict-mode rejections allowed)."""
    rnd = random.Random(seed)
    out = []
    seats = list(range(1, 7 if treatment == "voting" else 13))
    from econlab.games.ibex import Chat, CompletePhase, Offer, Request, Vote

    for _ in range(n):
        r = rnd.random()
        seat = rnd.choice(seats)
        if r < 0.08:
            out.append(("timeout", 0, None))
        elif r < 0.2:
            out.append(("act", seat, Ready()))
        elif treatment == "voting":
            out.append(("act", seat, rnd.choice([
                Chat(to=[s for s in seats if s != seat][:2], text="hi"),
                Request([None, rnd.randrange(0, 500000, 1000)]),
                Offer([None, rnd.randrange(0, 300000, 1000)]),
                Vote(rnd.choice([[0], [1], []])),
            ])))
        else:
            out.append(("act", seat, rnd.choice([
                Declare([rnd.randrange(300000, 600000, 1000), rnd.randrange(150000, 700000, 1000)]),
                Snipe([rnd.sample(range(1, 7), rnd.randint(0, 2)), rnd.sample(range(1, 7), rnd.randint(0, 2))]),
                CompletePhase(),
                bid(rnd.randrange(5000, 12000, 100), rnd.choice([0, 1]), now=rnd.random() < 0.2),
                ask(rnd.randrange(5000, 12000, 100), rnd.choice([0, 1]), now=rnd.random() < 0.2),
                CancelOrder(order_id=rnd.randint(1, 5), condition=rnd.choice([0, 1])),
            ])))
    return out


def play(game, script):
    events = []
    for what, seat, action in script:
        if game.over:
            break
        if what == "timeout":
            events += game.timeout()
            continue
        try:
            events += game.apply(seat, action)
        except InvalidActionError as exc:
            events.append(("rejected", exc.seat, exc.field))
    return events


def finish(game):
    while not game.over:
        game.timeout()


def fingerprint(game, events):
    """The log, every event as sent, each round's outcome and the rewards, as JSON data."""
    log = game.log_json() if hasattr(game, "log_json") else to_json(game.log)
    wire = [e.to_wire() if hasattr(e, "to_wire") else list(e) for e in events]
    return (
        log,
        wire,
        [(r.round, r.condition, to_json(r.profits)) for r in game.results],
        game.reward_round,
        to_json(game.rewards),
    )


@pytest.mark.parametrize("treatment", ["harberger", "futarchy", "voting"])
@pytest.mark.parametrize("compat", ["strict", "server"])
def test_same_seed_same_actions_same_game(treatment, compat):
    script = random_script(treatment, seed=7)
    runs = []
    for _ in range(2):
        g = make_game(treatment, compat, round_count=2, reward_round=None, seed=11)
        ev = play(g, script)
        finish(g)
        runs.append(fingerprint(g, ev))
    assert runs[0] == runs[1]


def test_random_paid_round_is_seeded():
    rounds = set()
    for seed in range(12):
        draws = []
        for _ in range(2):
            g = make_game("voting", round_count=5, reward_round=None, seed=seed)
            finish(g)
            draws.append(g.reward_round)
        assert draws[0] == draws[1]
        rounds.add(draws[0])
    assert rounds <= {1, 2, 3, 4, 5} and len(rounds) > 1
    g = make_game("voting", round_count=5, reward_round=3)
    finish(g)
    assert g.reward_round == 3


def test_uniform_values_are_seeded():
    p = params("harberger")
    a = new_game(p, UniformValues(), np.random.default_rng(5))
    b = new_game(p, UniformValues(), np.random.default_rng(5))
    c = new_game(p, UniformValues(), np.random.default_rng(6))
    for g in (a, b, c):
        g.start()
    va = [q.lot.v for q in a.players if q.lot]
    assert va == [q.lot.v for q in b.players if q.lot]
    assert va != [q.lot.v for q in c.players if q.lot]
    for q in a.players:
        if q.lot:
            rp = p.role(q.role)
            assert rp.low(0) <= q.lot.v[0] <= rp.high(0) and rp.low(1) <= q.lot.v[1] <= rp.high(1)


@pytest.mark.parametrize("treatment", ["harberger", "futarchy", "voting"])
@pytest.mark.parametrize("cut", [37, 120, 250])
def test_pickle_round_trip_mid_game(treatment, cut):
    script = random_script(treatment, seed=3)
    g = make_game(treatment, "strict", round_count=2, reward_round=None, seed=4)
    play(g, script[:cut])
    before = state_bytes(g)
    for copy_of in (lambda x: pickle.loads(pickle.dumps(x)), copy.deepcopy, lambda x: x.clone()):
        h = copy_of(g)
        assert h is not g
        ev_h = play(h, script[cut:])
        finish(h)
        g2 = pickle.loads(pickle.dumps(g))
        ev_g = play(g2, script[cut:])
        finish(g2)
        assert fingerprint(h, ev_h) == fingerprint(g2, ev_g)
    assert state_bytes(g) == before  # the original is untouched by its copies


def test_state_pickles_without_the_game():
    g = make_game("harberger")
    to_market(g)
    g.apply(7, bid(9000))
    players = pickle.loads(pickle.dumps(g.players))
    assert [p.wallet[0].balance for p in players] == [p.wallet[0].balance for p in g.players]
    book = pickle.loads(pickle.dumps(g.books))
    assert [o.to_json() for o in book[0].orders] == [o.to_json() for o in g.books[0].orders]


# ---------------------------------------------------------------------- seat binding and phase engine


def test_phase_0_waits_for_every_seat_to_join_and_be_ready():
    g = make_game("harberger", start=False)
    g.unjoin_all()
    g.start()
    for s in g.seats:
        g.apply(s, Ready())
    assert g.phase == 0  # nobody joined
    for s in g.seats[:-1]:
        g.join(s)
    assert g.phase == 0
    g.join(g.seats[-1])  # the join runs the completion test, as on the server
    assert g.phase == 1


def test_ready_barrier_every_round():
    g = make_game("voting", round_count=2)
    ready_all(g)
    while g.round == 1:
        g.timeout()
    assert g.phase == 0 and not any(p.ready for p in g.players)
    g.apply(1, Ready())
    assert g.phase == 0


def test_timeout_ends_phase_with_defaults_and_exactly_once():
    g = make_game("harberger")
    advance_to(g, 2)
    for s, d in FIRST_DECLARATIONS.items():
        if s != 6:
            g.apply(s, Declare(d))
    assert g.phase == 2
    ev = g.timeout()
    assert g.phase == 3
    kinds_ = [e.kind for e in ev]
    assert kinds_.count("phase-transition") == 1
    assert kinds_.count("declarations-published") == 1
    assert g.by_seat[6].lot.d == [350000, 150000]


def test_phase_transition_after_entry_events():
    g = make_game("harberger")
    advance_to(g, 2)
    ev = []
    for s, d in FIRST_DECLARATIONS.items():
        ev += g.apply(s, Declare(d))
    kinds_ = [e.kind for e in ev]
    i_pub, i_pt = kinds_.index("declarations-published"), kinds_.index("phase-transition")
    assert i_pub < i_pt
    assert ev[i_pt].data == {"round": 1, "phase": 3}
    assert ev[i_pt + 1].kind == "notice" and ev[i_pt + 1].data["message"] == "Phase 3 has begun."


def test_practice_round_is_not_paid():
    g = make_game("voting", practice_round=True, round_count=1, reward_round=None)
    assert g.round == 0
    finish(g)
    assert [r.round for r in g.results] == [0, 1]
    assert g.reward_round == 1


def test_no_show_up_fee_no_reward():
    g = make_game("harberger", show_up_fee=None)
    ev = []
    while not g.over:
        ev += g.timeout()
    assert [e for e in ev if e.kind == "reward"] == []
    assert ev[-1].kind == "game-over"


def test_strict_game_over_raises_and_server_is_silent():
    for compat in ("strict", "server"):
        g = make_game("voting", compat)
        finish(g)
        if compat == "strict":
            with pytest.raises(GameOverError):
                g.apply(1, Ready())
        else:
            assert g.apply(1, Ready()) == []


def test_values_source_is_session_table():
    g = new_game(params("harberger"), SessionValues(session_table(2)), np.random.default_rng(0))
    g.start()
    t = session_table(2)["rounds"][1]["values"]
    assert g.by_seat[2].lot.v[:2] == [int(t[0]["developer"]) * 1000, int(t[1]["developer"]) * 1000]
    assert g.by_seat[3].lot.v[:2] == [int(t[0]["owner"][1]) * 1000, int(t[1]["owner"][1]) * 1000]
    with pytest.raises(ValueError):
        SessionValues({"id": 1})


def test_session_table_too_small_for_the_seats_is_a_value_error():
    base = params("harberger")
    more = base.replace(speculators=dataclasses.replace(base.speculators, count=7))
    g = new_game(more, SessionValues(session_table(1)), np.random.default_rng(0))
    with pytest.raises(ValueError, match="values for 6 speculators, but the game has 7"):
        g.start()


def test_unknown_seat_is_a_value_error():
    g = make_game("harberger")
    with pytest.raises(ValueError):
        g.apply(13, Ready())
    with pytest.raises(ValueError):
        g.apply(True, Ready())


@pytest.mark.parametrize("treatment", ["harberger", "futarchy", "voting"])
@pytest.mark.parametrize("compat", ["strict", "server"])
def test_events_off_changes_no_outcome(treatment, compat):
    """emit_events=False (fast simulations) must give the same results, log and summaries."""
    script = random_script(treatment, seed=21)
    outs = []
    for emit in (True, False):
        g = new_game(params(treatment, round_count=2), SessionValues(session_table(1)), np.random.default_rng(2),
                     compat=compat, emit_events=emit)
        g.start()
        play(g, script)
        finish(g)
        outs.append((
            g.log_json(),
            to_json([vars(r) for r in g.results]),
            to_json([p.summaries for p in g.players]),
            to_json(g.rewards),
        ))
    assert outs[0] == outs[1]
