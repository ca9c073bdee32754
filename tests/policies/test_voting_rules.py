"""Voting rules: requests, the developer's offer, votes by own payoff."""

from __future__ import annotations

import math

import numpy as np
import pytest
from policy_loop import new, play, step_to

from econlab.games.ibex.actions import Offer, Request, Vote
from econlab.games.ibex.params import DEVELOPER, OWNER
from econlab.games.ibex.schedule import Scheduler
from econlab.games.ibex.view import view
from econlab.policies import make_policy
from econlab.policies import voting_rules as vr


@pytest.mark.parametrize("offer", [0, 150000, 230000, 300000, 10**6])
def test_rational_owner_votes_by_own_payoff(offer: int) -> None:
    game = new("voting", seed=0)
    sched = Scheduler(chat_ticks=1)
    step_to(game, sched, 4)  # chat, then requests default
    sched.step(game, {2: Offer([None, offer])}, rng=np.random.default_rng(0))
    step_to(game, sched, 6)
    policy = make_policy("voting-rational")
    for seat in game.seats:
        if game.by_seat[seat].role != OWNER:
            continue
        v0, v1 = game.by_seat[seat].lot.v[:2]
        action, _ = policy.act(view(game, seat), policy.initial_state(seat, 0))
        assert action == Vote([1] if offer >= v0 - v1 else [0])


def test_rational_requests_offers_and_outcomes_over_a_game() -> None:
    run = play("voting", make_policy("voting-rational"), seed=1)
    game = run.game
    for res in game.results:
        owners = [s for s in res.values if game.by_seat[s].role == OWNER]
        dev = next(s for s in res.values if game.by_seat[s].role == DEVELOPER)
        losses = {s: res.values[s][0] - res.values[s][1] for s in owners}
        requests = {r["number"]: r["compensationRequests"][1] for r in res.requests}
        for s in owners:
            assert requests[s] == max(0, math.floor(losses[s] * 1.26 + 0.5))
        pivotal_request = sorted(requests.values())[2]
        gain = res.values[dev][1] - res.values[dev][0]
        expected = min(math.ceil(pivotal_request / 1.26 - 1e-6), math.floor(gain / 5))
        assert res.offer == [None, max(expected, 0)]
        assert 5 * res.offer[1] <= max(gain, 0)
        yes = sum(1 for s in owners if res.final_decisions[s] == [1])
        assert yes == sum(1 for s in owners if res.offer[1] >= losses[s])
        assert res.condition == (1 if yes >= len(owners) - yes else 0)


def test_rational_owner_request_and_developer_offer_from_view() -> None:
    game = new("voting", seed=0)
    sched = Scheduler(chat_ticks=1)
    step_to(game, sched, 3)
    policy = make_policy("voting-rational")
    action, _ = policy.act(view(game, 1), policy.initial_state(1, 0))
    v0, v1 = game.by_seat[1].lot.v[:2]
    assert action == Request([None, float(math.floor((v0 - v1) * 1.26 + 0.5))])
    requests = {1: 100000, 3: 200000, 4: 300000, 5: 400000, 6: 500000}
    rng = np.random.default_rng(0)
    sched.step(game, {s: Request([None, x]) for s, x in requests.items()}, rng)
    assert game.phase == 4
    dv = view(game, 2)
    assert vr.seen_requests(dv) == [100000, 200000, 300000, 400000, 500000]
    gain = dv.my_values[1] - dv.my_values[0]
    action, _ = policy.act(dv, policy.initial_state(2, 0))
    assert action == Offer([None, float(min(math.ceil(300000 / 1.26 - 1e-6), math.floor(gain / 5)))])
    truthful, _ = make_policy("truthful").act(dv, policy.initial_state(2, 0))
    assert truthful == Offer([None, 300000.0 if 5 * 300000 <= gain else 0.0])


def test_pivotal_rank_and_request() -> None:
    assert [vr.pivotal_rank(n) for n in (1, 2, 3, 4, 5, 6)] == [0, 0, 1, 1, 2, 2]
    assert vr.pivotal_request([5.0, 1.0, 4.0, 2.0, 3.0], 5) == 3.0
    assert vr.pivotal_request([], 5) == 0.0
    assert vr.request_amount(-5000, 1.26) == 0.0
    assert vr.request_amount(100000, 1.26) == 126000.0


def test_voting_rational_does_nothing_outside_voting() -> None:
    run = play("harberger", make_policy("voting-rational"), seed=0, market_ticks=2)
    assert run.game.over and not run.actions
