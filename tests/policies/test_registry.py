"""make_policy / available / spec_of, parameter validation, determinism."""

from __future__ import annotations

import dataclasses

import pytest
from policy_loop import new, play

from econlab.games.ibex.schedule import Scheduler
from econlab.games.ibex.view import view
from econlab.policies import Policy, RandomPolicy, Strategic, Truthful, VotingRational, available, make_policy


def test_available_lists_every_name_with_a_description() -> None:
    names = available()
    assert set(names) == {"truthful", "strategic", "random", "voting-rational"}
    assert all(isinstance(d, str) and d and "\n" not in d for d in names.values())


@pytest.mark.parametrize(("spec", "cls"), [("truthful", Truthful), ("strategic", Strategic), ("random", RandomPolicy),
                                           ("voting-rational", VotingRational)])
def test_make_policy_by_name(spec: str, cls: type) -> None:
    policy = make_policy(spec)
    assert type(policy) is cls
    assert isinstance(policy, Policy)
    assert policy.name == spec
    with pytest.raises(dataclasses.FrozenInstanceError):
        policy.x = 1  # type: ignore[attr-defined]


def test_parameters_are_parsed_and_round_trip() -> None:
    p = make_policy("strategic:shade=0.1,snipe_q=0.3, max_targets=2")
    assert isinstance(p, Strategic) and p.shade == 0.1 and p.snipe_q == 0.3 and p.max_targets == 2
    assert p.name == "strategic:shade=0.1,max_targets=2"
    assert make_policy(p.name) == p
    assert make_policy("strategic:shade=auto").shade is None
    assert make_policy("voting-rational:request_factor=1.5").request_factor == 1.5
    assert make_policy("random:idle=0").idle == 0.0


@pytest.mark.parametrize("spec", ["nonsense", "Truthful", "strategic:foo=1", "strategic:shade", "strategic:shade=x",
                                  "strategic:shade=1", "strategic:shade=-0.1", "strategic:max_targets=1.5",
                                  "strategic:trade_prob=2", "strategic:spread=nan", "random:idle=1.5",
                                  "voting-rational:offer_factor=-1", "truthful:x=1", "strategic:shade=0.1,shade=0.2"])
def test_bad_specs_raise_value_error(spec: str) -> None:
    with pytest.raises(ValueError):
        make_policy(spec)


def test_unknown_name_lists_valid_names() -> None:
    with pytest.raises(ValueError, match="random.*strategic.*truthful.*voting-rational"):
        make_policy("smart")


def test_direct_construction_is_validated() -> None:
    with pytest.raises(ValueError, match="snipe_q"):
        Strategic(snipe_q=1.5)
    with pytest.raises(ValueError, match="max_targets"):
        Strategic(max_targets=-1)
    with pytest.raises(ValueError, match="now_prob"):
        RandomPolicy(now_prob=-0.5)


@pytest.mark.parametrize("name", ["truthful", "strategic", "random", "voting-rational"])
@pytest.mark.parametrize("treatment", ["harberger", "futarchy", "voting"])
def test_same_seed_same_actions(name: str, treatment: str) -> None:
    a = play(treatment, make_policy(name), seed=5, market_ticks=6)
    b = play(treatment, make_policy(name), seed=5, market_ticks=6)
    assert a.actions == b.actions
    assert [r.profits for r in a.game.results] == [r.profits for r in b.game.results]


def test_random_differs_across_seeds() -> None:
    a = play("harberger", make_policy("random"), seed=5, market_ticks=6)
    b = play("harberger", make_policy("random"), seed=6, market_ticks=6)
    assert a.actions != b.actions


def test_act_is_pure_in_the_state() -> None:
    # acting twice from the same state gives the same action and the same next state
    game = new("harberger", seed=0)
    Scheduler().advance(game)
    policy = make_policy("random")
    state = policy.initial_state(1, 7)
    v = view(game, 1)
    first = policy.act(v, state)
    assert policy.act(v, state) == first
    assert first[1].step == state.step + 1
