"""``econlab serve --compat server`` answers like the lab server where its behaviour is well-defined (§9)."""

from __future__ import annotations

import pytest

from econlab.games.ibex import GameParams
from econlab.protocol.server import IbexServer
from econlab.protocol.timers import TimerConfig
from tests.protocol.conftest import RawSeat, err_text, is_event

pytestmark = pytest.mark.anyio

TIMERS = TimerConfig(mode="JSON", phase_seconds=(None, 0.05, 30, 30, 0.05, 0.05, 2.0, 30, 30, 0.05))


async def test_server_compat_texts_and_quirks() -> None:
    params = GameParams.lab_default("harberger").replace(round_count=1, practice_round=False)
    async with IbexServer(rest_port=0, ws_port=0, timers=TIMERS, compat="server") as srv:
        sg = srv.create_game(params, seed=1)
        probe = await RawSeat.open(srv.ws_url, sg.id)
        assert err_text(await probe.reply_to({"type": "player-is-ready"})) == \
            "Handler player-is-ready requires authentication. Player unknown not found in game 1"
        assert err_text(await probe.reply_to({"gameId": 99999, "type": "join", "recovery": "x"})) == \
            "Game 99999 not found"
        seats = {}
        for n in range(1, 13):
            s = await RawSeat.open(srv.ws_url, sg.id)
            await s.send({"type": "join", "recovery": f"t{n}"})
            await s.expect(lambda m, n=n: f"We have now {n} players" in m.get("message", ""))
            seats[n] = s
        assert err_text(await seats[1].reply_to({"type": "post-order", "order": {"price": 1}})) == \
            "Game 1: could not find an handler for post-order"
        for s in seats.values():
            await s.send({"type": "player-is-ready"})
        await seats[1].expect(is_event("phase-transition", phase=2))
        assert err_text(await seats[7].reply_to({"type": "declare", "declaration": [1, 2, 0]})) == \
            "Game 1: only 2,3 can send this message in this phase. You are 1."
        # the lab accepts negative declarations (§9) and warns about a second one
        await seats[3].reply_to({"type": "declare", "declaration": [-1000, -2000, 0]},
                                is_event("declaration-received"))
        warn = await seats[3].reply_to({"type": "declare", "declaration": [1, 2, 0]},
                                       lambda m: m.get("type") == "warning")
        assert warn["message"] == "Game 1: player 3 sent a declaration update. This is not allowed"
        above = await seats[4].reply_to({"type": "declare", "declaration": [1e9, 2, 0]},
                                        is_event("declaration-above-max"))
        assert above["data"] == {"condition": "No Project", "maximum": 1200000}
        for s in [probe, *seats.values()]:
            await s.close()


async def test_server_compat_voting_request_phase_ends_with_two_reset_timers() -> None:
    params = GameParams.lab_default("voting").replace(round_count=1, practice_round=False)
    timers = TimerConfig(mode="JSON", phase_seconds=(None, 0.05, 0.05, 30, 30, 0.05, 30, 0.05))
    async with IbexServer(rest_port=0, ws_port=0, timers=timers, compat="server") as srv:
        sg = srv.create_game(params, seed=1)
        seats = {}
        for n in range(1, 7):
            s = await RawSeat.open(srv.ws_url, sg.id)
            await s.send({"type": "join", "recovery": f"v{n}"})
            await s.expect(lambda m, n=n: f"We have now {n} players" in m.get("message", ""))
            seats[n] = s
        for s in seats.values():
            await s.send({"type": "player-is-ready"})
        await seats[2].expect(is_event("phase-transition", phase=3))
        start = len(seats[2].inbox)
        for n in (1, 3, 4, 5, 6):
            await seats[n].send({"type": "compensation-request", "compensationRequests": [None, 100000]})
        await seats[2].expect(is_event("phase-transition", phase=4), start=start)
        kinds = [m["eventType"] for m in seats[2].inbox[start:] if m.get("type") == "event"]
        assert kinds == ["reset-timer", "reset-timer", "set-timer", "compensation-requests-received",
                         "phase-transition"]
        for s in seats.values():
            await s.close()
