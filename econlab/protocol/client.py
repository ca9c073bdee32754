"""``econlab connect``: econlab policies playing seats on a live IBEX server (econlab's or the lab's).

Each seat is one websocket. Seats join one after another in the order given, waiting for each
join's ``info`` broadcast, because the lab server hands out seats in join order; the seat and role
are then read from ``GET /games/status``. Every server event updates the seat's
:class:`~econlab.protocol.mirror.Mirror`, whose ``view()`` is what the policy sees (the same
:class:`~econlab.game.view.SeatView` as in a local game), so policies need no change.

When to act:

* lock-step server (``econlab serve`` in FAST mode, announced by ``status.econlab.timers``): on
  each ``econlab-tick`` event the seat asks its policy once and sends the action or
  ``econlab-pass``; this is the local runner's decision schedule, so the game equals a local one;
* free-running server (the lab's, or ``econlab serve --timers LAB``): a seat decides once at the
  start of each decision phase and, in the market and chat phases, every ``act_interval_s``.

``player-is-ready`` is sent at every round's phase 0. After a dropped socket the seat rejoins with
its recovery token, resynchronises from ``status`` (read with :mod:`econlab.protocol.lab_rest`, the
lab server's shapes) and, if the server still waits for its action in the open tick, sends the very
same message again (the server ignores a second one), so no action is lost or doubled. When the
server cannot answer ``status`` (the lab's Futarchy answers HTTP 500 in some phases) the seat goes on
from the events it receives, counted in ``RemoteSession.resync_fallbacks`` and noted in its errors.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from econlab.game.schedule import MULTI_TICK
from econlab.policies.base import Policy, PolicyState
from econlab.protocol import codec
from econlab.protocol.mirror import Mirror
from econlab.protocol.outcome import ConnectError, ConnectResult, SeatDecision, params_from_data

__all__ = ["ConnectError", "ConnectResult", "RemoteSession", "SeatClient", "SeatDecision", "params_from_data"]


class SeatClient:
    """One seat on the remote server."""

    def __init__(self, session: RemoteSession, policy: Policy | None, index: int) -> None:
        """Set up; :meth:`join` opens the socket."""
        self.s, self.policy, self.index = session, policy, index
        self.token = ""
        self.seat = 0
        self.ws: Any = None
        self.mirror: Mirror | None = None
        self.state: PolicyState | None = None
        self.last_key: tuple[int, int, int] | None = None
        self.last_msg: dict[str, Any] | None = None
        self.errors: list[str] = []
        self.done = asyncio.Event()
        self._acting: asyncio.Task[None] | None = None
        #: test hook: drop the socket right after sending the action of this tick key
        self.drop_after: tuple[int, int, int] | None = None
        #: test hook: drop the socket when the tick of this key arrives, before deciding
        self.drop_before: tuple[int, int, int] | None = None

    # ------------------------------------------------------------------ joining
    async def join(self) -> None:
        """Take the next free seat and learn its number and role."""
        import websockets

        self.token = (await self.s.rest("GET", f"/api/v1/games/get-recovery?game_id={self.s.game_id}"))["recovery"]
        self.ws = await websockets.connect(self.s.ws_url, max_size=2**22)
        await self._send({"gameId": self.s.game_id, "type": "join", "recovery": self.token})
        while True:  # the joiner gets the join broadcast too; anything else before it is an error
            wire = json.loads(await asyncio.wait_for(self.ws.recv(), self.s.timeout_s))
            if wire.get("type") == "info" and "joined" in str(wire.get("message")):
                break
            if "error" in wire or wire.get("type") in ("error", "fatal"):
                raise ConnectError(f"join refused: {wire.get('error') or wire.get('message')}")
        status = await self.status()
        player = status["gameData"]["player"]
        self.seat, role, tag = int(player["number"]), int(player["role"]), str(player["tag"])
        game = status["gameData"]["game"]
        compat = (status.get("econlab") or {}).get("compat", "server")
        self.mirror = Mirror(self.s.treatment, self.s.params, self.seat, role, tag, game.get("players", []), compat)
        self.mirror.resync(status)
        if self.policy is None:
            self.policy = self.s.policy_for(self.seat, role)
        self.state = self.policy.initial_state(self.seat, self.s.seed)
        if game.get("phase") == 0 and not player.get("ready"):
            await self._send({"gameId": self.s.game_id, "type": "player-is-ready"})

    async def status(self) -> dict[str, Any]:
        """``GET /games/status`` for this seat."""
        data = await self.s.rest("GET", f"/api/v1/games/status?id={self.s.game_id}&recovery={self.token}")
        if not data.get("found"):
            raise ConnectError(f"the server does not know seat token of client {self.index}")
        return data

    async def _send(self, msg: dict[str, Any]) -> None:
        await self.ws.send(json.dumps(msg))

    # ------------------------------------------------------------------ playing
    async def run(self) -> None:
        """Read and answer server messages until the game is over (reconnecting after drops)."""
        import websockets

        while not self.done.is_set():
            try:
                async for frame in self.ws:
                    await self._on_wire(json.loads(frame))
                    if self.done.is_set():
                        break
            except websockets.ConnectionClosed:
                pass
            if not self.done.is_set():
                await self._reconnect()
        with contextlib.suppress(Exception):
            await self.ws.close()

    async def _reconnect(self) -> None:
        """Rejoin with the seat's token and resynchronise; again if the new socket drops meanwhile."""
        import websockets

        for _ in range(10):
            try:
                await self._reconnect_once()
                return
            except (websockets.ConnectionClosed, OSError):
                continue
        raise ConnectError(f"seat {self.seat}: the connection to {self.s.ws_url} dropped 10 times while "
                           "resynchronising; check the server and the network")

    async def _reconnect_once(self) -> None:
        import websockets

        self.s.reconnects += 1
        for attempt in range(20):
            try:
                self.ws = await websockets.connect(self.s.ws_url, max_size=2**22)
                break
            except OSError:
                await asyncio.sleep(min(0.1 * 2 ** attempt, 2.0))
        else:
            raise ConnectError(f"seat {self.seat}: cannot reconnect to {self.s.ws_url}")
        await self._send({"gameId": self.s.game_id, "type": "join", "recovery": self.token})
        await self._send({"gameId": self.s.game_id, "type": "status", "recovery": self.token})
        # Everything the new socket gets before the status reply is already in that snapshot, so only
        # tick requests are kept (econlab serve puts the full status into the reply; the lab server
        # does not, and then the REST status is the best available, with a small race).
        ticks: list[dict[str, Any]] = []
        received: list[dict[str, Any]] = []
        snapshot: dict[str, Any] | None = None
        assert self.mirror is not None
        while snapshot is None:
            wire = json.loads(await asyncio.wait_for(self.ws.recv(), self.s.timeout_s))
            received.append(wire)
            if wire.get("eventType") == codec.TICK_EVENT:
                ticks.append(wire)
            elif wire.get("eventType") == "status":
                snapshot = (wire.get("data") or {}).get("econlab")
                if snapshot is None:
                    try:
                        snapshot = await self.status()
                    except ConnectError as exc:
                        await self._resync_fallback(exc, received[:-1])
                        return
        try:
            self.mirror.resync(snapshot)
        except ValueError as exc:  # a status shape the lab_rest models do not know
            raise ConnectError(f"seat {self.seat}: cannot resynchronise after a dropped socket: {exc} — "
                               "report this server version; the game cannot be followed") from exc
        game = snapshot["gameData"]["game"]
        if game.get("over"):
            self.done.set()
            return
        if game.get("phase") == 0 and not snapshot["gameData"]["player"].get("ready"):
            await self._send({"gameId": self.s.game_id, "type": "player-is-ready"})
        for wire in ticks[-1:]:
            await self._on_wire(wire)

    async def _resync_fallback(self, exc: ConnectError, received: list[dict[str, Any]]) -> None:
        """Go on from the events when no status can be had after a reconnection.

        The lab's status answers HTTP 500 in some phases (Futarchy from round 2, the round-start
        window). The fallback is marked in the seat's errors and the session's ``resync_fallbacks``;
        events missed while the socket was down stay missed.
        """
        assert self.mirror is not None
        self.s.resync_fallbacks += 1
        self.errors.append(f"resync fallback (round {self.mirror.round}, phase {self.mirror.phase}): {exc}; "
                           "the seat goes on from the events it receives")
        for wire in received:
            await self._on_wire(wire)
        if self.mirror.phase == 0:  # a ready the server may have lost with the socket (sending twice is harmless)
            await self._send({"gameId": self.s.game_id, "type": "player-is-ready"})
        elif not self.s.lockstep:
            self._start_free_phase()

    async def _on_wire(self, wire: dict[str, Any]) -> None:
        assert self.mirror is not None
        if "error" in wire or wire.get("type") in ("error", "fatal", "warning"):
            self.errors.append(str(wire.get("error") or wire.get("message")))
            return
        if wire.get("type") != "event":
            return
        kind, data = wire.get("eventType"), wire.get("data")
        if kind == codec.TICK_EVENT:
            await self._on_tick(codec.TickData.model_validate(data))
            return
        self.mirror.on_event(kind, data)
        if kind == "phase-transition":
            if data.get("phase") == 0:
                await self._send({"gameId": self.s.game_id, "type": "player-is-ready"})
            elif not self.s.lockstep:
                self._start_free_phase()
        elif kind == "game-over":
            self.done.set()

    async def _on_tick(self, tick: codec.TickData) -> None:
        assert self.mirror is not None
        self.mirror.flush_own_chat()  # every delivery of the last tick has arrived
        key = (tick.round, tick.phase, tick.tick)
        if self.drop_before == key:
            self.drop_before = None
            await self.ws.close()  # the tick is lost with the socket; the server sends it again on rejoin
            return
        if key == self.last_key and self.last_msg is not None:
            await self._send(self.last_msg)  # the server still waits: the same message again
            return
        if self.s.decide is not None:  # the remote env answers
            view = self.mirror.view()
            action = await self.s.decide(self, view, tick.deciders)
            msg = action.to_message(self.s.game_id) if action is not None else \
                {"gameId": self.s.game_id, "type": codec.PASS_TYPE}
            self.mirror.sent(msg)
        else:
            msg = self._decide(tick.tick)
        self.last_key, self.last_msg = key, msg
        await self._send(msg)
        if self.drop_after == key:
            self.drop_after = None
            await self.ws.close()

    def _decide(self, tick: int | None) -> dict[str, Any]:
        assert self.mirror is not None and self.policy is not None and self.state is not None
        view = self.mirror.view()
        if self.s.keep_views:
            self.s.views.append(((view.round, view.phase, tick, self.seat), view.to_dict()))
        calls_before = len(self.state.memory.get("llm_calls", ()))
        try:
            action, self.state = self.policy.act(view, None, self.state)
        except Exception as exc:  # noqa: BLE001 - a failing policy loses its action only
            self.errors.append(f"policy error: {exc!r}")
            action = None
        calls = self.state.memory.get("llm_calls", ())
        source = calls[-1].get("source") if len(calls) > calls_before else getattr(self.policy, "name", None)
        msg = action.to_message(self.s.game_id) if action is not None else \
            {"gameId": self.s.game_id, "type": codec.PASS_TYPE}
        self.s.decisions.append(SeatDecision(view.round, view.phase, tick, self.seat,
                                             msg if action is not None else None, source))
        self.mirror.sent(msg)
        return msg

    # ------------------------------------------------------------------ free-running servers
    def _start_free_phase(self) -> None:
        assert self.mirror is not None
        if self._acting is not None:
            self._acting.cancel()
        m = self.mirror
        if not m.accepted() or (m.treatment != "voting" and m.phase == 5):
            return
        self._acting = asyncio.get_running_loop().create_task(self._act_free((m.round, m.phase)))

    async def _act_free(self, key: tuple[int, int]) -> None:
        assert self.mirror is not None
        multi = self.mirror.phase in MULTI_TICK.get(self.s.treatment, {})
        while (self.mirror.round, self.mirror.phase) == key and not self.mirror.over:
            msg = self._decide(None)
            if msg["type"] != codec.PASS_TYPE:
                with contextlib.suppress(Exception):
                    await self._send(msg)
            if not multi:
                return
            await asyncio.sleep(self.s.act_interval_s)


