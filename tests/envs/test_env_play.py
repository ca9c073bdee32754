"""Whole games through the IBEX envs: spaces, masks, determinism, pickling, rejections, rewards."""

from __future__ import annotations

import pickle
from typing import Any

import numpy as np
import pytest
from gymnasium.utils.env_checker import data_equivalence

from econlab.envs import CANNED_MESSAGES, IbexEnv

from ._helpers import ENV_IDS, KIND, masked_random, noop, play, seed_spaces, small


def _check_obs(env: IbexEnv, obs: dict[str, Any]) -> None:
    for agent, o in obs.items():
        space = env.observation_space(agent)
        bad = [k for k, s in space.spaces.items() if not s.contains(o[k])]
        assert not bad and space.contains(o), (agent, bad)
        assert o["action_mask"][KIND["noop"]] == 1


@pytest.mark.parametrize("name", ENV_IDS)
@pytest.mark.parametrize(("compat", "values", "practice"), [("strict", "session", False),
                                                            ("server", "uniform", True)])
def test_random_games_stay_in_spaces(name: str, compat: str, values: str, practice: bool) -> None:
    env = small(name, rounds=2, compat=compat, values=values, practice_round=practice, market_ticks=4,
                chat_ticks=2)
    for seed in range(2):
        obs, _ = env.reset(seed=seed)
        rng = np.random.default_rng(seed)
        seen_kinds = np.zeros(len(KIND), dtype=bool)
        while env.agents:
            _check_obs(env, obs)
            for o in obs.values():
                seen_kinds |= o["action_mask"].astype(bool)
            live = list(env.agents)
            obs, rew, term, trunc, infos = env.step(masked_random(env, obs, rng))
            assert set(obs) == set(rew) == set(term) == set(trunc) == set(infos) == set(live)
            assert not any(trunc.values())
        _check_obs(env, obs)
        assert all(term.values()) and env.agents == []
        assert all(o["action_mask"].sum() == 1 for o in obs.values())  # game over: only noop
        expected = {"noop", "declare", "snipe", "bid", "ask", "market_bid", "market_ask", "cancel"} \
            if name != "voting-v0" else {"noop", "request", "offer", "vote", "chat"}
        assert {k for k, i in KIND.items() if seen_kinds[i]} == expected


@pytest.mark.parametrize("name", ENV_IDS)
def test_same_seed_same_actions_same_trajectory(name: str) -> None:
    a = play(small(name, rounds=2), seed=7, record=True)
    b = play(small(name, rounds=2), seed=7, record=True)
    assert a["steps"] == b["steps"]
    assert data_equivalence(a["traj"], b["traj"], exact=True)
    assert a["rewards"] == b["rewards"]


def test_market_order_within_a_tick_depends_on_the_seed() -> None:
    runs = {s: play(small("harberger-v0", market_ticks=6), seed=s)["rewards"] for s in (1, 2)}
    assert runs[1] != runs[2]


@pytest.mark.parametrize("name", ENV_IDS)
def test_pickle_round_trip_mid_game(name: str) -> None:
    env = small(name, rounds=2, market_ticks=4, chat_ticks=2)
    obs, _ = env.reset(seed=3)
    seed_spaces(env, 3)
    rng = np.random.default_rng(3)
    for _ in range(6):
        obs, *_ = env.step(masked_random(env, obs, rng))
    clone = pickle.loads(pickle.dumps(env))
    obs_c = obs
    steps = 0
    while env.agents:
        acts = masked_random(env, obs, rng)
        obs, rew, term, _, infos = env.step(acts)
        obs_c, rew_c, term_c, _, infos_c = clone.step(acts)
        assert data_equivalence(obs, obs_c, exact=True)
        assert rew == rew_c and term == term_c
        assert data_equivalence(infos, infos_c, exact=True)
        steps += 1
    assert steps > 0 and clone.agents == []


