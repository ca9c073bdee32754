"""``econlab connect``: econlab policies playing seats on a live IBEX server (econlab's or the lab's).

Each seat is one websocket. Seats join one after another in the order given, waiting for each
join's ``info`` broadcast, because the lab server hands out seats in join order; the seat and role
are then read from ``GET /games/status``. Every server event updates the seat's
:class:`~econlab.protocol.mirror.Mirror`, whose ``view()`` is what the policy sees (the same
:class:`~econlab.games.ibex.view.SeatView` as in a local game), so policies need no change.

When to act:

* lock-step server (``econlab serve`` in FAST mode, announced by ``status.econlab.timers``): on
  each ``econlab-tick`` event the seat asks its policy once and sends the action or
  ``econlab-pass``; this is the local runner's decision schedule, so the game equals a local one;
* free-running server (the lab's, or ``econlab serve --timers LAB``): a seat decides once at the
  start of each decision phase and, in the market and chat phases, every ``act_interval_s``.

Requests the server may drop are resent until acknowledged, with bounded, logged retries: a join
until the server confirms it (``info`` "joined", or ``status`` finds the seat), ``player-is-ready``
at every round's phase 0 until ``ready-received`` (the lab server loses a ready sent just after
``phase-transition {round r >= 2, phase 0}``). REST calls retry transient failures
(:mod:`econlab.protocol.rest`). With a :class:`~econlab.protocol.run_state.RunState` each seat's
token is kept in the run folder before it joins, so a restarted run rejoins every seat with its
token and carries on (a one-shot action already sent is not sent again). After a dropped socket the seat rejoins with
its recovery token, resynchronises from ``status`` (read with :mod:`econlab.protocol.lab_rest`, the
lab server's shapes) and, if the server still waits for its action
in the open tick, sends the very same message again (the server ignores a second one), so no
action is lost or doubled.
When the server cannot answer ``status`` (the lab's Futarchy answers HTTP 500 in some phases) the
seat goes on from the events it receives, counted in ``RemoteSession.resync_fallbacks`` and noted in
its errors.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from econlab.games.ibex.schedule import MULTI_TICK
from econlab.policies.base import Policy, PolicyState, is_async
from econlab.protocol import codec
from econlab.protocol.mirror import Mirror
from econlab.protocol.outcome import ConnectError, ConnectResult, SeatDecision, params_from_data
from econlab.protocol.rest import RestClient, RestError
from econlab.protocol.run_state import ONE_SHOT, RunState

log = logging.getLogger(__name__)

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
        self._ready_ack = asyncio.Event()
        self._ready_task: asyncio.Task[None] | None = None
        self._ready_pending = False
        #: set when the seat gives up (its run then ends with this error)
        self.fatal: ConnectError | None = None
        #: test hook: drop the socket right after sending the action of this tick key
        self.drop_after: tuple[int, int, int] | None = None
        #: test hook: drop the socket when the tick of this key arrives, before deciding
        self.drop_before: tuple[int, int, int] | None = None

    # ------------------------------------------------------------------ joining
    async def open_socket(self) -> None:
        """Open the websocket (connection errors retried briefly; a non-websocket answer ends at once)."""
        self.ws = await open_ws(self.s.ws_url)

    async def join(self) -> None:
        """Take this client's seat (its token from an earlier run, else the next free seat); learn seat and role.

        The join is sent again (same token, so at most one seat) while the server confirms nothing, until
        ``join_timeout_s`` has passed.
        """
        store = self.s.store
        old = store.token_of(self.index) if store is not None else None
        if old:
            self.token = old
        else:
            self.token = (await self.s.rest("GET", f"/api/v1/games/get-recovery?game_id={self.s.game_id}"))["recovery"]
            if store is not None:
                store.will_join(self.index, self.token)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.s.join_timeout_s
        tries = 0
        while True:
            tries += 1
            if self.ws is None:
                await self.open_socket()
            await self._send({"gameId": self.s.game_id, "type": "join", "recovery": self.token})
            if await self._join_answer(min(self.s.join_retry_s * tries, max(deadline - loop.time(), 0.1))):
                break
            found = await self.s.rest("GET", f"/api/v1/games/status?id={self.s.game_id}&recovery={self.token}")
            if isinstance(found, dict) and found.get("found"):
                break  # the server bound the token; only its answer was lost
            if loop.time() >= deadline:
                raise ConnectError(f"join timed out: the server at {self.s.ws_url} confirmed no join of client "
                                   f"{self.index + 1} within {self.s.join_timeout_s:g} s ({tries} tries) — check "
                                   f"--ws and that game {self.s.game_id} is running, or raise --join-timeout")
            log.warning("client %d: no answer to join after try %d; sending it again", self.index + 1, tries)
            self.s.retries += 1
        status = await self.status()
        player = status["gameData"]["player"]
        self.seat, role, tag = int(player["number"]), int(player["role"]), str(player["tag"])
        if store is not None:
            store.joined(self.index, self.seat, role)
        game = status["gameData"]["game"]
        compat = (status.get("econlab") or {}).get("compat", "server")
        self.s.lockstep = (status.get("econlab") or {}).get("timers") == "FAST"
        self.mirror = Mirror(self.s.treatment, self.s.params, self.seat, role, tag, game.get("players", []), compat)
        self.mirror.resync(status)
        if store is not None:  # a restart: summaries of rounds the status no longer shows
            missing = [v for r, v in sorted(store.summaries.get(self.seat, {}).items()) if r not in self.mirror.profits]
            for summary in missing:
                self.mirror.on_event("round-summary", summary)
            if missing:
                self.mirror.summaries.sort(key=lambda x: x.get("round", 0))
        if self.policy is None:
            self.policy = self.s.policy_for(self.seat, role)
        self.state = self.policy.initial_state(self.seat, self.s.seed)
        if game.get("over"):
            self.done.set()
        elif game.get("phase") == 0 and not player.get("ready"):
            self._ready_pending = True  # sent when run() reads the socket, which is where its answer comes
        elif old and not self.s.lockstep and game.get("phase", 0) > 0:
            self._start_free_phase()  # resumed mid-phase: no phase-transition will announce it

    async def _join_answer(self, wait_s: float) -> bool:
        """Wait for the join's ``info`` broadcast (True); False if none came in ``wait_s``; raise on a refusal."""
        loop = asyncio.get_running_loop()
        end = loop.time() + wait_s
        while True:
            left = end - loop.time()
            if left <= 0:
                return False
            try:
                wire = json.loads(await asyncio.wait_for(self.ws.recv(), left))
            except TimeoutError:
                return False
            except Exception as exc:  # noqa: BLE001 - a closed socket: open a new one and try again
                log.warning("client %d: socket closed while joining (%r)", self.index + 1, exc)
                self.ws = None
                return False
            if wire.get("type") == "info" and "joined" in str(wire.get("message")):
                return True
            if "error" in wire or wire.get("type") in ("error", "fatal"):
                text = str(wire.get("error") or wire.get("message"))
                what = "the game has no free seat: create a new game, or rerun with the --out of the run that " \
                       "holds its seats" if "full" in text else "check --game-id"
                raise ConnectError(f"join refused by game {self.s.game_id}: {text} — {what}")

    def send_ready(self) -> None:
        """Send ``player-is-ready`` for the current round, again until ``ready-received`` (bounded, logged)."""
        assert self.mirror is not None
        if self._ready_task is not None and not self._ready_task.done():
            self._ready_task.cancel()
        self._ready_ack.clear()
        self._ready_task = asyncio.get_running_loop().create_task(self._ready_loop(self.mirror.round))

    async def _ready_loop(self, rnd: int) -> None:
        assert self.mirror is not None
        wait = self.s.ready_resend_s
        for attempt in range(1, self.s.ready_tries + 1):
            with contextlib.suppress(Exception):  # a dropped socket: the reconnection sends ready again
                await self._send({"gameId": self.s.game_id, "type": "player-is-ready"})
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._ready_ack.wait(), wait)
            if self._ready_ack.is_set() or self.done.is_set() or (self.mirror.round, self.mirror.phase) != (rnd, 0):
                return
            log.warning("seat %d: no ready-received %.1f s after player-is-ready of round %d (try %d of %d); "
                        "sending it again", self.seat, wait, rnd, attempt, self.s.ready_tries)
            self.s.retries += 1
            wait = min(wait * 1.5, 10.0)
        self.fatal = ConnectError(f"seat {self.seat}: the server acknowledged none of {self.s.ready_tries} "
                                  f"player-is-ready messages in round {rnd}; the game cannot start the round — "
                                  "check the server's log")
        with contextlib.suppress(Exception):
            await self.ws.close()

    async def status(self) -> dict[str, Any]:
        """``GET /games/status`` for this seat (a seat the server has just bound may take a moment to show)."""
        for attempt in range(5):
            data = await self.s.rest("GET", f"/api/v1/games/status?id={self.s.game_id}&recovery={self.token}")
            if isinstance(data, dict) and data.get("found") and data.get("gameData"):
                return data
            await asyncio.sleep(0.2 * (attempt + 1))
        raise ConnectError(f"the server does not know the seat token of client {self.index + 1} in game "
                           f"{self.s.game_id} — its seat was lost (was the server restarted?)")

    async def _send(self, msg: dict[str, Any]) -> None:
        await self.ws.send(json.dumps(msg))

    # ------------------------------------------------------------------ playing
    async def run(self) -> None:
        """Read and answer server messages until the game is over (reconnecting after drops)."""
        import websockets

        if self._ready_pending:
            self._ready_pending = False
            self.send_ready()
        while not self.done.is_set():
            try:
                async for frame in self.ws:
                    await self._on_wire(json.loads(frame))
                    if self.done.is_set():
                        break
            except websockets.ConnectionClosed:
                pass
            if self.fatal is not None:
                raise self.fatal
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
            self.send_ready()
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
        # The transition into a new round's phase 0 may have been lost with the socket: without it the seat
        # never sends its ready, and the lab's phase 0 (no timer) waits for it for ever. games/data still
        # answers and names the server's round and phase.
        with contextlib.suppress(ConnectError):
            data = await self.s.rest("GET", f"/api/v1/games/data?game_id={self.s.game_id}")
            cur = (data or {}).get("currentRound") or {}
            where = (cur.get("number"), cur.get("phase"))
            if where[1] == 0 and (self.mirror.round, self.mirror.phase) != where:
                self.errors.append(f"resync fallback: games/data says round {where[0]} phase 0; the missed "
                                   "phase-transition is supplied")
                self.mirror.on_event("phase-transition", {"round": where[0], "phase": 0})
        if self.mirror.phase == 0:  # a ready the server may have lost with the socket: resent until acknowledged
            self.send_ready()
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
        if kind == "ready-received":
            self._ready_ack.set()
        elif kind == "round-summary" and self.s.store is not None:
            self.s.store.note_summary(self.seat, data)
        self.mirror.on_event(kind, data)
        if kind == "phase-transition":
            if data.get("phase") == 0:
                self.send_ready()
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
            msg = await self._decide(tick.tick)
        self.last_key, self.last_msg = key, msg
        await self._send(msg)
        if self.drop_after == key:
            self.drop_after = None
            await self.ws.close()

    async def _decide(self, tick: int | None) -> dict[str, Any]:
        assert self.mirror is not None and self.policy is not None and self.state is not None
        view = self.mirror.view()
        if self.s.keep_views:
            self.s.views.append(((view.round, view.phase, tick, self.seat), view.to_dict()))
        calls_before = len(self.state.calls)
        failed = False
        try:
            # an LLM seat answers on this event loop (its sync ``act`` would start a loop inside this one)
            if is_async(self.policy):
                action, self.state = await self.policy.act_async(view, self.state)
            else:
                action, self.state = self.policy.act(view, self.state)
        except Exception as exc:  # noqa: BLE001 - a failing policy loses its action only
            self.errors.append(f"policy error: {exc!r}")
            action, failed = None, True
        calls = self.state.calls
        source = calls[-1].get("source") if len(calls) > calls_before else getattr(self.policy, "name", None)
        if failed:  # a fallback is data: the pass sent instead is marked as one
            source = "fallback:policy-error"
        msg = action.to_message(self.s.game_id) if action is not None else \
            {"gameId": self.s.game_id, "type": codec.PASS_TYPE}
        decision = SeatDecision(view.round, view.phase, tick, self.seat, msg if action is not None else None,
                                source)
        self.s.decisions.append(decision)
        if self.s.store is not None:
            self.s.store.add_decision(decision)
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
        store = self.s.store
        while (self.mirror.round, self.mirror.phase) == key and not self.mirror.over:
            if not multi and store is not None and any(store.sent_once(self.seat, *key, t) for t in ONE_SHOT):
                return  # sent before a restart
            msg = await self._decide(None)
            if msg["type"] != codec.PASS_TYPE:
                with contextlib.suppress(Exception):
                    await self._send(msg)
                    if store is not None:
                        store.note_sent(self.seat, *key, msg["type"])
            if not multi:
                return
            await asyncio.sleep(self.s.act_interval_s)


