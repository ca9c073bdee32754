"""One game on ``econlab serve``: seats bound to recovery tokens, message dispatch, timers, ticks, record.

Transport-free: the server hands it decoded messages and a ``send(seat, wire)`` callback; everything
here runs on the server's single asyncio loop, so each message is handled atomically.

The engine emits the lab's events but no timer events; :func:`install_timer_hooks` wraps each
phase's exit and entry routine so that ``reset-timer`` opens a timed phase's exit events and
``set-timer`` its entry events, the order of ``ibex-rules.md`` §4.1/§9.7.
"""

from __future__ import annotations

import asyncio
import secrets
import string
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from econlab.eval.recording import RecordWriter
from econlab.games.ibex import Game, GameParams, SessionValues, UniformValues, new_game
from econlab.games.ibex.actions import Action, Ready
from econlab.games.ibex.data import session_table
from econlab.games.ibex.engine import Compat
from econlab.games.ibex.errors import GameOverError, InvalidActionError
from econlab.games.ibex.events import Event
from econlab.games.ibex.params import ROLE_NAMES
from econlab.games.ibex.record import build_record
from econlab.games.ibex.schedule import MULTI_TICK, Scheduler
from econlab.protocol import codec
from econlab.protocol.status import RULESETS, status_payload
from econlab.protocol.timers import TimerConfig

Send = Callable[[int, dict[str, Any]], None]
_TOKEN_CHARS = string.ascii_lowercase + string.digits


def install_timer_hooks(game: Game, timed: Callable[[int], bool], end_ms: Callable[[int], int]) -> None:
    """Make the engine emit ``reset-timer`` / ``set-timer`` where the lab server does (see module doc).

    In ``compat="server"`` the Voting request phase (3) ends with two ``reset-timer``, as on the lab
    server (``ibex-voting.md`` §4.10).
    """
    double = {3} if game.treatment == "voting" and game.compat == "server" else set()
    for n in range(game.n_phases):
        orig_exit = getattr(game, f"_exit_{n}", None)
        orig_enter = getattr(game, f"_enter_{n}", None)

        def exit_(n: int = n, orig: Callable[[], None] | None = orig_exit) -> None:
            if timed(n):
                game._emit("reset-timer", {})
                if n in double:
                    game._emit("reset-timer", {})
            if orig is not None:
                orig()

        def enter(n: int = n, orig: Callable[[], None] | None = orig_enter) -> None:
            if timed(n):
                game._emit("set-timer", {"end": end_ms(n)})
            if orig is not None:
                orig()

        setattr(game, f"_exit_{n}", exit_)
        setattr(game, f"_enter_{n}", enter)