@pytest.mark.parametrize("name", ENV_IDS)
def test_rewards_equal_engine_profits_over_scale(name: str) -> None:
    env = small(name, rounds=2, practice_round=True)
    obs, _ = env.reset(seed=11)
    rng = np.random.default_rng(11)
    total = dict.fromkeys(env.possible_agents, 0.0)
    ended = []
    while env.agents:
        obs, rew, _, _, infos = env.step(masked_random(env, obs, rng))
        for agent, r in rew.items():
            total[agent] += r
            info = infos[agent]
            if info["round_ended"] is None:
                assert r == 0.0 and info["round_profit_points"] is None
            else:
                seat = int(agent.split("_")[1])
                profits = next(x.profits for x in env.game.results if x.round == info["round_ended"])
                assert info["round_profit_points"] == profits[seat]
        if infos["player_1"]["round_ended"] is not None:
            ended.append(infos["player_1"]["round_ended"])
    assert ended == [0, 1, 2]  # the practice round is rewarded too
    game = env.game
    for agent in env.possible_agents:
        seat = int(agent.split("_")[1])
        factor = game.params.role(game.by_seat[seat].role).reward_scale_factor
        expected = sum(r.profits[seat] for r in game.results) / factor
        assert total[agent] == pytest.approx(expected, rel=1e-12)


def test_masked_action_is_a_noop_with_a_rejection() -> None:
    env = small("harberger-v0")
    ref = small("harberger-v0")
    obs, _ = env.reset(seed=5)
    ref.reset(seed=5)
    assert env.game.phase == 2 and obs["player_1"]["action_mask"][KIND["bid"]] == 0
    bid = {"kind": KIND["bid"], "price": np.array([0.5], dtype=np.float32), "condition": 0}
    obs, _, _, _, infos = env.step(dict.fromkeys(env.agents, bid))
    obs_ref, _, _, _, infos_ref = ref.step(noop(ref))
    for agent in env.possible_agents:
        rej = infos[agent]["rejected"]
        assert rej is not None and rej["source"] == "mask" and rej["kind"] == "bid"
        assert infos_ref[agent]["rejected"] is None
    assert data_equivalence(obs, obs_ref, exact=True)
    assert not any(e["type"] == "message" and e["phase"] == 2 for e in env.game.log)


def test_engine_rejection_is_recorded() -> None:
    env = small("harberger-v0", market_ticks=5)
    obs, _ = env.reset(seed=0)
    while env.game.phase != 6:
        obs, *_ = env.step(noop(env))
    bid = {"kind": KIND["bid"], "price": np.array([2.0], dtype=np.float32), "condition": 0}
    # speculator (seat 7): 50 000 cash; a second bid at 2 P = 29 700 exceeds the uncommitted cash
    obs, _, _, _, infos = env.step({"player_7": bid})
    assert infos["player_7"]["rejected"] is None
    assert obs["player_7"]["book"][env.game.winning_condition][4] == pytest.approx(1 / 16)
    assert obs["player_7"]["action_mask"][KIND["cancel"]] == 1
    obs, _, _, _, infos = env.step({"player_7": bid})
    rej = infos["player_7"]["rejected"]
    assert rej["source"] == "engine" and rej["field"] == "order.price" and rej["kind"] == "bid"
    obs, _, _, _, infos = env.step({"player_7": {"kind": KIND["cancel"], "cancel": 5, "condition": 1}})
    assert infos["player_7"]["rejected"] is None
    assert obs["player_7"]["action_mask"][KIND["cancel"]] == 0


