"""``connect`` <-> ``serve`` over loopback: full games equal local engine games (FAST lock-step timers).

Each remote game is compared with :func:`econlab.eval.runner.play_game` on the same parameters, seed
and policies: per-round winning condition, final price, every seat's round profit, rewards, the whole
results section and the message log of the record. Every view a connected seat decided on (rebuilt
from events by the client's mirror) is compared with the server's own ``view(game, seat)``.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from econlab.eval.runner import play_game
from econlab.games.ibex import GameParams
from econlab.games.ibex.spec import GameSpec
from econlab.games.ibex.view import view
from econlab.policies import make_policy
from econlab.protocol.client import ConnectResult, RemoteSession
from econlab.protocol.served_game import ServedGame
from econlab.protocol.server import IbexServer
from econlab.protocol.timers import TimerConfig

pytestmark = pytest.mark.anyio

MARKET_TICKS, CHAT_TICKS = 5, 2


def _params(treatment: str, rounds: int) -> GameParams:
    return GameParams.lab_default(treatment).replace(round_count=rounds, practice_round=False)


def _policies(params: GameParams, name: str) -> dict[int, Any]:
    return {s: make_policy(name) for s in range(1, params.n_players + 1)}


def _watch_views(sg: ServedGame) -> dict[tuple, dict[str, Any]]:
    seen: dict[tuple, dict[str, Any]] = {}

    def observe(g: ServedGame) -> None:
        assert g.tick is not None
        for seat in g.tick.deciders:
            seen[(g.game.round, g.game.phase, g.scheduler.tick_in_phase, seat)] = view(g.game, seat).to_dict()

    sg.tick_observers.append(observe)
    return seen


async def _remote(srv: IbexServer, params: GameParams, policy: str, seed: int,
                  **drops: Any) -> tuple[ConnectResult, RemoteSession, dict[tuple, dict[str, Any]], ServedGame]:
    sg = srv.create_game(params, seed=seed)
    server_views = _watch_views(sg)
    session = RemoteSession(srv.rest_url, srv.ws_url, sg.id, policies=_policies(params, policy),
                            n_seats=params.n_players)
    session.keep_views = True
    result = await asyncio.wait_for(session.play(**drops), timeout=120)
    return result, session, server_views, sg


def _assert_same_game(result: ConnectResult, session: RemoteSession, server_views: dict, sg: ServedGame,
                      params: GameParams, policy: str, seed: int) -> None:
    local = play_game(GameSpec(params=params, seed=seed, market_ticks=MARKET_TICKS, chat_ticks=CHAT_TICKS),
                      _policies(params, policy))
    remote = result.record
    assert remote is not None
    for lr, rr in zip(local.record["results"]["rounds"], remote["results"]["rounds"], strict=True):
        assert lr["condition"] == rr["condition"]
        assert lr.get("final_price") == rr.get("final_price")
        assert {s: e["profit"] for s, e in lr["seats"].items()} == {s: e["profit"] for s, e in rr["seats"].items()}
    assert local.game.rewards == sg.game.rewards and len(sg.game.rewards) == params.n_players
    assert local.record["results"] == remote["results"]
    # the same messages in the same order (none lost or doubled); ready messages arrive in any order
    def moves(log: list[dict[str, Any]]) -> list[dict[str, Any]]:  # the game id differs when several games run
        return [e | {"content": {k: v for k, v in e["content"].items() if k != "gameId"}} for e in log
                if e["type"] != "message" or e["content"]["type"] != "player-is-ready"]

    def readies(log: list[dict[str, Any]]) -> list[tuple[int, int]]:
        return sorted((e["round"], e["number"]) for e in log
                      if e["type"] == "message" and e["content"]["type"] == "player-is-ready")

    assert moves(local.record["log"]) == moves(remote["log"])
    assert readies(local.record["log"]) == readies(remote["log"])
    # what the seats saw agrees with the engine: profits from round summaries and every decision's view
    assert result.profits == local.profits
    assert len(session.views) == len(server_views) > 0
    for key, mirrored in session.views:
        expected = server_views[key]
        if mirrored != expected:
            # a seat's own chat lines are not echoed: their time is unknown and they sit last in their tick
            def lines(inbox: list[dict[str, Any]]) -> list[tuple]:
                return sorted((m["phase"], m["sender"], m["text"], str(m["to"])) for m in inbox)

            assert lines(mirrored["inbox"]) == lines(expected["inbox"]), key
            mirrored["inbox"] = expected["inbox"]
            diff = {f for f in expected if expected[f] != mirrored[f]}
            assert not diff, (key, diff)


@pytest.mark.parametrize(("treatment", "policy", "rounds"), [
    ("harberger", "strategic", 2),
    ("harberger", "random", 1),
    ("futarchy", "random", 1),
    ("voting", "random", 2),
])
async def test_remote_game_equals_local_game(treatment: str, policy: str, rounds: int) -> None:
    params = _params(treatment, rounds)
    timers = TimerConfig(market_ticks=MARKET_TICKS, chat_ticks=CHAT_TICKS, tick_timeout_s=30)
    async with IbexServer(rest_port=0, ws_port=0, timers=timers) as srv:
        result, session, server_views, sg = await _remote(srv, params, policy, seed=11)
    assert result.reconnects == 0
    assert not any(result.errors.get(s) for s in result.errors if policy != "random")
    _assert_same_game(result, session, server_views, sg, params, policy, seed=11)


async def test_dropped_sockets_in_the_market_lose_or_double_nothing() -> None:
    params = _params("harberger", 1)
    timers = TimerConfig(market_ticks=MARKET_TICKS, chat_ticks=CHAT_TICKS, tick_timeout_s=30)
    async with IbexServer(rest_port=0, ws_port=0, timers=timers) as srv:
        # seats 3 and 7 drop right after sending a market order, seat 9 when a market tick arrives
        result, session, server_views, sg = await _remote(
            srv, params, "random", seed=5, drop_after={3: (1, 6, 1), 7: (1, 6, 2)}, drop_before={9: (1, 6, 3)})
    assert result.reconnects == 3
    _assert_same_game(result, session, server_views, sg, params, "random", seed=5)


async def test_several_games_at_once_each_equal_to_its_local_game() -> None:
    timers = TimerConfig(market_ticks=MARKET_TICKS, chat_ticks=CHAT_TICKS, tick_timeout_s=30)
    games = [("harberger", "strategic", 3), ("voting", "voting-rational", 4), ("futarchy", "strategic", 5)]
    async with IbexServer(rest_port=0, ws_port=0, timers=timers) as srv:
        outcomes = await asyncio.gather(*(_remote(srv, _params(t, 1), p, seed) for t, p, seed in games))
        assert sorted(srv.games) == [1, 2, 3]
    for (t, p, seed), (result, session, server_views, sg) in zip(games, outcomes, strict=True):
        assert result.treatment == t
        _assert_same_game(result, session, server_views, sg, _params(t, 1), p, seed)


async def test_an_absent_seat_times_out_and_the_game_goes_on() -> None:
    """Seat 12 joins and is ready but never answers a tick: each tick waits ``tick_timeout_s``, then goes on."""
    from tests.protocol.conftest import RawSeat, is_event

    params = _params("harberger", 1)
    # long enough that the 11 playing seats always answer in time on a loaded machine; seat 12 never does
    timers = TimerConfig(market_ticks=2, tick_timeout_s=1.0)
    async with IbexServer(rest_port=0, ws_port=0, timers=timers) as srv:
        sg = srv.create_game(params, seed=3)
        session = RemoteSession(srv.rest_url, srv.ws_url, sg.id, n_seats=11,
                                policies={s: make_policy("strategic") for s in range(1, 12)})
        play = asyncio.get_running_loop().create_task(session.play())
        while len(sg.tokens) < 11:
            await asyncio.sleep(0.01)
        absent = await RawSeat.open(srv.ws_url, sg.id)
        await absent.send({"type": "join", "recovery": "absent"})
        await absent.send({"type": "player-is-ready"})
        result = await asyncio.wait_for(play, 30)
        await absent.expect(is_event("game-over"))
        ticks = [m for m in absent.inbox if m.get("eventType") == "econlab-tick"]
        await absent.close()
    # speculator 12 was asked in both speculation phases and in the 2 market ticks, and never answered
    assert [(t["data"]["phase"], t["data"]["tick"]) for t in ticks] == [(3, 0), (6, 0), (6, 1), (8, 0)]
    assert sg.game.over and result.record is not None
    assert not [e for e in result.record["log"] if e.get("number") == 12 and e["content"]["type"] != "player-is-ready"]
    assert set(result.profits[1]) == set(range(1, 12)) and 12 in sg.game.results[-1].profits