class ServedGame:
    """A game hosted by the server (see the module docstring)."""

    def __init__(self, game_id: int, params: GameParams, *, seed: int, values: str, timers: TimerConfig,
                 compat: Compat, send: Send, out_dir: Path | None, assign_name: bool = False) -> None:
        """Create and start the game (phase 0: waiting for joins).

        Args:
            game_id: The id clients send as ``gameId``.
            params: The game's parameters.
            seed: Seed of the game's generator and of the lock-step tick order (as ``play_game``).
            values: ``"session"`` or ``"uniform"``.
            timers: How phases end.
            compat: ``"strict"`` (specific errors) or ``"server"`` (the lab server's answers).
            send: Delivers one wire message to one seat's socket (dropped if none).
            out_dir: Folder of the record (``None``: no record).
            assign_name: Send the legacy ``assign-name`` event (``name``, ``number``, ``ruleset``) to a seat
                that joins or rejoins, before the join broadcast, as the lab server did before 2025.
        """
        source = SessionValues(session_table(params.session_number)) if values == "session" else UniformValues()
        self.id = game_id
        self.params = params
        self.seed = seed
        self.values = values
        self.timers = timers
        self.compat = compat
        self.send = send
        self.assign_name = assign_name
        self.game = new_game(params, source, np.random.default_rng(seed), compat=compat, game_id=game_id)
        self.game.unjoin_all()
        self.scheduler = Scheduler(timers.market_ticks, timers.chat_ticks)
        self.tick_rng = np.random.default_rng([seed, 7])
        self.tokens: dict[str, int] = {}
        self.names: dict[int, str] = {}
        self.tick: codec.TickData | None = None
        self.submitted: dict[int, Action | None] = {}
        self.raw: dict[int, dict[str, Any]] = {}
        self.timer_end: int | None = None
        self._timer_task: asyncio.Task[None] | None = None
        self._armed: tuple[int, int] | None = None
        self._tick_task: asyncio.Task[None] | None = None
        self._logged = 0
        #: strict mode: messages refused for their field shapes before reaching the engine (kept in the record)
        self.rejected: list[dict[str, Any]] = []
        #: called with this game each time a lock-step tick opens (monitoring, tests)
        self.tick_observers: list[Callable[[ServedGame], None]] = []
        #: the game's record once it is over (also served by ``games/data``)
        self.record: dict[str, Any] | None = None
        #: the lab's ``createdAt`` / ``startTime`` / ``endedAt`` of ``games/data`` (UTC)
        self.created_at = _iso_now()
        self.start_time = time.strftime("%d-%m-%Y, %H:%M", time.gmtime())
        self.ended_at: str | None = None
        stamp = time.strftime("%Y%m%dT%H%M%S")
        self.writer = RecordWriter(out_dir, f"game-{game_id}-{stamp}") if out_dir is not None else None
        install_timer_hooks(self.game, self._timed, self._end_ms)
        self.game.start()  # nobody has joined yet: round 1's first phase-transition reaches no one

    # ------------------------------------------------------------------ timers
    def _timed(self, phase: int) -> bool:
        if self.timers.lockstep:
            t = self.params.timers[phase] if phase < len(self.params.timers) else None
            return t is not None and t > 0
        return self.timers.seconds(phase, self.params.timers) is not None

    def _end_ms(self, phase: int) -> int:
        if self.timers.lockstep:
            opt = MULTI_TICK.get(self.game.treatment, {}).get(phase)
            ticks = getattr(self.timers, opt) if opt else 1
            secs = self.timers.tick_timeout_s * max(ticks, 1)
        else:
            secs = self.timers.seconds(phase, self.params.timers) or 0.0
        self.timer_end = int(time.time() * 1000 + secs * 1000)
        return self.timer_end

    # ------------------------------------------------------------------ seats
    def new_token(self) -> str:
        """A fresh unused recovery token (like the lab's ``get-recovery``: reserves nothing)."""
        while True:
            tok = "".join(secrets.choice(_TOKEN_CHARS) for _ in range(64))
            if tok not in self.tokens:
                return tok

    def seat_of(self, token: str) -> int | None:
        """The seat that ``token`` owns, if any."""
        return self.tokens.get(token)

    @property
    def can_join(self) -> bool:
        """Whether a free seat is left."""
        return len(self.tokens) < len(self.game.players)

    def join(self, token: str, bind: Callable[[int], None] = lambda seat: None) -> int:
        """Bind ``token`` to its seat, or to the next free seat in join order.

        Args:
            token: The recovery token.
            bind: Called with the seat before the join is announced (binds the socket).

        Raises:
            codec.ProtocolError: the game is full.
        """
        seat = self.tokens.get(token)
        if seat is not None:
            bind(seat)
            self._send_name(seat)
            self._broadcast(codec.text("info", f"Player {seat} rejoined the game"))
            self.resend_tick(seat)
            return seat
        if not self.can_join:
            raise codec.ProtocolError(f"Game {self.id} is full (and no current player matching your recovery "
                                      "string). You cannot join")
        seat = len(self.tokens) + 1
        self.tokens[token] = seat
        bind(seat)
        self.names[seat] = self.game.by_seat[seat].name
        self._send_name(seat)
        self._broadcast(codec.text("info", f"Player {self.names[seat]} joined. We have now {len(self.tokens)} "
                                           "players in the game."))
        self._deliver(self.game.join(seat))
        self._after_change()
        return seat

    def _send_name(self, seat: int) -> None:
        if self.assign_name:
            p = self.game.by_seat[seat]
            self.send(seat, codec.event("assign-name", {"name": p.name, "number": p.number,
                                                        "ruleset": RULESETS[self.game.treatment]}))

    def resend_tick(self, seat: int) -> None:
        """Send the open tick again to a seat that reconnected and still owes its action."""
        if self.tick is not None and seat in self.tick.waiting:
            self.send(seat, codec.event(codec.TICK_EVENT, self.tick.model_dump()))

    # ------------------------------------------------------------------ messages
    def handle(self, seat: int, msg: dict[str, Any]) -> None:
        """Handle one game message of ``seat`` (a validated envelope that is not a session message)."""
        if self.game.over:
            self.send(seat, codec.text("error", f"Game {self.id}: the game is over; {msg['type']} ignored"))
            return
        if self.tick is not None and seat in self.tick.deciders and self._is_tick_message(msg):
            self._submit(seat, msg)
            return
        if msg["type"] == codec.PASS_TYPE:
            self.send(seat, codec.text("error", f"Game {self.id}: {codec.PASS_TYPE} is only accepted from a seat "
                                                "the server is waiting for in a lock-step tick"))
            return
        if not self._fields_ok(seat, msg):
            return
        action = codec.decode_action(msg)
        if self.timers.lockstep and self.game.phase != 0 and not isinstance(action, Ready) \
                and msg["type"] in self.game.accepted(seat):
            self.send(seat, codec.text("error", f"Game {self.id}: lock-step mode: send {msg['type']} in answer to "
                                                f"an {codec.TICK_EVENT} event (none is open for seat {seat})"))
            return
        self._apply(seat, action, msg)
        self._after_change()

    def _is_tick_message(self, msg: dict[str, Any]) -> bool:
        return msg["type"] not in ("player-is-ready",)

    def _submit(self, seat: int, msg: dict[str, Any]) -> None:
        assert self.tick is not None
        if seat not in self.tick.waiting:
            self.send(seat, codec.text("error", f"Game {self.id}: seat {seat} already acted in tick "
                                                f"{self.tick.tick} of phase {self.tick.phase}; {msg['type']} ignored"))
            return
        self.tick.waiting.remove(seat)
        if msg["type"] == codec.PASS_TYPE:
            self.submitted[seat] = None
        elif not self._fields_ok(seat, msg):
            self.submitted[seat] = None  # like a rejected action: the seat's move of this tick is spent
        else:
            self.submitted[seat] = codec.decode_action(msg)
            self.raw[seat] = msg
        if not self.tick.waiting:
            self._run_tick()

    def _fields_ok(self, seat: int, msg: dict[str, Any]) -> bool:
        """Strict mode: check the message's field shapes (pydantic) before the engine sees it."""
        if self.compat != "strict" or msg["type"] not in self.game.accepted(seat):
            return True  # a wrong phase or role is reported by the engine, more specifically
        problem = codec.validate_fields(msg)
        if problem is None:
            return True
        self.send(seat, codec.text("error", f"Game {self.id}: invalid {msg['type']}: {problem}"))
        self.rejected.append({"seat": seat, "round": self.game.round, "phase": self.game.phase, "message": msg,
                              "error": problem})
        return False

    def _apply(self, seat: int, action: Action, raw: dict[str, Any] | None) -> bool:
        try:
            self._deliver(self.game.apply(seat, action, raw))
            return True
        except InvalidActionError as exc:
            self.send(seat, codec.text("error", f"Game {self.id}: invalid {raw['type'] if raw else action.TYPE}: "
                                                f"{exc.field}: {exc.reason}"))
        except GameOverError as exc:
            self.send(seat, codec.text("error", f"Game {self.id}: {exc}"))
        return False

    # ------------------------------------------------------------------ lock-step ticks
    def _open_tick(self) -> None:
        deciders = self.scheduler.deciders(self.game)
        self.tick = codec.TickData(round=self.game.round, phase=self.game.phase, tick=self.scheduler.tick_in_phase,
                                   deciders=deciders, waiting=list(deciders))
        self.submitted, self.raw = {}, {}
        for observe in self.tick_observers:
            observe(self)
        for seat in deciders:
            self.send(seat, codec.event(codec.TICK_EVENT, self.tick.model_dump()))
        key = (self.tick.round, self.tick.phase, self.tick.tick)
        self._tick_task = asyncio.get_event_loop().create_task(self._tick_deadline(key))

    async def _tick_deadline(self, key: tuple[int, int, int]) -> None:
        await asyncio.sleep(self.timers.tick_timeout_s)
        if self.tick is not None and (self.tick.round, self.tick.phase, self.tick.tick) == key:
            self._run_tick()  # absent seats take no action

    def _run_tick(self) -> None:
        """Apply the tick's messages like :meth:`Scheduler.step` (same seeded order, same phase end)."""
        assert self.tick is not None
        if self._tick_task is not None:
            self._tick_task.cancel()
        game, sched = self.game, self.scheduler
        self.tick = None
        start = (game.round, game.phase)
        seats = [s for s in sorted(self.submitted) if self.submitted[s] is not None]
        order = [seats[i] for i in self.tick_rng.permutation(len(seats))] if len(seats) > 1 else seats
        for seat in order:
            if game.over or (game.round, game.phase) != start:
                self.send(seat, codec.text("error", f"Game {self.id}: not applied: the phase ended before seat "
                                                    f"{seat}'s turn in this tick"))
                continue
            action = self.submitted[seat]
            assert action is not None
            self._apply(seat, action, self.raw.get(seat))
        if (game.round, game.phase) == start and not game.over:
            sched.tick_in_phase += 1
            if sched.tick_in_phase >= sched.ticks_in(game):
                self._deliver(game.timeout())
                sched.tick_in_phase = 0
        else:
            sched.tick_in_phase = 0
        self._after_change()

    # ------------------------------------------------------------------ phase flow
    def _after_change(self) -> None:
        """Pass phases where nobody decides (FAST) or (re)arm the phase timer (LAB/JSON); then record."""
        game = self.game
        if self.timers.lockstep:
            while not game.over and self.tick is None:
                if game.phase == 0:
                    break  # the ready barrier waits for the players' own player-is-ready
                if self.scheduler.is_decision_point(game):
                    self._open_tick()
                    break
                self._deliver(game.timeout())
                self.scheduler.tick_in_phase = 0
        else:
            self._arm_timer()
        self._record()

    def _arm_timer(self) -> None:
        key = (self.game.round, self.game.phase)
        if self._armed == key or self.game.over:
            return
        self._armed = key
        if self._timer_task is not None:
            self._timer_task.cancel()
        secs = self.timers.seconds(self.game.phase, self.params.timers)
        if secs is not None:
            self._timer_task = asyncio.get_event_loop().create_task(self._expire(key, secs))

    async def _expire(self, key: tuple[int, int], secs: float) -> None:
        await asyncio.sleep(secs)
        if (self.game.round, self.game.phase) == key and not self.game.over:
            self._deliver(self.game.timeout())
            self._after_change()

    def _deliver(self, events: list[Event]) -> None:
        self.game.now_ms = int(time.time() * 1000)
        for ev in events:
            wire = codec.encode_event(ev)
            for p in self.game.players:
                if ev.reaches(p.number, p.role):
                    self.send(p.number, wire)

    def _broadcast(self, wire: dict[str, Any]) -> None:
        for seat in self.tokens.values():
            self.send(seat, wire)

    def _record(self) -> None:
        if self.game.over and self.record is None:
            self.record = build_record(self.game, self._meta())
            self.ended_at = _iso_now()
        if self.writer is None:
            return
        if len(self.game.log) > self._logged:
            self.writer.append_log(self.game.log_json(self._logged))
            self._logged = len(self.game.log)
        if self.record is not None and not self.writer.exists():
            self.writer.finish(self.record)

    def _meta(self) -> dict[str, Any]:
        return {"seed": self.seed, "values": self.values, "market_ticks": self.timers.market_ticks,
                "chat_ticks": self.timers.chat_ticks, "compat": self.compat, "session": self.params.session_number,
                "served": True, "timers": self.timers.mode, "rejected_messages": self.rejected,
                "roles": {str(p.number): ROLE_NAMES[p.role] for p in self.game.players}}

    # ------------------------------------------------------------------ REST views
    def status(self, token: str) -> dict[str, Any]:
        """``GET /games/status`` data for ``token``."""
        return status_payload(self, token)

    def close(self) -> None:
        """Cancel pending timers."""
        for task in (self._timer_task, self._tick_task):
            if task is not None:
                task.cancel()


def _iso_now() -> str:
    """UTC now as the lab's database timestamps print (``2026-12-04T01:28:55.756Z``)."""
    now = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{int(now * 1000) % 1000:03d}Z"
