"""Resync after a dropped socket when the server cannot answer ``status`` (the lab's Futarchy answers
HTTP 500 in some phases): the seat goes on from the events, and says so.

The server here is a small loopback stand-in that answers as the lab server did (frames and the 500
answer recorded in ``fixtures/lab/futarchy/status-round2-errors.json``).
"""

from __future__ import annotations

import asyncio
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from econlab.protocol.client import RemoteSession, SeatClient
from econlab.protocol.mirror import Mirror
from econlab.protocol.outcome import params_from_data
from econlab.protocol.rest import RestClient

pytestmark = pytest.mark.anyio
FIXTURES = Path(__file__).parent / "fixtures" / "lab"


class _Rest(BaseHTTPRequestHandler):
    """``games/status`` -> the lab's recorded HTTP 500; ``games/data`` -> its recorded answer, in round 2 phase 0."""

    failure = json.loads((FIXTURES / "futarchy" / "status-round2-errors.json").read_text())["failures"]
    data = json.loads((FIXTURES / "futarchy" / "data-start.json").read_text())["body"]

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        if self.path.startswith("/api/v1/games/data"):
            envelope = self.data | {"data": self.data["data"] | {"currentRound": {"number": 2, "phase": 0}}}
            body, code = json.dumps(envelope).encode(), 200
        else:
            body, code = json.dumps(next(iter(self.failure.values()))["body"]).encode(), 500
        self.send_response(code)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        """Quiet."""


@pytest.mark.parametrize("mirror_at", [(2, 0), (1, 9)], ids=["in-phase-0", "missed-the-phase-0-transition"])
async def test_a_failing_status_falls_back_to_the_events(mirror_at: tuple[int, int]) -> None:
    """The seat goes on from the events; when the socket dropped before round 2's phase 0 was announced,
    ``games/data`` (which still answers) names the phase and the seat sends its ready (phase 0 has no timer).
    """
    from websockets.asyncio.server import serve

    received: list[dict[str, Any]] = []

    async def lab_ws(ws: Any) -> None:  # what the lab sends a rejoining seat in round 2, phase 0
        async for frame in ws:
            msg = json.loads(frame)
            received.append(msg)
            if msg["type"] == "join":
                await ws.send(json.dumps({"type": "info", "message": "Player 1 rejoined the game"}))
            elif msg["type"] == "status":
                await ws.send(json.dumps({"type": "event", "eventType": "status", "data": {"joined": {}}}))
            elif msg["type"] == "player-is-ready":
                await ws.send(json.dumps({"type": "event", "eventType": "ready-received", "data": {}}))
                await ws.send(json.dumps({"type": "event", "eventType": "phase-transition",
                                          "data": {"round": 2, "phase": 1}}))
                await ws.send(json.dumps({"type": "event", "eventType": "game-over", "data": {}}))

    rest = ThreadingHTTPServer(("127.0.0.1", 0), _Rest)
    threading.Thread(target=rest.serve_forever, daemon=True).start()
    data = json.loads((FIXTURES / "futarchy" / "data-start.json").read_text())["body"]["data"]
    try:
        rest_url = f"http://127.0.0.1:{rest.server_address[1]}"
        async with serve(lab_ws, "127.0.0.1", 0) as ws_server, \
                RestClient(rest_url, timeout_s=5, retries=2, backoff_s=0.05) as rc:
            port = ws_server.sockets[0].getsockname()[1]
            session = RemoteSession(rest_url, f"ws://127.0.0.1:{port}", 7, timeout_s=5)
            session._rc = rc  # noqa: SLF001 - the session's REST client, as play() sets it
            session.params, session.treatment, session.lockstep = params_from_data(data), "futarchy", False
            seat = SeatClient(session, None, 0)
            seat.seat, seat.token = 1, "t" * 64
            seat.mirror = Mirror("futarchy", session.params, 1, 3, "Owner 1", [], "server")
            seat.mirror.round, seat.mirror.phase = mirror_at
            await asyncio.wait_for(seat._reconnect(), 10)  # noqa: SLF001 - the path under test
            await asyncio.wait_for(seat.run(), 10)
    finally:
        rest.shutdown()
    assert session.resync_fallbacks == 1
    where = f"resync fallback (round {mirror_at[0]}, phase {mirror_at[1]})"
    assert any(where in e and "HTTP 500" in e for e in seat.errors), seat.errors
    assert not any(seat.token in e for e in seat.errors), "a recovery token reached the seat's errors"
    supplied = [e for e in seat.errors if "the missed phase-transition is supplied" in e]
    assert len(supplied) == (mirror_at != (2, 0)), seat.errors
    assert [m["type"] for m in received] == ["join", "status", "player-is-ready"]  # ready resent in phase 0
    assert (seat.mirror.round, seat.mirror.phase, seat.mirror.over) == (2, 1, True)
