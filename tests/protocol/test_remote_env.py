"""``econlab.envs.remote``: a ParallelEnv whose seats act on a live ``econlab serve`` game."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator

import pytest

from econlab.envs import remote
from econlab.eval.runner import play_game
from econlab.games.ibex import GameParams
from econlab.games.ibex.spec import GameSpec
from econlab.policies import make_policy
from econlab.protocol.client import ConnectError
from econlab.protocol.server import IbexServer
from econlab.protocol.timers import TimerConfig


@pytest.fixture
def server() -> Iterator[tuple[IbexServer, asyncio.AbstractEventLoop]]:
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    srv = IbexServer(rest_port=0, ws_port=0, timers=TimerConfig(market_ticks=4, chat_ticks=1))
    asyncio.run_coroutine_threadsafe(srv.start(), loop).result(10)
    yield srv, loop
    asyncio.run_coroutine_threadsafe(srv.stop(), loop).result(10)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(5)


def _create(srv: IbexServer, loop: asyncio.AbstractEventLoop, params: GameParams, seed: int) -> int:
    async def create() -> int:
        return srv.create_game(params, seed=seed).id

    return asyncio.run_coroutine_threadsafe(create(), loop).result(5)


@pytest.mark.parametrize("treatment", ["harberger", "voting"])
def test_remote_env_plays_like_the_local_runner(server: tuple, treatment: str) -> None:
    srv, loop = server
    params = GameParams.lab_default(treatment).replace(round_count=1, practice_round=False)
    gid = _create(srv, loop, params, seed=2)
    name = "strategic" if treatment == "harberger" else "voting-rational"
    policies = {s: make_policy(name) for s in range(1, params.n_players + 1)}
    states = {s: policies[s].initial_state(s, 2) for s in policies}
    env = remote(srv.rest_url, srv.ws_url, gid)
    try:
        obs, infos = env.reset()
        assert env.agents == [f"player_{s}" for s in policies]
        returns = dict.fromkeys(env.agents, 0.0)
        steps = 0
        while env.agents:
            actions = {}
            for agent, view in obs.items():
                seat = int(agent.split("_")[1])
                assert view.seat == seat
                if infos[agent]["deciding"]:
                    actions[agent], states[seat] = policies[seat].act(view, states[seat])
            obs, rewards, terms, truncs, infos = env.step(actions)
            steps += 1
            for agent, r in rewards.items():
                returns[agent] += r
        assert all(terms.values()) and not any(truncs.values())
    finally:
        env.close()
    local = play_game(GameSpec(params=params, seed=2, market_ticks=4, chat_ticks=1),
                      {s: make_policy(name) for s in policies})
    assert env.result is not None and env.result.profits == local.profits
    for seat, profit in local.profits[1].items():
        factor = params.role(local.game.by_seat[seat].role).reward_scale_factor
        assert returns[f"player_{seat}"] == pytest.approx(profit / factor)
    # one step per decision tick: declare, snipe, 4 market ticks, declare, snipe / chat, request, offer, chat, vote
    assert steps == {"harberger": 8, "voting": 5}[treatment]


def test_remote_env_needs_a_fresh_game(server: tuple) -> None:
    srv, loop = server
    env = remote(srv.rest_url, srv.ws_url, 42)
    try:
        with pytest.raises(ConnectError, match="game 42 not found"):
            env.reset()
    finally:
        env.close()