async def open_ws(url: str, tries: int = 6) -> Any:
    """Open a websocket to ``url``; refused connections are retried briefly, a non-websocket answer is not.

    Raises:
        ConnectError: nothing listens there, or it is not a websocket endpoint (e.g. the REST port).
    """
    import websockets
    from websockets.exceptions import InvalidHandshake, InvalidURI

    if not url.startswith(("ws://", "wss://")):
        raise ConnectError(f"--ws must be a ws:// or wss:// URL like ws://127.0.0.1:3088, got {url!r}")
    last = ""
    for attempt in range(tries):
        if attempt:
            await asyncio.sleep(min(0.25 * 2 ** (attempt - 1), 2.0))
        try:
            return await websockets.connect(url, max_size=2**22, open_timeout=20)
        except InvalidURI as exc:
            raise ConnectError(f"--ws {url!r} is not a websocket URL ({exc})") from exc
        except InvalidHandshake as exc:
            code = getattr(getattr(exc, "response", None), "status_code", None)
            answer = f"HTTP {code}" if code is not None else str(exc)
            raise ConnectError(f"{url} is not a websocket endpoint (it answered {answer}) — --ws must be the "
                               "server's websocket port (3088 by default), not its REST port") from exc
        except (OSError, TimeoutError) as exc:
            last = f"{type(exc).__name__}: {exc}"
    raise ConnectError(f"cannot reach the websocket at {url} ({last}, {tries} tries) — is the server running? "
                       "check --ws")


