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
