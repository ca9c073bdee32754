"""Every invalid input of ``ibex-protocol-observed.md`` §9 gets a specific error from ``econlab serve`` (strict),
and the game goes on to its end. Real server and raw websocket clients over loopback."""

from __future__ import annotations

import pytest

from econlab.games.ibex import GameParams
from econlab.protocol.server import IbexServer
from econlab.protocol.timers import TimerConfig
from tests.protocol.conftest import RawSeat, err_text, is_event

pytestmark = pytest.mark.anyio

# phases 1, 4, 5, 9 pass quickly; the market lasts 3 s; decision phases end when everyone acted
TIMERS = TimerConfig(mode="JSON", phase_seconds=(None, 0.1, 30, 30, 0.1, 0.1, 3.0, 30, 30, 0.1))


async def _check(seat: RawSeat, msg: dict | str, *needles: str) -> str:
    text = err_text(await seat.reply_to(msg))
    for needle in needles:
        assert needle in text, f"{needle!r} not in error {text!r} for {msg!r}"
    return text


async def test_every_invalid_input_gets_a_specific_error_and_the_game_goes_on() -> None:
    params = GameParams.lab_default("harberger").replace(round_count=1, practice_round=False)
    async with IbexServer(rest_port=0, ws_port=0, timers=TIMERS) as srv:
        sg = srv.create_game(params, seed=1)
        gid = sg.id
        probe = await RawSeat.open(srv.ws_url, gid)
        # transport level: bad JSON, unknown game, missing or ill-typed gameId
        await _check(probe, "not json at all", "invalid JSON")
        await _check(probe, "{this is not json", "invalid JSON")
        await _check(probe, {"gameId": 99999, "type": "join", "recovery": "x"}, "Game 99999 not found")
        await _check(probe, '{"type": "join", "recovery": "x"}', "gameId", "missing")
        await _check(probe, {"gameId": str(gid), "type": "join", "recovery": "x"}, "gameId", "integer", f'"{gid}"')
        await _check(probe, {"type": "join"}, "recovery", "Field required")
        await _check(probe, {"type": "player-is-ready"}, "requires authentication", "send join")
        await _check(probe, {"type": "rejoin", "recovery": "nobody-has-this"}, "Cannot rejoin", "invalid recovery")

        seats: dict[int, RawSeat] = {}
        for n in range(1, 13):
            s = await RawSeat.open(srv.ws_url, gid)
            await s.send({"type": "join", "recovery": f"token-{n}"})
            await s.expect(lambda m, n=n: m.get("type") == "info" and f"{n} players" in m.get("message", ""))
            seats[n] = s
        extra = await RawSeat.open(srv.ws_url, gid)
        await _check(extra, {"type": "join", "recovery": "thirteenth"}, "is full")

        await _check(seats[1], {"type": "post-order", "order": {"price": 1, "type": "bid", "condition": 0}},
                     "post-order", "not accepted in phase 0")
        await _check(seats[1], {"type": "no-such-message-type"}, "no-such-message-type", "not accepted")
        for s in seats.values():
            await s.send({"type": "player-is-ready"})
        await seats[1].expect(is_event("phase-transition", phase=2))

        # phase 2: declarations
        await _check(probe, {"type": "declare", "declaration": [1, 2, 0]}, "requires authentication")
        await _check(seats[7], {"type": "declare", "declaration": [1, 2, 0]}, "role", "speculator")
        await _check(seats[1], {"type": "post-order", "order": {"price": 1}}, "not accepted in phase 2")
        await _check(seats[3], {"type": "declare", "declaration": [-1000, -2000, 0]}, "declaration", "-1000")
        await _check(seats[4], {"type": "declare", "declaration": ["abc", "300000", 0]}, "declaration", "abc")
        await _check(seats[5], {"type": "declare"}, "declaration")
        await _check(seats[6], {"type": "declare", "declaration": [1e9, 100000, 0]}, "declaration[0]", "maximum")
        await seats[1].send({"type": "declare", "declaration": [500000, 200000, 0]})
        await seats[1].expect(is_event("declaration-received"))
        await _check(seats[1], {"type": "declare", "declaration": [510000, 200000, 0]}, "already")
        for n in (2, 3, 4, 5, 6):
            await seats[n].send({"type": "declare", "declaration": [400000, 300000, 0]})
        await seats[1].expect(is_event("phase-transition", phase=3))

        # phase 3: first speculation
        await _check(seats[1], {"type": "done-speculating", "snipe": [[], [], []]}, "role", "owner")
        await _check(seats[1], {"type": "declare", "declaration": [1, 2, 0]}, "declare", "not accepted in phase 3")
        await _check(seats[7], {"type": "done-speculating", "snipe": [[99, 1000], [99, 1000], []]}, "99")
        await _check(seats[8], {"type": "done-speculating", "snipe": [["5"], [], []]}, "snipe.0.0", '"5"')
        await _check(seats[9], {"type": "done-speculating"}, "snipe")
        await seats[10].send({"type": "done-speculating", "snipe": [[], [], []]})
        await seats[10].expect(is_event("speculation-received"))
        await _check(seats[10], {"type": "done-speculating", "snipe": [[], [], []]}, "already")
        for n in (7, 8, 9, 11, 12):
            await seats[n].send({"type": "done-speculating", "snipe": [[], [], []]})
        # phases 4 and 5 pass on their timers; the market opens
        transition = await seats[7].expect(is_event("phase-transition", phase=6))
        assert transition["data"]["round"] == 1
        w = sg.game.winning_condition

        def order(**o: object) -> dict:
            return {"type": "post-order", "order": {"price": 100, "quantity": 1, "condition": w, "type": "bid",
                                                   "now": False} | o}

        await _check(seats[7], order(price=-50), "price", "-50")
        await _check(seats[7], order(price="abc"), "price", "abc")
        await _check(seats[7], order(price="42"), "price", "42")
        await _check(seats[7], order(price=None), "price")
        await _check(seats[7], order(condition=1 - w), "condition")
        await _check(seats[7], {"type": "post-order"}, "order")
        await _check(seats[7], order(type="swap"), "swap")
        await _check(seats[7], {"type": "cancel-order", "order": {"id": 777, "condition": w}}, "777")
        await _check(seats[7], order(price=1e9), "balance")
        await _check(seats[7], order(now=True), "now")
        # the market ends on its timer; the game goes on to its end
        await seats[1].expect(is_event("phase-transition", phase=7), timeout=10)
        for n in range(1, 7):
            await seats[n].send({"type": "declare", "declaration": [400000, 200000, 0]})
        await seats[7].expect(is_event("phase-transition", phase=8))
        for n in range(7, 13):
            await seats[n].send({"type": "done-speculating", "snipe": [[], [], []]})
        for s in seats.values():
            await s.expect(is_event("game-over"))
        assert sg.game.over and sg.record is not None
        assert sg.record["results"]["rounds"][0]["condition"] == w
        # the invalid messages are recorded with their errors: in the log (the engine refused them) or,
        # refused for their field shapes before reaching the engine, in the econlab section
        logged = [e for e in sg.record["log"] if e.get("type") == "message" and e.get("error")]
        shaped = sg.record["econlab"]["rejected_messages"]
        assert len(logged) == 14 and len(shaped) == 11, (len(logged), len(shaped))
        for s in [probe, extra, *seats.values()]:
            await s.close()


