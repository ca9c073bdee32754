"""Every scripted policy plays full strict games in every role and treatment."""

from __future__ import annotations

import pytest
from policy_loop import play

from econlab.games.ibex import UniformValues
from econlab.games.ibex.params import DEVELOPER, OWNER, SPECULATOR
from econlab.policies import make_policy

CLEAN = ("truthful", "strategic", "voting-rational")
ROLES = {"harberger": (SPECULATOR, DEVELOPER, OWNER), "futarchy": (SPECULATOR, DEVELOPER, OWNER),
         "voting": (DEVELOPER, OWNER)}
CASES = [(name, t, role) for name in (*CLEAN, "random") for t, roles in ROLES.items() for role in roles]


@pytest.mark.parametrize(("name", "treatment", "role"), CASES)
def test_policy_in_role_is_accepted_by_strict_engine(name: str, treatment: str, role: int) -> None:
    # the tested policy in every seat of one role; the others strategic (busy market) or random
    for seed, others in ((0, "strategic"), (1, "random")):
        run = play(treatment, lambda seat, r, others=others: make_policy(name if r == role else others), seed)
        assert run.game.over
        tested = run.policies[next(s for s in run.game.seats if run.game.by_seat[s].role == role)].name
        if name in CLEAN:
            assert run.rejected[tested] == 0, [str(e) for n, e in run.errors if n == tested]
        else:
            assert run.rejection_rate(tested) < 0.05


@pytest.mark.parametrize("treatment", ["harberger", "futarchy", "voting"])
@pytest.mark.parametrize("name", [*CLEAN, "random"])
def test_homogeneous_games(name: str, treatment: str) -> None:
    for seed in range(2):
        run = play(treatment, make_policy(name), seed, values=UniformValues() if seed else None)
        assert run.game.over
        if name in CLEAN:
            assert not run.errors, [str(e) for _, e in run.errors]
        else:
            assert run.rejection_rate(name) < 0.05
        if name != "voting-rational" or treatment == "voting":
            assert run.sent[name] > 0


def test_random_rejection_rate_is_low_over_many_ticks() -> None:
    sent = rejected = 0
    for seed in range(3):
        for treatment in ("harberger", "futarchy"):
            run = play(treatment, make_policy("random"), seed, market_ticks=20)
            sent += run.sent["random"]
            rejected += run.rejected["random"]
    assert sent > 1000
    assert rejected / sent < 0.05


def test_strategic_among_random_traders_has_no_rejection() -> None:
    # cancels only target orders with three better orders of others ahead (no race with fills)
    for seed in range(8):
        for treatment in ("harberger", "futarchy"):
            run = play(treatment, lambda s, r: make_policy("strategic" if s % 2 else "random"), seed,
                       market_ticks=20)
            assert run.rejected["strategic"] == 0, [str(e) for n, e in run.errors if n == "strategic"]
            assert run.sent["strategic"] > 0
