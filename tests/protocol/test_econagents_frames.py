"""The IBEX lab's published client (econagents 0.0.9 + econagents-ibex-tudelft 0.0.2) on ``serve --assign-name``.

The fixtures hold that client's frames, recorded while its examples played ``econlab serve --assign-name
--compat server`` (each frame with the ``assign-name`` / ``phase-transition`` event it answered). The
client sends ``player-is-ready`` only in answer to ``assign-name``, and phase 0 has no timer: with the
option the replayed client gets through every round's ready barrier to game over; without it the
game never leaves phase 0.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from econlab.games.ibex import GameParams
from econlab.protocol.server import IbexServer
from econlab.protocol.timers import TimerConfig
from tests.protocol.conftest import RawSeat

pytestmark = pytest.mark.anyio
FIXTURES = sorted((Path(__file__).parent / "fixtures" / "econagents").glob("*.json"))


def _timers(n_phases: int) -> TimerConfig:
    # decision phases end once every seat has acted; timers only bound the waiting ones
    return TimerConfig(mode="JSON", phase_seconds=(None, *([3.0] * (n_phases - 1))))


def _answers(seat_inbox: list[dict[str, Any]], after: dict[str, Any] | None) -> bool:
    if after is None:
        return True
    for m in seat_inbox:
        if m.get("eventType") != after["eventType"]:
            continue
        d = m.get("data") or {}
        if after["eventType"] != "phase-transition" or (d.get("round"), d.get("phase")) == (after["round"],
                                                                                          after["phase"]):
            return True
    return False


async def _follow(seat: RawSeat, frames: list[dict[str, Any]], game_id: int, wait_s: float) -> None:
    """Send each recorded frame once the event it answered has arrived (give up after ``wait_s``, as a stuck
    client would)."""
    loop = asyncio.get_running_loop()
    for frame in frames:
        end = loop.time() + wait_s
        while not _answers(seat.inbox, frame["after"]):
            if loop.time() > end:
                return
            await asyncio.sleep(0.02)
        await seat.send(frame["msg"] | {"gameId": game_id})


async def _replay(fixture: dict[str, Any], assign_name: bool, wait_s: float) -> tuple[IbexServer, Any, list[RawSeat]]:
    params = GameParams.from_lab(fixture["gameParameters"])
    srv = IbexServer(rest_port=0, ws_port=0, compat="server", assign_name=assign_name,
                     timers=_timers(len(params.timers)))
    await srv.start()
    sg = srv.create_game(params, seed=1)
    seats: list[RawSeat] = []
    rests = []
    for conn in fixture["connections"]:  # joins one after another: the server seats clients in join order
        join, *rest = conn["frames"]
        assert join["msg"]["type"] == "join" and join["after"] is None
        seat = await RawSeat.open(srv.ws_url, sg.id)
        await seat.send(join["msg"] | {"gameId": sg.id})
        await seat.expect(lambda m: m.get("type") == "info", timeout=30)
        seats.append(seat)
        rests.append(rest)
    await asyncio.gather(*(_follow(seat, rest, sg.id, wait_s) for seat, rest in zip(seats, rests, strict=True)))
    loop = asyncio.get_running_loop()
    end = loop.time() + wait_s
    while not sg.game.over and loop.time() < end:
        await asyncio.sleep(0.05)
    return srv, sg, seats


@pytest.mark.slow
@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.stem)
async def test_recorded_econagents_client_plays_to_game_over(path: Path) -> None:
    fixture = json.loads(path.read_text())
    srv, sg, seats = await _replay(fixture, assign_name=True, wait_s=120)
    try:
        n = len(fixture["connections"])
        assert len(seats) == n == sg.params.n_players
        assert all(next(m for m in s.inbox if m.get("type") == "event")["eventType"] == "assign-name" for s in seats)
        assert sg.game.over and len(sg.game.rewards) == n
        kinds = ("player-is-ready", "declare", "done-speculating", "compensation-request", "compensation-offer",
                 "compensation-decision")
        sent = {t: sum(1 for c in fixture["connections"] for f in c["frames"] if f["msg"]["type"] == t) for t in kinds}
        got = {t: sum(1 for e in sg.game.log if e.get("type") == "message" and e["content"]["type"] == t)
               for t in sent}
        assert got == sent  # every recorded message reached the game and was applied
        assert all(any(m.get("eventType") == "game-over" for m in s.inbox) for s in seats)
    finally:
        for s in seats:
            await s.close()
        await srv.stop()


async def test_without_assign_name_the_recorded_client_never_gets_ready() -> None:
    fixture = json.loads(FIXTURES[0].read_text())
    srv, sg, seats = await _replay(fixture, assign_name=False, wait_s=2)
    try:
        assert not any(m.get("eventType") == "assign-name" for s in seats for m in s.inbox)
        assert sg.game.phase == 0 and not sg.game.over
        assert not any(e.get("type") == "message" and e["content"]["type"] == "player-is-ready" for e in sg.game.log)
    finally:
        for s in seats:
            await s.close()
        await srv.stop()