async def test_a_socket_acts_only_for_its_own_seat_and_game() -> None:
    params = GameParams.lab_default("voting").replace(round_count=1, practice_round=False)
    async with IbexServer(rest_port=0, ws_port=0, timers=TIMERS) as srv:
        g1, g2 = srv.create_game(params, seed=1), srv.create_game(params, seed=2)
        a = await RawSeat.open(srv.ws_url, g1.id)
        await a.send({"type": "join", "recovery": "alice"})
        await a.expect(lambda m: m.get("type") == "info")
        text = err_text(await a.reply_to({"gameId": g2.id, "type": "player-is-ready"}))
        assert "requires authentication" in text and "joined to game 1" in text
        assert not g2.game.by_seat[1].ready
        # a second socket with the same token takes the seat over; the first one is no longer bound
        b = await RawSeat.open(srv.ws_url, g1.id)
        await b.send({"type": "join", "recovery": "alice"})
        await b.expect(lambda m: m.get("message") == "Player 1 rejoined the game")
        await b.reply_to({"type": "player-is-ready"}, is_event("ready-received"))
        assert "requires authentication" in err_text(await a.reply_to({"type": "player-is-ready"}))
        assert g1.seat_of("alice") == 1 and len(g1.tokens) == 1
        await a.close()
        await b.close()
