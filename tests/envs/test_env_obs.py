"""The fast observations: equal to the per-view reference encoder, read-only, shared only where public."""

from __future__ import annotations

import pickle
from dataclasses import asdict

import numpy as np
import pytest

from econlab.envs import IbexEnv
from econlab.games.ibex.view import view

from . import _reference as ref
from ._helpers import ENV_IDS, masked_random, seed_spaces, small

#: keys whose array is the same object in every agent's observation
SHARED = {"phase", "round", "tick", "boundaries", "first_declarations", "second_declarations", "winning_condition",
          "public_signal", "trades"}
#: per-seat keys that never change (the same array object at every step)
STATIC = {"seat", "role"}


def _reference(env: IbexEnv, agent: str) -> tuple[dict[str, np.ndarray], dict[int, ref.BookInfo]]:
    game, sched = env.game, env.scheduler
    tick = 0.0 if game.over else sched.tick_in_phase / max(1, sched.ticks_in(game))
    seat = int(agent.split("_")[1])
    return ref.encode(view(game, seat), env.scales, tick, env.observation_space(agent))


def _check_equal(env: IbexEnv, obs: dict[str, dict[str, np.ndarray]]) -> None:
    for agent, o in obs.items():
        want, books = _reference(env, agent)
        assert list(o) == list(env.observation_space(agent).spaces), agent
        for k, a in want.items():
            assert o[k].dtype == a.dtype and o[k].shape == a.shape, (agent, k)
            assert np.array_equal(o[k], a), (agent, k, o[k], a)
        got = env._last[int(agent.split("_")[1])].books
        assert {c: asdict(b) for c, b in books.items()} == {
            c: {f: getattr(b, f) for f in b.__slots__} for c, b in got.items()}


@pytest.mark.parametrize("name", ENV_IDS)
@pytest.mark.parametrize(("compat", "values", "practice", "info_view"), [
    ("strict", "session", False, False), ("server", "uniform", True, True)])
def test_observations_equal_the_reference_encoder(name: str, compat: str, values: str, practice: bool,
                                                  info_view: bool) -> None:
    env = small(name, rounds=2, compat=compat, values=values, practice_round=practice, market_ticks=6,
                chat_ticks=2, info_view=info_view)
    for seed in range(3):
        obs, _ = env.reset(seed=seed)
        seed_spaces(env, seed)
        rng = np.random.default_rng(seed)
        while env.agents:
            _check_equal(env, obs)
            obs, *_ = env.step(masked_random(env, obs, rng))
        _check_equal(env, obs)


def _arrays(obs: dict[str, dict[str, np.ndarray]]) -> list[tuple[str, str, np.ndarray]]:
    return [(agent, k, a) for agent, o in obs.items() for k, a in o.items()]


@pytest.mark.parametrize("name", ENV_IDS)
def test_observation_arrays_are_read_only_and_in_their_spaces(name: str) -> None:
    env = small(name, market_ticks=4)
    obs, _ = env.reset(seed=1)
    seed_spaces(env, 1)
    rng = np.random.default_rng(1)
    while env.agents:
        previous = obs
        obs, *_ = env.step(masked_random(env, obs, rng))
        for agent, k, a in _arrays(obs):
            assert not a.flags.writeable, (agent, k)
            assert env.observation_space(agent)[k].contains(a), (agent, k)
            with pytest.raises(ValueError, match="read-only"):
                a[...] = 0
        for agent, k, a in _arrays(previous):  # a step writes new buffers: earlier observations stay as they were
            if k not in SHARED | STATIC:
                assert not np.shares_memory(a, obs[agent][k]), (agent, k)


@pytest.mark.parametrize("name", ENV_IDS)
def test_private_arrays_are_not_aliased_across_agents(name: str) -> None:
    env = small(name, market_ticks=4)
    obs, _ = env.reset(seed=2)
    while env.game.phase < 6 and env.agents:
        obs, *_ = env.step({})
    agents = list(obs)
    for k in obs[agents[0]]:
        for i, a in enumerate(agents):
            for b in agents[i + 1:]:
                if k in SHARED:
                    assert obs[a][k] is obs[b][k], k
                elif k not in ("seat", "role"):
                    assert not np.shares_memory(obs[a][k], obs[b][k]), (k, a, b)
    assert all(obs[a]["seat"] is not obs[b]["seat"] for a in agents for b in agents if a != b)


def test_seat_view_without_info_view_is_built_on_demand() -> None:
    env = small("harberger-v0", info_view=False)
    obs, infos = env.reset(seed=0)
    assert "view" not in infos["player_3"]
    v = env.seat_view("player_3")
    assert v is env.seat_view("player_3") and v.seat == 3 and v.to_dict() == view(env.game, 3).to_dict()
    env.step({})
    assert env.seat_view("player_3") is not v
    env.game.timeout()  # the game moves outside step(): the last observation's view is gone
    with pytest.raises(RuntimeError, match="changed"):
        env.seat_view("player_4")


def test_info_view_is_the_seat_view_object() -> None:
    env = small("futarchy-v0")
    obs, infos = env.reset(seed=0)
    for agent in env.agents:
        v = infos[agent]["view"]
        assert v is env.seat_view(agent) and v.seat == int(agent.split("_")[1])
        assert v.to_dict() == view(env.game, v.seat).to_dict()


def test_unpickled_env_keeps_read_only_arrays() -> None:
    env = small("harberger-v0")
    obs, _ = env.reset(seed=4)
    clone = pickle.loads(pickle.dumps(env))
    obs_c, *_ = clone.step({})
    assert all(not a.flags.writeable for _, _, a in _arrays(obs_c))
    obs, *_ = env.step({})
    assert all(np.array_equal(obs[a][k], obs_c[a][k]) for a in obs for k in obs[a])
