"""The tick scheduler: which phases need decisions and how a tick applies actions."""

from __future__ import annotations

import numpy as np

from econlab.games.ibex import Declare, Snipe, Vote
from econlab.games.ibex.schedule import Scheduler

from ._helpers import FIRST_DECLARATIONS, bid, make_game


def test_advance_stops_at_decisions():
    g = make_game("harberger")
    sch = Scheduler(market_ticks=2)
    sch.advance(g)
    assert g.phase == 2 and sch.deciders(g) == [1, 2, 3, 4, 5, 6]
    out = sch.step(g, {s: Declare(d) for s, d in FIRST_DECLARATIONS.items()} | {7: Declare([1, 2])},
                   np.random.default_rng(0))
    assert sorted(s for s, _ in out.applied) == [1, 2, 3, 4, 5, 6]
    assert (7 in out.rejected) != (7 in out.skipped)  # wrong role, or after the phase ended
    assert g.phase == 3 and sch.deciders(g) == [7, 8, 9, 10, 11, 12]
    sch.step(g, {s: Snipe([[], []]) for s in range(7, 13)}, np.random.default_rng(0))
    assert g.phase == 6  # 4 and 5 pass without a decision
    sch.step(g, {7: bid(100)}, np.random.default_rng(0))
    assert g.phase == 6
    sch.step(g, {}, np.random.default_rng(0))
    assert g.phase == 7  # market_ticks spent


def test_invalid_actions_are_reported_and_others_apply():
    g = make_game("harberger")
    sch = Scheduler()
    sch.advance(g)
    out = sch.step(g, {1: Declare([float("nan"), 0]), 3: Declare([480000, 200000])}, np.random.default_rng(1))
    assert list(out.rejected) == [1] and out.rejected[1].field == "declaration[0]"
    assert g.by_seat[3].lot.d is not None
    assert g.phase == 3  # the tick ended the phase: seat 1 got the lows
    assert g.by_seat[1].lot.d == [350000, 150000]


def test_voting_ticks_and_determinism():
    def run(seed):
        g = make_game("voting")
        sch = Scheduler(chat_ticks=0)
        sch.advance(g)
        rng = np.random.default_rng(seed)
        phases = [g.phase]
        while not g.over:
            acts = {s: Vote([1]) if g.phase == 6 else None for s in sch.deciders(g)}
            sch.step(g, acts, rng)
            phases.append(g.phase)
        return phases, g.winning_condition, [e for e in g.log_json()]

    a, b = run(3), run(3)
    assert a == b
    assert a[0][0] == 3 and a[1] == 1
