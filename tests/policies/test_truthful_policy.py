"""The truthful baseline declares its true values, never snipes, never trades."""

from __future__ import annotations

import math

import pytest
from policy_loop import play

from econlab.games.ibex.actions import CancelOrder, PostOrder, Snipe
from econlab.games.ibex.params import DEVELOPER, OWNER
from econlab.policies import make_policy


@pytest.mark.parametrize("treatment", ["harberger", "futarchy"])
def test_truthful_declares_exactly_the_true_values(treatment: str) -> None:
    run = play(treatment, make_policy("truthful"), seed=3)
    game = run.game
    assert len(game.results) == 6
    for res in game.results:
        for seat, values in res.values.items():
            assert res.first_declarations[seat] == values
            assert res.second_declarations[seat] == values
            assert res.first_declared[seat] and res.second_declared[seat]
        assert res.snipes1_raw and all(s["snipe"] == [[], []] for s in res.snipes1_raw)
        assert not res.snipe_outcomes1 and not res.snipe_outcomes2
        assert not res.trades
    assert not any(isinstance(a, PostOrder | CancelOrder) for *_, a in run.actions)
    assert all(a == Snipe([[], []]) for *_, a in run.actions if isinstance(a, Snipe))


def test_truthful_voting_requests_loss_and_offers_pivotal_loss_if_profitable() -> None:
    run = play("voting", make_policy("truthful"), seed=0)
    game = run.game
    for res in game.results:
        losses = sorted(v[0] - v[1] for s, v in res.values.items() if game.by_seat[s].role == OWNER)
        requests = {r["number"]: r["compensationRequests"] for r in res.requests}
        for s, v in res.values.items():
            if game.by_seat[s].role == OWNER:
                assert requests[s] == [None, max(0, v[0] - v[1])]
        dev = next(s for s in res.values if game.by_seat[s].role == DEVELOPER)
        gain = res.values[dev][1] - res.values[dev][0]
        pivotal = max(0, losses[math.ceil(len(losses) / 2) - 1])
        expected = pivotal if 5 * pivotal <= gain else 0
        assert res.offer == [None, expected]
        # owners vote their own payoff, so the project passes iff the offer reaches the pivotal loss
        assert res.condition == (1 if expected >= losses[2] else 0)
