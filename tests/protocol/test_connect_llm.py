"""LLM seats on a connected game: they answer on the client's event loop (no policy error, no silent pass).

A connected LLM seat used to call its synchronous ``act`` inside the running event loop, which fails on
every decision; the client then sent a pass and the game looked normal. Here all seats of a served
Voting game are LLM seats answering from the loopback OpenAI-compatible server: every decision must be
an LLM answer, and the game must equal the same game played locally.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from econlab.eval.runner import play_game
from econlab.games.ibex import GameParams
from econlab.games.ibex.spec import GameSpec
from econlab.policies.llm import PolicyFactory
from econlab.protocol.client import ConnectResult, RemoteSession
from econlab.protocol.server import IbexServer
from econlab.protocol.timers import TimerConfig

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "policies" / "llm"))
from llm_helpers import config  # noqa: E402
from loopback import GameScript, LoopbackServer  # noqa: E402


async def _play_remote(params: GameParams, factory: PolicyFactory) -> ConnectResult:
    timers = TimerConfig(market_ticks=2, chat_ticks=1, tick_timeout_s=30)
    async with IbexServer(rest_port=0, ws_port=0, timers=timers) as srv:
        sg = srv.create_game(params, seed=5)
        policies = {s: factory.make("llm") for s in range(1, params.n_players + 1)}
        session = RemoteSession(srv.rest_url, srv.ws_url, sg.id, policies=policies, n_seats=params.n_players)
        return await asyncio.wait_for(session.play(), timeout=120)


def test_connected_llm_seats_answer_and_equal_the_local_game() -> None:
    params = GameParams.lab_default("voting").replace(round_count=1, practice_round=False)
    with LoopbackServer(GameScript()) as llm:
        cfg = config(llm.url)
        result = asyncio.run(_play_remote(params, PolicyFactory(cfg)))
        local = play_game(GameSpec(params=params, seed=5, market_ticks=2, chat_ticks=1),
                          {s: PolicyFactory(cfg).make("llm") for s in range(1, params.n_players + 1)})
    assert not any(e for errs in result.errors.values() for e in errs), result.errors
    decided = [d for d in result.decisions if d.action is not None]
    assert decided, "the LLM seats took no decision"
    assert {d.source for d in result.decisions} <= {"llm"}, {d.source for d in result.decisions}
    assert result.record is not None
    assert result.record["results"] == local.record["results"]
