"""The fixed-seat env, the action menu and the features (no Ray, no torch)."""

from __future__ import annotations

import numpy as np
import pytest
from pettingzoo.test import parallel_api_test

from econlab.eval.runner import play_game
from econlab.eval.scenario import Scenario
from econlab.games.ibex.spec import GameSpec
from econlab.games.ibex.view import view
from econlab.policies import make_policy
from econlab.training import features as ft
from econlab.training import menu
from econlab.training.fixed_seat_env import FixedSeatEnv


def _scenario(treatment: str = "harberger", default: str = "strategic") -> Scenario:
    return Scenario(treatment=treatment, rounds=1, market_ticks=4, practice_round=False, default=default)


def _play(env: FixedSeatEnv, seed: int, choose) -> tuple[int, float]:  # noqa: ANN001
    obs, _ = env.reset(seed=seed)
    steps, total = 0, 0.0
    while env.agents:
        for o in obs.values():
            assert o["action_mask"][menu.NOOP] == 1
            assert env.observation_space("x").contains(o)
        obs, rewards, terms, truncs, _ = env.step({a: choose(o) for a, o in obs.items()})
        steps += 1
        total += sum(rewards.values())
    assert all(terms.values()) and not any(truncs.values())
    return steps, total


@pytest.mark.parametrize("treatment", ["harberger", "futarchy"])
@pytest.mark.parametrize("learn", [[7], [2], [1, 2, 8]])
def test_masked_random_play_only_learning_agents(treatment: str, learn: list[int]) -> None:
    env = FixedSeatEnv(_scenario(treatment), learn, seed=3)
    assert env.possible_agents == [f"player_{s}" for s in learn]
    rng = np.random.default_rng(0)
    steps, _ = _play(env, 5, lambda o: int(rng.choice(np.flatnonzero(o["action_mask"]))))
    assert steps > 0
    assert env.masked == 0
    assert env.game.over


def test_pettingzoo_parallel_api() -> None:
    parallel_api_test(FixedSeatEnv(_scenario(), [2, 7], seed=0), num_cycles=200)


def test_masked_choice_is_a_noop_and_counted() -> None:
    env = FixedSeatEnv(_scenario(), [7])
    # always the last menu entry: a Futarchy-only book in Harberger, or any entry outside its phase
    _play(env, 1, lambda o: menu.N_ACTIONS - 1 if not o["action_mask"][-1] else 0)
    assert env.masked > 0


def test_same_seed_same_game_as_the_runner() -> None:
    """All-noop learner in the env == a seat that never acts in the runner (same seeds, same game)."""
    sc = _scenario()
    env = FixedSeatEnv(sc, [7], session_from_seed=False)
    _play(env, 11, lambda o: menu.NOOP)
    env_profits = {r.round: dict(r.profits) for r in env.game.results if r.profits}
    policies = {s: make_policy(p) for s, p in sc.assignment().items()}
    policies[7] = make_policy("truthful")  # a truthful speculator never snipes nor trades: all no-ops
    run = play_game(GameSpec(params=sc.game_params(), seed=11, market_ticks=4), policies)
    assert run.profits == env_profits


def test_features_and_mask_shapes() -> None:
    env = FixedSeatEnv(_scenario(), [2])
    obs, _ = env.reset(seed=0)
    o = obs["player_2"]
    assert o["observations"].shape == (ft.n_features(6),)
    assert o["action_mask"].shape == (menu.N_ACTIONS,)
    assert o["action_mask"][menu.DECLARE0:menu.SNIPE0].all()  # the developer declares first
    assert not o["action_mask"][menu.SNIPE0:].any()
    assert len(menu.names()) == menu.N_ACTIONS


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="learn"):
        FixedSeatEnv(_scenario(), [13])
    with pytest.raises(ValueError, match="learn"):
        FixedSeatEnv(_scenario(), [])
    with pytest.raises(ValueError, match="Voting"):
        FixedSeatEnv(Scenario(treatment="voting"), [2])
    env = FixedSeatEnv(_scenario(), [7])
    env.reset(seed=0)
    with pytest.raises(ValueError, match="menu index"):
        menu.to_action(view(env.game, 7), menu.N_ACTIONS, np.random.default_rng(0))


class _Flaky:
    """A scripted policy that raises on every ``every``-th call (a real policy underneath)."""

    def __init__(self, every: int) -> None:
        self.inner, self.every, self.calls = make_policy("strategic"), every, 0
        self.name = f"flaky-strategic/{every}"

    def initial_state(self, seat: int, seed: int):  # noqa: ANN201 - PolicyState
        return self.inner.initial_state(seat, seed)

    def act(self, view, state):  # noqa: ANN001, ANN201
        self.calls += 1
        if self.calls % self.every == 0:
            raise ZeroDivisionError(f"opponent bug at call {self.calls}")
        return self.inner.act(view, state)


def _noop_episode(env: FixedSeatEnv, seed: int) -> dict:
    obs, info = env.reset(seed=seed)
    last = info
    while env.agents:
        obs, _, _, _, infos = env.step({a: menu.NOOP for a in obs})
        last = infos or last
    return next(iter(last.values()))


def test_opponent_failures_are_counted_per_opponent_in_infos() -> None:
    flaky = _Flaky(every=4)  # 25 % of its decisions: under the limit of 30 %
    env = FixedSeatEnv(_scenario(), [7], seed=1, policies={3: flaky}, max_opponent_error_rate=0.3)
    _noop_episode(env, 0)
    info = _noop_episode(env, 1)  # counted over the env's life, not per episode
    stats = env.opponent_stats
    assert stats[3]["errors"] == flaky.calls // 4 >= 2 and stats[3]["decisions"] == flaky.calls
    assert "ZeroDivisionError: opponent bug" in stats[3]["last_error"]
    assert info["opponent_errors"][3] == stats[3]["errors"] and info["opponent_decisions"][3] == flaky.calls
    assert all(stats[s]["errors"] == 0 for s in stats if s != 3)


def test_training_env_stops_when_an_opponent_fails_too_often() -> None:
    env = FixedSeatEnv(_scenario(), [7], seed=1, policies={3: _Flaky(every=3)}, max_opponent_error_rate=0.05)
    with pytest.raises(RuntimeError, match=r"opponent seat 3 \(flaky-strategic/3\) failed 2 of its 6 decisions "
                                           r"\(more than 5% allowed\); last error: ZeroDivisionError"):
        _noop_episode(env, 0)
    with pytest.raises(ValueError, match="max_opponent_error_rate"):
        FixedSeatEnv(_scenario(), [7], max_opponent_error_rate=1.5)
