"""REST calls to an IBEX server (the lab's or ``econlab serve``) with retries and one-line errors.

Transient failures (connection refused or reset, timeouts, HTTP 5xx) are retried with exponential
backoff and logged: the lab server answers ``status`` with HTTP 500 in the window right after a join
while its database write is pending, and a busy server may drop a connection. Everything else ends
at once with a :class:`RestError` whose message says what happened and what to do: a 4xx with the
server's message, or an answer that is not the lab's JSON envelope (the URL points at something else,
for instance the websocket port, which answers ``426 Upgrade Required``).
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any

from econlab.protocol.outcome import ConnectError

log = logging.getLogger(__name__)


class RestError(ConnectError):
    """A REST call the server refused (``code`` its HTTP status, ``server_message`` its text)."""

    def __init__(self, message: str, code: int = 0, server_message: str = "") -> None:
        """Build the error."""
        super().__init__(message)
        self.code, self.server_message = code, server_message


def redact(path: str) -> str:
    """``path`` with its recovery token hidden (``recovery=abcd…`` keeps 4 characters to tell seats apart)."""
    return re.sub(r"(recovery=)([^&]{4})[^&]*", r"\1\2…", path)


class RestClient:
    """REST calls to one server; use inside ``async with`` (one pooled HTTP client)."""

    def __init__(self, base_url: str, *, timeout_s: float = 30.0, retries: int = 6, backoff_s: float = 0.25,
                 what: str = "--rest") -> None:
        """Configure.

        Args:
            base_url: ``http://host:port`` (a trailing ``/`` or ``/api/v1`` is dropped).
            timeout_s: Limit of one HTTP request.
            retries: Tries of a call that fails transiently (connection errors, HTTP 5xx).
            backoff_s: Wait before the second try; doubled each time, at most 4 s.
            what: How the user gave the URL (named in errors).
        """
        if not base_url.startswith(("http://", "https://")):
            raise ConnectError(f"{what} must be an http:// or https:// URL like http://127.0.0.1:3080, "
                               f"got {base_url!r}")
        url = base_url.rstrip("/")
        self.base_url = url[: -len("/api/v1")] if url.endswith("/api/v1") else url
        self.timeout_s, self.retries, self.backoff_s, self.what = timeout_s, max(1, retries), backoff_s, what
        #: transient failures retried so far (reported by ``connect``)
        self.retried = 0
        self._http: Any = None

    async def __aenter__(self) -> RestClient:
        """Open the HTTP client."""
        import httpx

        self._http = httpx.AsyncClient()
        return self

    async def __aexit__(self, *exc: object) -> None:
        """Close it."""
        await self._http.aclose()

    async def call(self, method: str, path: str, body: Any = None) -> Any:
        """One call; returns the envelope's ``data`` (which the lab sets to ``null`` for unknown games)."""
        import httpx

        url = self.base_url + path
        shown = redact(path)  # what logs and messages say: a seat's recovery token lets anyone rejoin as that seat
        shown_url = self.base_url + shown
        last = ""
        answered = False  # the server answered (HTTP 5xx) rather than being unreachable
        for attempt in range(self.retries):
            if attempt:
                delay = min(self.backoff_s * 2 ** (attempt - 1), 4.0)
                log.warning("%s %s: %s; trying again in %.2f s (try %d of %d)", method, shown, last, delay,
                            attempt + 1, self.retries)
                self.retried += 1
                await asyncio.sleep(delay)
            try:
                r = await self._http.request(method, url, json=body, timeout=self.timeout_s)
            except httpx.TransportError as exc:
                last, answered = f"{type(exc).__name__}: {exc}".rstrip(": "), False
                continue
            if r.status_code >= 500:
                last, answered = f"HTTP {r.status_code}", True
                continue
            try:
                env = r.json()
            except ValueError:
                env = None
            if not isinstance(env, dict) or "data" not in env:
                hint = " (that is a websocket port)" if r.status_code == 426 else ""
                raise RestError(f"{shown_url} answered HTTP {r.status_code} {r.headers.get('content-type', '')}"
                                f"{hint}, not the IBEX REST API's JSON — {self.what} must be the server's REST "
                                "address (port 3080 by default)", r.status_code)
            if r.status_code >= 300:
                text = str(env.get("message") or "")
                raise RestError(f"{method} {shown}: HTTP {r.status_code}: {text}", r.status_code, text)
            return env.get("data")
        if answered:  # it runs but keeps failing this request (the lab's Futarchy status does so in some phases)
            raise ConnectError(f"{method} {shown} on {self.base_url} kept failing ({last}, {self.retries} tries): the "
                               "server runs but cannot answer this request now — retry later; see its log")
        raise ConnectError(f"cannot reach the IBEX REST API at {self.base_url} ({last}, {self.retries} tries) — "
                           f"is the server running? check {self.what}")
