"""Helpers for the protocol tests: a raw websocket seat that records every server message."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import pytest


class RawSeat:
    """A hand-driven websocket client (no econlab client code), for protocol-level checks."""

    def __init__(self, ws: Any, game_id: int) -> None:
        """Wrap an open socket."""
        self.ws, self.game_id = ws, game_id
        self.inbox: list[dict[str, Any]] = []
        self._reader = asyncio.get_running_loop().create_task(self._read())

    @classmethod
    async def open(cls, url: str, game_id: int) -> RawSeat:
        """Connect."""
        import websockets

        return cls(await websockets.connect(url), game_id)

    async def _read(self) -> None:
        try:
            async for frame in self.ws:
                self.inbox.append(json.loads(frame))
        except Exception:  # noqa: BLE001 - closed socket
            pass

    async def send(self, msg: dict[str, Any] | str, **fields: Any) -> None:
        """Send a message (a dict gets ``gameId`` unless given; a str is sent as is)."""
        if isinstance(msg, str):
            await self.ws.send(msg)
            return
        await self.ws.send(json.dumps({"gameId": self.game_id} | msg | fields))

    async def expect(self, pred: Callable[[dict[str, Any]], bool], timeout: float = 5.0,
                     start: int = 0) -> dict[str, Any]:
        """Wait for a message (from index ``start`` of the inbox) that satisfies ``pred``."""
        loop = asyncio.get_running_loop()
        end = loop.time() + timeout
        while loop.time() < end:
            for m in self.inbox[start:]:
                if pred(m):
                    return m
            await asyncio.sleep(0.005)
        raise AssertionError(f"no matching message within {timeout}s; last: {self.inbox[-5:]}")

    async def reply_to(self, msg: dict[str, Any] | str, pred: Callable[[dict[str, Any]], bool] | None = None,
                       timeout: float = 5.0) -> dict[str, Any]:
        """Send and wait for the next error-ish reply (or one matching ``pred``)."""
        start = len(self.inbox)
        await self.send(msg)
        return await self.expect(pred or is_error, timeout, start)

    async def close(self) -> None:
        """Close the socket."""
        await self.ws.close()
        self._reader.cancel()


def is_error(m: dict[str, Any]) -> bool:
    """Whether ``m`` is an error (text error or bare error)."""
    return "error" in m or m.get("type") == "error"


def err_text(m: dict[str, Any]) -> str:
    """The text of an error message."""
    return str(m.get("error") or m.get("message"))


def is_event(kind: str, **data: Any) -> Callable[[dict[str, Any]], bool]:
    """Predicate: an event of ``kind`` whose data has the given items."""
    return lambda m: m.get("eventType") == kind and all((m.get("data") or {}).get(k) == v for k, v in data.items())


@pytest.fixture
def anyio_backend() -> str:
    """Run async tests on asyncio."""
    return "asyncio"


class ServerThread:
    """An ``econlab serve`` server (:class:`IbexServer`) on its own loop in a thread, for CLI tests."""

    def __init__(self, **kw: Any) -> None:
        """Start it on free loopback ports (``kw`` go to :class:`IbexServer`)."""
        import threading

        from econlab.protocol.server import IbexServer

        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.server = IbexServer(rest_port=0, ws_port=0, **kw)
        self.call(self.server.start())

    def call(self, coro: Any, timeout: float = 60.0) -> Any:
        """Run a coroutine on the server's loop and wait for it."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def run(self, fn: Callable[[], Any]) -> Any:
        """Run a plain function on the server's loop (the server is not thread-safe)."""
        async def wrap() -> Any:
            return fn()
        return self.call(wrap())

    def stop(self) -> None:
        """Stop the server and its loop."""
        self.call(self.server.stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


class FaultyRest:
    """A loopback HTTP proxy in front of a REST server that answers HTTP 500 to the first ``fail`` calls
    whose path starts with ``prefix``; or, without upstream, replays ``replies`` (``{path: (code, body)}``)."""

    def __init__(self, upstream: str | None = None, prefix: str = "/api/v1/games/status", fail: int = 0,
                 replies: dict[str, tuple[int, Any]] | None = None) -> None:
        """Listen on a free loopback port."""
        import http.server
        import threading

        import httpx

        self.failed, self.calls = 0, []
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def _answer(self, method: str) -> None:
                owner.calls.append((method, self.path))
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                if owner.replies is not None:
                    code, data = owner.replies.get(self.path.split("?")[0], (404, {"data": {}, "status": True,
                                                                                  "message": "no route"}))
                    if isinstance(data, str):  # a plain-text answer (e.g. a websocket port's 426)
                        self._send(code, data.encode(), "text/plain")
                    else:
                        self._send(code, json.dumps(data).encode())
                    return
                if self.path.startswith(prefix) and owner.failed < fail:
                    owner.failed += 1
                    self._send(500, b'{"data": {}, "status": true, "message": "injected"}')
                    return
                r = httpx.request(method, upstream + self.path, content=body or None,
                                  headers={"content-type": "application/json"} if body else None, timeout=30)
                self._send(r.status_code, r.content)

            def _send(self, code: int, payload: bytes, content_type: str = "application/json") -> None:
                self.send_response(code)
                self.send_header("content-type", content_type)
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                self._answer("GET")

            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                self._answer("POST")

        self.replies = replies
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        """Stop listening."""
        self.httpd.shutdown()
        self.httpd.server_close()


class DroppingWs:
    """A loopback websocket proxy that forwards frames both ways but drops client frames ``drop(msg)`` picks."""

    def __init__(self, upstream: str, drop: Callable[[dict[str, Any]], bool]) -> None:
        """Configure; :meth:`start` listens (on the server's loop)."""
        self.upstream, self.drop, self.dropped = upstream, drop, 0
        self._server: Any = None
        self.url = ""

    async def start(self) -> None:
        """Listen on a free loopback port."""
        import websockets
        from websockets.asyncio.server import serve

        async def handler(client: Any) -> None:
            async with websockets.connect(self.upstream, max_size=2**22) as up:
                async def down() -> None:
                    async for frame in up:
                        await client.send(frame)

                task = asyncio.get_running_loop().create_task(down())
                try:
                    async for frame in client:
                        try:
                            msg = json.loads(frame)
                        except ValueError:
                            msg = {}
                        if isinstance(msg, dict) and self.drop(msg):
                            self.dropped += 1
                            continue
                        await up.send(frame)
                finally:
                    task.cancel()

        self._server = await serve(handler, "127.0.0.1", 0, max_size=2**22)
        self.url = f"ws://127.0.0.1:{self._server.sockets[0].getsockname()[1]}"

    async def stop(self) -> None:
        """Stop listening."""
        self._server.close()
        await self._server.wait_closed()