class RemoteSession:
    """Several seats of one remote game (see the module docstring)."""

    def __init__(self, rest_url: str, ws_url: str, game_id: int, *, seed: int | None = None,
                 policies: Mapping[int, Policy] | None = None,
                 policy_for: Callable[[int, int], Policy] | None = None, n_seats: int = 12,
                 act_interval_s: float = 1.0, timeout_s: float = 30.0) -> None:
        """Configure.

        Args:
            rest_url: Base URL of the REST API (``http://host:3080``).
            ws_url: Websocket URL (``ws://host:3088``).
            game_id: The game to join.
            seed: Seed of the policies (default: the game's seed if the server tells it, else 0).
            policies: Policy per seat number (seats are learned after joining).
            policy_for: Fallback ``(seat, role) -> Policy`` for seats missing from ``policies``.
            n_seats: How many seats to take (joined in order).
            act_interval_s: Free-running servers: seconds between a seat's market/chat decisions.
            timeout_s: How long a single REST call or join may take.
        """
        self.rest_url, self.ws_url, self.game_id = rest_url.rstrip("/"), ws_url, game_id
        self._seed, self.policies, self._policy_for = seed, dict(policies or {}), policy_for
        self.n_seats, self.act_interval_s, self.timeout_s = n_seats, act_interval_s, timeout_s
        self.decisions: list[SeatDecision] = []
        #: with ``keep_views``: ((round, phase, tick, seat), view dict) of every decision
        self.keep_views = False
        self.views: list[tuple[tuple[int, int, int | None, int], dict[str, Any]]] = []
        self.reconnects = 0
        #: reconnections resynchronised from the events only (the server's status failed)
        self.resync_fallbacks = 0
        self.clients: list[SeatClient] = []
        #: lock-step only: ``async (client, view, deciders) -> Action | None`` answering ticks instead of policies
        self.decide: Callable[[SeatClient, Any, list[int]], Awaitable[Any]] | None = None
        self._http: Any = None

    def policy_for(self, seat: int, role: int) -> Policy:
        """The policy of ``seat``."""
        if seat in self.policies:
            return self.policies[seat]
        if self._policy_for is None:
            raise ConnectError(f"no policy for seat {seat}")
        return self._policy_for(seat, role)

    async def rest(self, method: str, path: str, body: Any = None) -> Any:
        """One REST call; returns the envelope's ``data`` (raises on a non-2xx code)."""
        import httpx

        try:
            r = await self._http.request(method, self.rest_url + path, json=body, timeout=self.timeout_s)
        except httpx.TransportError as exc:
            raise ConnectError(f"{method} {self.rest_url}{path}: {exc!r}") from exc
        try:
            env = r.json()
        except ValueError as exc:
            raise ConnectError(f"{method} {path}: HTTP {r.status_code}, not JSON") from exc
        if r.status_code >= 300:
            raise ConnectError(f"{method} {path}: HTTP {r.status_code}: {env.get('message')}")
        return env.get("data")

    async def play(self, *, drop_after: Mapping[int, tuple[int, int, int]] | None = None,
                   drop_before: Mapping[int, tuple[int, int, int]] | None = None) -> ConnectResult:
        """Join ``n_seats`` seats in order, play to the end, return what they saw.

        Args:
            drop_after: Test hook: ``{seat: (round, phase, tick)}`` closes that seat's socket right after
                it sent its action of that tick (it then reconnects).
            drop_before: Test hook: the same, but when the tick arrives, before the seat decides.
        """
        import httpx

        async with httpx.AsyncClient() as http:
            self._http = http
            data = await self.rest("GET", f"/api/v1/games/data?game_id={self.game_id}")
            self.params = params_from_data(data)
            self.treatment = self.params.game_type
            ext = data.get("econlab") or {}  # econlab serve's extension of games/data (absent on the lab's)
            self.seed = self._seed if self._seed is not None else int(ext.get("seed") or 0)
            self.lockstep = False
            for i in range(self.n_seats):
                client = SeatClient(self, None, i)
                await client.join()
                self.clients.append(client)
                status = await client.status()
                self.lockstep = (status.get("econlab") or {}).get("timers") == "FAST"
                if drop_after and client.seat in drop_after:
                    client.drop_after = tuple(drop_after[client.seat])  # type: ignore[assignment]
                if drop_before and client.seat in drop_before:
                    client.drop_before = tuple(drop_before[client.seat])  # type: ignore[assignment]
            await asyncio.gather(*(c.run() for c in self.clients))
            final = await self.rest("GET", f"/api/v1/games/data?game_id={self.game_id}")
        mirrors = {c.seat: c.mirror for c in self.clients if c.mirror is not None}
        record = (final.get("econlab") or {}).get("record") if isinstance(final, dict) else None  # serve only
        return ConnectResult(self.game_id, self.treatment, mirrors, {c.seat: c.errors for c in self.clients},
                             self.decisions, record, self.reconnects)