def game_over_in(data: Mapping[str, Any]) -> bool:
    """Whether ``games/data`` describes a finished game (the lab: its ``rewards`` are set; econlab: ``over``)."""
    ext = data.get("econlab") if isinstance(data.get("econlab"), Mapping) else {}
    return bool(data.get("rewards")) or bool(data.get("over")) or bool(ext.get("over"))


def _serve_extra(data: Mapping[str, Any], key: str) -> Any:
    """An ``econlab serve`` extra of ``games/data`` (under ``econlab``, or at the top level in older versions)."""
    ext = data.get("econlab") if isinstance(data.get("econlab"), Mapping) else {}
    return ext.get(key, data.get(key))


class RemoteSession:
    """Several seats of one remote game (see the module docstring)."""

    def __init__(self, rest_url: str, ws_url: str, game_id: int, *, seed: int | None = None,
                 policies: Mapping[int, Policy] | None = None,
                 policy_for: Callable[[int, int], Policy] | None = None, n_seats: int | None = 12,
                 act_interval_s: float = 1.0, timeout_s: float = 30.0, join_timeout_s: float = 60.0,
                 seats: tuple[int, int] | None = None, store: RunState | None = None,
                 ready_resend_s: float = 3.0, ready_tries: int = 12, rest_retries: int = 6,
                 join_retry_s: float = 5.0) -> None:
        """Configure.

        Args:
            rest_url: Base URL of the REST API (``http://host:3080``).
            ws_url: Websocket URL (``ws://host:3088``).
            game_id: The game to join.
            seed: Seed of the policies (default: the game's seed if the server tells it, else 0).
            policies: Policy per seat number (seats are learned after joining).
            policy_for: Fallback ``(seat, role) -> Policy`` for seats missing from ``policies``.
            n_seats: How many seats to take (joined in order); ``None``: every seat of the game.
            act_interval_s: Free-running servers: seconds between a seat's market/chat decisions.
            timeout_s: How long a single REST call may take.
            join_timeout_s: How long one seat's join may take, resends included.
            seats: The seats asked for (``FIRST, LAST``): checked against the game before anyone joins.
            store: The run folder's resumable state (tokens, one-shot actions, decisions).
            ready_resend_s: Wait for ``ready-received`` before sending ``player-is-ready`` again (grows).
            ready_tries: How many ``player-is-ready`` per round at most.
            rest_retries: Tries of a REST call that fails transiently.
            join_retry_s: Wait for the join's answer before sending it again (grows with each try).
        """
        self.rest_url, self.ws_url, self.game_id = rest_url.rstrip("/"), ws_url, game_id
        self._seed, self.policies, self._policy_for = seed, dict(policies or {}), policy_for
        self.n_seats, self.act_interval_s, self.timeout_s = n_seats, act_interval_s, timeout_s
        self.join_timeout_s, self.seat_range, self.store = join_timeout_s, seats, store
        self.ready_resend_s, self.ready_tries, self.rest_retries = ready_resend_s, ready_tries, rest_retries
        self.join_retry_s = join_retry_s
        self.decisions: list[SeatDecision] = []
        #: with ``keep_views``: ((round, phase, tick, seat), view dict) of every decision
        self.keep_views = False
        self.views: list[tuple[tuple[int, int, int | None, int], dict[str, Any]]] = []
        self.reconnects = 0
        #: reconnections resynchronised from the events only (the server's status failed)
        self.resync_fallbacks = 0
        #: requests sent again because the server did not acknowledge them (joins, readies)
        self.retries = 0
        self.lockstep = False
        self.clients: list[SeatClient] = []
        #: lock-step only: ``async (client, view, deciders) -> Action | None`` answering ticks instead of policies
        self.decide: Callable[[SeatClient, Any, list[int]], Awaitable[Any]] | None = None
        self._rc: RestClient | None = None

    def policy_for(self, seat: int, role: int) -> Policy:
        """The policy of ``seat``."""
        if seat in self.policies:
            return self.policies[seat]
        if self._policy_for is None:
            raise ConnectError(f"no policy for seat {seat}")
        return self._policy_for(seat, role)

    async def rest(self, method: str, path: str, body: Any = None) -> Any:
        """One REST call with retries of transient failures; returns the envelope's ``data``."""
        assert self._rc is not None, "rest() is available inside play()"
        return await self._rc.call(method, path, body)

    async def _game_data(self) -> dict[str, Any]:
        """``games/data`` of the game, or a one-line error: not found (the lab: ``data`` null), already over."""
        where = f"game {self.game_id} not found on {self.rest_url} — create one with `econlab create-game` " \
                "(or `econlab connect --create`), or check --game-id"
        try:
            data = await self.rest("GET", f"/api/v1/games/data?game_id={self.game_id}")
        except RestError as exc:
            if exc.code in (400, 404) and "not found" in exc.server_message.lower():
                raise ConnectError(where) from exc
            raise
        if not isinstance(data, dict) or not data:
            raise ConnectError(where)
        return data

    def _check_seats(self, data: Mapping[str, Any], n: int) -> None:
        """Refuse, before anyone joins, seats outside the game or more new seats than it has free."""
        if self.seat_range is not None:
            first, last = self.seat_range
            if last > n:
                raise ConnectError(f"seats {first}-{last} are outside game {self.game_id}: it has {n} seats "
                                   f"(1-{n}) — choose --seats within 1-{n}")
        assert self.n_seats is not None
        if self.n_seats > n:
            raise ConnectError(f"{self.n_seats} seats asked for, game {self.game_id} has {n}")
        held = len(self.store.clients) if self.store is not None else 0
        taken = data.get("assignedPlayers")
        new = self.n_seats - held
        if isinstance(taken, int) and new > n - taken:
            raise ConnectError(f"game {self.game_id} has {max(n - taken, 0)} free seat(s) of {n}, {new} needed — "
                               "create a new game, or rerun with the --out of the run that holds its seats")

    def partial_result(self) -> ConnectResult | None:
        """What the seats saw so far (``None`` if no seat joined); for a record marked incomplete."""
        mirrors = {c.seat: c.mirror for c in self.clients if c.mirror is not None}
        if not mirrors:
            return None
        decisions = self.store.all_decisions(self.decisions) if self.store is not None else self.decisions
        return ConnectResult(self.game_id, getattr(self, "treatment", ""), mirrors,
                             {c.seat: c.errors for c in self.clients}, decisions, None, self.reconnects,
                             resends=self.retries, http_retries=self._rc.retried if self._rc is not None else 0,
                             resync_fallbacks=self.resync_fallbacks)

    async def play(self, *, drop_after: Mapping[int, tuple[int, int, int]] | None = None,
                   drop_before: Mapping[int, tuple[int, int, int]] | None = None) -> ConnectResult:
        """Join ``n_seats`` seats in order (or rejoin those of the run state), play to the end, return what they saw.

        Args:
            drop_after: Test hook: ``{seat: (round, phase, tick)}`` closes that seat's socket right after
                it sent its action of that tick (it then reconnects).
            drop_before: Test hook: the same, but when the tick arrives, before the seat decides.
        """
        async with RestClient(self.rest_url, timeout_s=self.timeout_s, retries=self.rest_retries) as rc:
            self._rc = rc
            data = await self._game_data()
            resumed = self.store is not None and bool(self.store.clients)
            if game_over_in(data) and not resumed:
                raise ConnectError(f"game {self.game_id} on {self.rest_url} is already over — nothing to play; "
                                   "create a new game with `econlab create-game`")
            self.params = params_from_data(data)
            self.treatment = self.params.game_type
            self.seed = self._seed if self._seed is not None else int(_serve_extra(data, "seed") or 0)
            if self.n_seats is None:
                self.n_seats = self.params.n_players
            self._check_seats(data, self.params.n_players)
            tasks: list[asyncio.Task[None]] = []
            try:
                for i in range(self.n_seats):
                    client = SeatClient(self, None, i)
                    self.clients.append(client)
                    await client.join()
                    if drop_after and client.seat in drop_after:
                        client.drop_after = tuple(drop_after[client.seat])  # type: ignore[assignment]
                    if drop_before and client.seat in drop_before:
                        client.drop_before = tuple(drop_before[client.seat])  # type: ignore[assignment]
                tasks = [asyncio.get_running_loop().create_task(c.run()) for c in self.clients]
                await asyncio.gather(*tasks)
            except BaseException:
                for t in tasks:
                    t.cancel()
                for c in self.clients:
                    if c.ws is not None:
                        with contextlib.suppress(Exception):
                            await c.ws.close()
                raise
            final = await self.rest("GET", f"/api/v1/games/data?game_id={self.game_id}")
        mirrors = {c.seat: c.mirror for c in self.clients if c.mirror is not None}
        decisions = self.store.all_decisions(self.decisions) if self.store is not None else self.decisions
        final = final if isinstance(final, dict) else {}
        return ConnectResult(self.game_id, self.treatment, mirrors, {c.seat: c.errors for c in self.clients},
                             decisions, _serve_extra(final, "record"), self.reconnects,
                             list(final.get("rewards") or []), final.get("rewardRound"), resends=self.retries,
                             http_retries=rc.retried, resync_fallbacks=self.resync_fallbacks)
