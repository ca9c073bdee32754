"""PettingZoo API and seed tests, spaces, options and the registry of the IBEX envs."""

from __future__ import annotations

import dataclasses

import pytest
from pettingzoo.test import parallel_api_test, parallel_seed_test

import econlab
from econlab.envs import ENVS, EnvConfig, make
from econlab.games.ibex import GameParams

from ._helpers import ENV_IDS, FAST, small


@pytest.mark.parametrize("name", ENV_IDS)
def test_parallel_api(name: str) -> None:
    parallel_api_test(small(name), num_cycles=60)


@pytest.mark.parametrize("name", ENV_IDS)
def test_parallel_seed(name: str) -> None:
    parallel_seed_test(lambda: small(name), num_cycles=60)


@pytest.mark.parametrize("name", ENV_IDS)
def test_api_server_compat_and_uniform_values(name: str) -> None:
    parallel_api_test(small(name, compat="server", values="uniform", practice_round=True), num_cycles=80)


def test_econlab_make_forwards() -> None:
    env = econlab.make("voting-v0", seed=3)
    assert type(env) is ENVS["voting-v0"]
    assert env.config.seed == 3 and env.config.treatment == "voting"


@pytest.mark.parametrize(("name", "n"), [("harberger-v0", 12), ("futarchy-v0", 12), ("voting-v0", 6)])
def test_agents_and_spaces(name: str, n: int) -> None:
    env = small(name)
    assert env.possible_agents == [f"player_{i}" for i in range(1, n + 1)]
    assert env.agents == []
    assert env.metadata == {"name": name, "render_modes": [], "is_parallelizable": True}
    a = env.possible_agents[0]
    assert env.observation_space(a) is env.observation_space(a)
    assert env.action_space(a) is env.action_space(a)
    assert env.action_space(a) is not env.action_space(env.possible_agents[1])
    with pytest.raises(ValueError, match="unknown agent"):
        env.observation_space("player_99")
    obs, infos = env.reset(seed=0)
    assert set(obs) == set(infos) == set(env.possible_agents) == set(env.agents)
    keys = {"view", "round", "phase", "phase_name", "rejected", "round_ended", "round_profit_points"}
    assert keys <= set(infos[a])
    assert infos[a]["view"].seat == 1 and infos[a]["view"].to_dict()["seat"] == 1
    assert env.seat_view(a) is infos[a]["view"]


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"session": 12}, "session"),
        ({"session": 0}, "session"),
        ({"session": 2, "values": "uniform"}, "not both"),
        ({"values": "random"}, "values"),
        ({"rounds": 0}, "rounds"),
        ({"rounds": 6}, "rounds"),
        ({"rounds": 2.0}, "rounds"),
        ({"practice_round": 1}, "practice_round"),
        ({"market_ticks": 0}, "market_ticks"),
        ({"chat_ticks": -1}, "chat_ticks"),
        ({"compat": "lab"}, "compat"),
        ({"seed": -1}, "seed"),
        ({"seed": "1"}, "seed"),
        ({"params": GameParams.lab_default("voting")}, "game_type"),
        ({"params": {"round_count": 2}}, "GameParams"),
        ({"info_view": 1}, "info_view"),
        ({"colour": "red"}, "unknown option"),
        ({"render_mode": "human"}, "render_mode"),
    ],
)
def test_invalid_options(options: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        make("harberger-v0", **options)


def test_unknown_env_and_bad_reset_seed() -> None:
    with pytest.raises(ValueError, match="unknown env"):
        make("harberger-v1")
    env = small("harberger-v0")
    with pytest.raises(ValueError, match="seed"):
        env.reset(seed=-3)
    with pytest.raises(RuntimeError, match="reset"):
        env.step({})


def test_config_is_frozen_and_builds_params() -> None:
    cfg = EnvConfig.from_options("harberger", rounds=2, session=4)
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.rounds = 3  # type: ignore[misc]
    p = cfg.game_params()
    assert (p.round_count, p.practice_round, p.session_number) == (2, False, 4)
    base = GameParams.lab_default("harberger").replace(round_count=3, tax_rate_final=20)
    p2 = EnvConfig.from_options("harberger", params=base).game_params()
    assert (p2.round_count, p2.practice_round, p2.tax_rate_final) == (3, True, 20)


def test_params_with_fewer_owners_changes_the_seats() -> None:
    lab = GameParams.lab_default("harberger")
    params = lab.replace(owners=dataclasses.replace(lab.owners, count=3), round_count=1)
    env = make("harberger-v0", params=params, market_ticks=2)
    assert len(env.possible_agents) == 10
    obs, _ = env.reset(seed=1)
    assert obs["player_1"]["first_declarations"].shape == (4, 3)
    while env.agents:
        obs, *_ = env.step({})
    assert env.game is not None and env.game.over


def test_unknown_agent_action_is_refused() -> None:
    env = small("voting-v0")
    env.reset(seed=0)
    with pytest.raises(ValueError, match="not live"):
        env.step({"player_7": {"kind": 0}})
    with pytest.raises(ValueError, match="kind"):
        env.step({"player_1": {"kind": 12}})


def test_fast_options_are_valid() -> None:
    for name in ENV_IDS:
        assert small(name).config.market_ticks == FAST["market_ticks"]
