"""``econlab serve`` with timers (JSON file, free-running like the lab server) and ``econlab connect`` on it.

The seats act when phases open (no lock-step ticks). Policies whose results do not depend on the
arrival order (truthful: no trading) must give the local engine's results; a raw seat checks the
lab's event order of one round, set-timer / reset-timer included (``ibex-rules.md`` §9.7).
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from econlab.eval.runner import play_game
from econlab.games.ibex import GameParams
from econlab.games.ibex.spec import GameSpec
from econlab.policies import make_policy
from econlab.protocol.client import RemoteSession
from econlab.protocol.server import IbexServer
from econlab.protocol.timers import TimerConfig
from tests.protocol.conftest import RawSeat, is_event

pytestmark = pytest.mark.anyio


def _timers(tmp_path: Path, seconds: dict[int, float | None]) -> TimerConfig:
    path = tmp_path / "timers.json"
    path.write_text(json.dumps({f"phase_{i}": s for i, s in seconds.items()}))
    return TimerConfig.from_json(path)


HARBERGER_TIMERS = {0: None, 1: 0.05, 2: 10, 3: 10, 4: 0.05, 5: 0.05, 6: 0.3, 7: 10, 8: 10, 9: 0.05}
SPECULATOR_ROUND = [
    "set-timer", "assign-role", "players-known", ("phase-transition", 1),
    "reset-timer", "set-timer", ("phase-transition", 2),
    "reset-timer", "set-timer", "declarations-published", ("phase-transition", 3),
    "reset-timer", "set-timer", ("phase-transition", 4),
    "reset-timer", "first-snipes", "set-timer", "value-signals", ("phase-transition", 5),
    "reset-timer", "set-timer", ("phase-transition", 6),
    "reset-timer", "set-timer", ("phase-transition", 7),
    "reset-timer", "set-timer", "declarations-published", ("phase-transition", 8),
    "reset-timer", "final-price", "tax-income", "profit", "total-profit", "second-snipes", "set-timer",
    ("phase-transition", 9),
    "reset-timer", "round-end", "round-summary", "reward", "game-over",
]


async def test_free_running_harberger_event_order_and_results(tmp_path: Path) -> None:
    params = GameParams.lab_default("harberger").replace(round_count=1, practice_round=False)
    async with IbexServer(rest_port=0, ws_port=0, timers=_timers(tmp_path, HARBERGER_TIMERS),
                          out_dir=tmp_path / "records") as srv:
        sg = srv.create_game(params, seed=4)
        session = RemoteSession(srv.rest_url, srv.ws_url, sg.id, n_seats=11, act_interval_s=0.05,
                                policies={s: make_policy("truthful") for s in range(1, 12)})
        play = asyncio.get_running_loop().create_task(session.play())
        while len(sg.tokens) < 11:
            await asyncio.sleep(0.01)
        raw = await RawSeat.open(srv.ws_url, sg.id)  # seat 12, a speculator who never snipes
        await raw.send({"type": "join", "recovery": "raw-seat-12"})
        await raw.send({"type": "player-is-ready"})
        for phase in (3, 8):
            await raw.expect(is_event("phase-transition", phase=phase), timeout=15)
            await raw.send({"type": "done-speculating", "snipe": [[], [], []]})
        await raw.expect(is_event("game-over"), timeout=15)
        result = await asyncio.wait_for(play, 120)  # generous: a cap, not what is tested
        await raw.close()
    seen = [(m["eventType"], m["data"]["phase"]) if m["eventType"] == "phase-transition" else m["eventType"]
            for m in raw.inbox if m.get("type") == "event"
            and m["eventType"] not in ("ready-received", "speculation-received")]
    assert seen == SPECULATOR_ROUND
    local = play_game(GameSpec(params=params, seed=4), {s: make_policy("truthful") for s in range(1, 13)})
    assert result.profits == {1: {s: p for s, p in local.profits[1].items() if s != 12}}
    assert sg.record is not None and sg.record["results"] == local.record["results"]
    assert len(list((tmp_path / "records").glob("game-1-*.record.json"))) == 1


async def test_free_running_voting_equals_local(tmp_path: Path) -> None:
    params = GameParams.lab_default("voting").replace(round_count=2, practice_round=False)
    timers = _timers(tmp_path, {0: None, 1: 0.05, 2: 0.2, 3: 10, 4: 10, 5: 0.2, 6: 10, 7: 0.05})
    async with IbexServer(rest_port=0, ws_port=0, timers=timers) as srv:
        sg = srv.create_game(params, seed=8)
        session = RemoteSession(srv.rest_url, srv.ws_url, sg.id, n_seats=6, act_interval_s=0.05,
                                policies={s: make_policy("voting-rational") for s in range(1, 7)})
        result = await asyncio.wait_for(session.play(), 120)  # generous: a cap, not what is tested
    local = play_game(GameSpec(params=params, seed=8), {s: make_policy("voting-rational") for s in range(1, 7)})
    assert result.profits == local.profits
    assert result.record is not None and result.record["results"] == local.record["results"]