def test_declaration_and_snipe_reach_the_engine() -> None:
    env = small("harberger-v0")
    env.reset(seed=0)
    decl = {"kind": KIND["declare"], "declaration": np.array([0.5, 0.25], dtype=np.float32)}
    obs, *_ = env.step({"player_1": decl})
    owner_cap = [2 * b for b in (600000, 350000)]
    assert env.game.current.first_declarations[1] == [owner_cap[0] // 2, owner_cap[1] // 4]
    assert obs["player_7"]["first_declarations"][0].tolist() == [0.5, 0.25, 1.0]
    snipe = np.zeros((2, 6), dtype=np.int8)
    snipe[:, 0] = 1
    obs, *_ = env.step({"player_8": {"kind": KIND["snipe"], "snipe": snipe}})
    w = env.game.current.condition
    assert [o["player"]["number"] for o in env.game.current.snipe_outcomes1] == [8]
    assert obs["player_8"]["winning_condition"][w] == 1


def test_voting_chat_and_private_requests() -> None:
    env = small("voting-v0", chat_ticks=1)
    obs, _ = env.reset(seed=0)
    to = np.zeros(6, dtype=np.int8)
    to[[0, 2]] = 1  # player_1 (itself, ignored) and player_3
    obs, *_ = env.step({"player_1": {"kind": KIND["chat"], "chat_to": to, "chat_msg": 2}})
    assert env.game.current.chat[0]["to"] == [3] and env.game.current.chat[0]["text"] == CANNED_MESSAGES[2]
    assert obs["player_3"]["inbox"][0, 2] == 1 and obs["player_4"]["inbox"].sum() == 0
    assert obs["player_1"]["action_mask"][KIND["request"]] == 1
    assert obs["player_2"]["action_mask"][KIND["request"]] == 0
    req = {"kind": KIND["request"], "amount": np.array([0.1], dtype=np.float32)}
    obs, *_ = env.step(dict.fromkeys(["player_1", "player_3", "player_4", "player_5", "player_6"], req))
    assert obs["player_2"]["requests"][:, 1].tolist() == [1.0] * 5
    assert obs["player_1"]["requests"].sum() == 0  # owners never see other requests
    assert obs["player_1"]["my_request"].tolist() == pytest.approx([0.1, 1.0])
    obs, *_ = env.step({"player_2": {"kind": KIND["offer"], "amount": np.array([0.05], dtype=np.float32)}})
    assert env.game.current.offer == [None, 137500]
    assert obs["player_1"]["offer"].tolist() == pytest.approx([0.05, 1.0])
    obs, *_ = env.step({})  # second chat
    yes = {"kind": KIND["vote"], "vote": 2}
    obs, rew, term, _, infos = env.step(dict.fromkeys(["player_1", "player_3", "player_4"], yes))
    assert all(term.values()) and env.game.current.condition == 1
    assert obs["player_1"]["outcome"][:2].tolist() == [0.0, 1.0]
    assert env.game.current.final_decisions == {1: [1], 3: [1], 4: [1], 5: [], 6: []}
    assert obs["player_1"]["outcome"][2] == pytest.approx(3 / 5)
    assert obs["player_1"]["last_round"].tolist() == pytest.approx(
        [1.0, 0.0, 1.0, infos["player_1"]["round_profit_points"] / 20000 / 100])
    assert rew["player_2"] == pytest.approx(infos["player_2"]["round_profit_points"] / 50000)


def test_reset_seeding() -> None:
    env = small("harberger-v0", values="uniform", seed=4)
    first, _ = env.reset()
    again, _ = small("harberger-v0", values="uniform").reset(seed=4)
    assert data_equivalence(first, again, exact=True)
    assert env.episode_seed == 4
    second, _ = env.reset()
    assert env.episode_seed != 4
    assert not data_equivalence(first, second)
    third, _ = small("harberger-v0", values="uniform", seed=4).reset()
    assert data_equivalence(first, third, exact=True)


@pytest.mark.parametrize(("name", "options", "steps"), [
    ("voting-v0", {"chat_ticks": 0, "rounds": 2}, 2 * 3),
    ("voting-v0", {"chat_ticks": 3, "rounds": 1}, 3 + 2 * 3),
    ("harberger-v0", {"market_ticks": 1, "rounds": 2}, 2 * (4 + 1)),
    ("futarchy-v0", {"market_ticks": 2, "rounds": 1}, 4 + 2),
])
def test_decision_steps_per_round(name: str, options: dict[str, Any], steps: int) -> None:
    env = small(name, **options)
    obs, _ = env.reset(seed=0)
    phases, ticks = [], []
    n = 0
    while env.agents:
        phases.append(env.game.phase)
        ticks.append(float(obs["player_1"]["tick"][0]))
        obs, *_ = env.step({})
        n += 1
    assert n == steps
    if name != "voting-v0":
        assert 5 not in phases and {2, 3, 6, 7, 8} == set(phases)
        k = options["market_ticks"]
        assert ticks[2:2 + k] == pytest.approx([i / k for i in range(k)])


def test_action_after_the_phase_completed_is_recorded() -> None:
    # server mode: the developer may send a request too, but the phase ends with the last owner's request
    env = small("voting-v0", compat="server", chat_ticks=0)
    req = {"kind": KIND["request"], "amount": np.array([0.1], dtype=np.float32)}
    sources = set()
    for seed in range(12):
        obs, _ = env.reset(seed=seed)
        assert obs["player_2"]["action_mask"][KIND["request"]] == 1
        _, _, _, _, infos = env.step(dict.fromkeys(env.agents, req))
        rej = infos["player_2"]["rejected"]
        sources.add(None if rej is None else rej["source"])
        assert all(infos[a]["rejected"] is None for a in env.agents if a != "player_2")
    assert sources == {None, "phase_ended"}
