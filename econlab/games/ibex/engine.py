"""The phase machine shared by the three treatments.

A :class:`Game` holds the whole state of one game and advances it the way the lab server does:
actions are applied one at a time in arrival order (:meth:`Game.apply`); after each one the current
phase's completion test runs and, when it holds, the phase ends (exit routine, entry routine of the
next phase, ``phase-transition``). Phases that only a timer ends are ended with :meth:`Game.timeout`.
Every call returns the events the server would send.

``compat="strict"`` (default) validates every input and raises
:class:`~econlab.games.ibex.errors.InvalidActionError` naming seat, phase and field; nothing changes when
it does. ``compat="server"`` reproduces the lab server, quirks included: odd inputs are answered
with the server's error texts, or processed with JavaScript arithmetic (``jsnum``).

Randomness comes only from the ``numpy.random.Generator`` given to the game; it is used for
uniform values, generated signals and the paid-round draw, in that order of need.
"""

from __future__ import annotations

import copy
import functools
import math
from collections.abc import Callable
from typing import Any, ClassVar, Literal

import numpy as np

from econlab.games.ibex import jsnum as js
from econlab.games.ibex.actions import Action, Unknown
from econlab.games.ibex.errors import GameOverError, HandlerCrash, InvalidActionError
from econlab.games.ibex.events import Event
from econlab.games.ibex.params import CONDITIONS, DEVELOPER, OWNER, ROLE_NAMES, SPECULATOR, GameParams
from econlab.games.ibex.state import Player, RoundResult, Wallet, make_players
from econlab.games.ibex.values import ValueSource

Compat = Literal["strict", "server"]


@functools.lru_cache(maxsize=64)
def _handler_name(type_name: str) -> str:
    return f"_on_{type_name.replace('-', '_')}"
COMPAT_MODES: tuple[Compat, ...] = ("strict", "server")
_COMPLETE_NAMES = tuple(f"_complete_{i}" for i in range(16))


class Game:
    """Base class of the treatments; see the module docstring."""

    treatment: ClassVar[str] = ""
    n_phases: ClassVar[int] = 0
    #: phase -> {action type: allowed role codes or None for any role}
    HANDLERS: ClassVar[dict[int, dict[str, tuple[int, ...] | None]]] = {}
    #: phases that end only by their timer (an env passes them without a decision)
    #: role restrictions the strict mode adds where the server checks none: (phase, type) -> roles
    STRICT_ROLES: ClassVar[dict[tuple[int, str], tuple[int, ...]]] = {}
    TIMER_ONLY: ClassVar[frozenset[int]] = frozenset()
    PHASE_NAMES: ClassVar[tuple[str, ...]] = ()

    def __init__(self, params: GameParams, values: ValueSource, rng: np.random.Generator | None = None, *,
                 compat: Compat = "strict", game_id: int = 1, emit_events: bool = True) -> None:
        """Create a game; call :meth:`start` to open the first round.

        Args:
            params: The game parameters; their ``game_type`` must match the class.
            values: Where values and signals come from.
            rng: The only source of randomness (default: ``numpy.random.default_rng(0)``).
            compat: ``"strict"`` or ``"server"`` (see the module docstring).
            game_id: The id used in the server's texts and in records.
            emit_events: Build the server's events (off for simulations that read only the state;
                the state, log and results are the same either way).
        """
        if params.game_type != self.treatment:
            raise ValueError(f"{type(self).__name__} needs game_type={self.treatment!r}, got {params.game_type!r}")
        if compat not in COMPAT_MODES:
            raise ValueError(f"compat must be one of {COMPAT_MODES}, got {compat!r}")
        self.params = params
        self.values = values
        self.rng = rng if rng is not None else np.random.default_rng(0)
        self.compat: Compat = compat
        self.game_id = game_id
        self.emit_events = emit_events
        self.players: list[Player] = make_players(params.owners.count, params.speculators.count)
        self.by_seat: dict[int, Player] = {p.number: p for p in self.players}
        self.round = 0
        self.phase = 0
        self.started = False
        self.over = False
        self.winning_condition: int | None = None
        self.results: list[RoundResult] = []
        self.log: list[dict[str, Any]] = []
        self.reward_round: int | None = None
        self.rewards: list[dict[str, Any]] = []
        self._events: list[Event] = []
        self._phase_complete_flag = False
        self.boundaries = self._boundaries()
        #: wall-clock time (epoch ms) stamped on chat messages; set by whoever drives the game
        self.now_ms = 0
        #: increases with every call that may change the state (views cache on it)
        self.version = 0

    # ------------------------------------------------------------------ public API
    @property
    def strict(self) -> bool:
        """Whether inputs are validated strictly."""
        return self.compat == "strict"

    @property
    def current(self) -> RoundResult:
        """The result record of the round in progress."""
        return self.results[-1]

    @property
    def seats(self) -> list[int]:
        """All seat numbers in order."""
        return [p.number for p in self.players]

    def start(self) -> list[Event]:
        """Open the first round (phase 0). Players are taken as joined unless :meth:`unjoin_all` ran."""
        if self.started:
            raise RuntimeError("the game has already started")
        self.started = True
        self._begin_round()
        return self._flush()

    def unjoin_all(self) -> None:
        """Mark every seat as free (a server game where clients join over the network)."""
        for p in self.players:
            p.joined = False

    def join(self, seat: int) -> list[Event]:
        """Bind ``seat`` (phase 0 needs every seat joined); runs the completion test like the server."""
        p = self._player(seat)
        p.joined = True
        if self.started and not self.over:
            self._check_complete()
        return self._flush()

    def apply(self, seat: int, action: Action, raw: dict[str, Any] | None = None) -> list[Event]:
        """Apply one action of ``seat`` and return the events it caused.

        Args:
            seat: The sender.
            action: The action.
            raw: The wire message as received, logged instead of ``action.to_message`` when given.

        Raises:
            InvalidActionError: strict mode, the action breaks a rule (nothing changed).
            GameOverError: strict mode, the game has ended.
        """
        if not self.started:
            raise RuntimeError("call start() before apply()")
        player = self._player(seat)
        if self.over:
            if self.strict:
                raise GameOverError(f"seat {seat}: the game is over; {action.TYPE or 'message'} ignored")
            return []
        # The wire form is built lazily (log_json) because most logged actions are never serialised.
        entry = {"content": raw if raw is not None else action, "number": seat,
                 "tag": player.tag, "phase": self.phase, "round": self.round, "type": "message"}
        self.log.append(entry)
        type_name = action.type_name if isinstance(action, Unknown) else action.TYPE
        handlers = self.HANDLERS.get(self.phase, {})
        if not isinstance(type_name, str) or type_name not in handlers:  # the server matches types with ===
            self._events.clear()
            if self.strict:
                entry["error"] = f"no {type_name} in phase {self.phase}"
                raise InvalidActionError(seat, self.round, self.phase, "type",
                                         f"{type_name!r} is not accepted in phase {self.phase} "
                                         f"({self.phase_name}); accepted: {sorted(handlers) or 'none'}")
            self._text("error", f"Game {self.game_id}: could not find an handler for {js.to_string(type_name)}", seat)
            return self._flush()
        roles = handlers[type_name]
        if self.strict:
            roles = self.STRICT_ROLES.get((self.phase, type_name), roles)
        if roles is not None and player.role not in roles:
            if self.strict:
                entry["error"] = "wrong role"
                raise InvalidActionError(seat, self.round, self.phase, "role",
                                         f"{type_name!r} in phase {self.phase} is for "
                                         f"{'/'.join(ROLE_NAMES[r] for r in roles)}, not {ROLE_NAMES[player.role]}")
            self._text("error", f"Game {self.game_id}: only {','.join(map(str, roles))} can send this message in "
                                f"this phase. You are {player.role}.", seat)
            return self._flush()
        handler: Callable[[Player, Any], None] = getattr(self, _handler_name(type_name))
        if self.strict:
            snapshot = len(self._events)
            try:
                handler(player, action)
            except InvalidActionError as exc:
                del self._events[snapshot:]
                entry["error"] = exc.reason
                raise
        else:
            try:
                handler(player, action)
            except (HandlerCrash, TypeError, AttributeError, KeyError, IndexError):
                # The server's handler throws: no reply and no completion test.
                return self._flush()
        self._check_complete()
        return self._flush()

    def timeout(self) -> list[Event]:
        """End the current phase as its timer would (defaults for missing decisions apply)."""
        if self.over:
            if self.strict:
                raise GameOverError("the game is over")
            return []
        self.log.append({"content": {"phase": self.phase, "round": self.round}, "type": "phase-timeout",
                         "phase": self.phase, "round": self.round})
        self._end_phase()
        return self._flush()

    def log_json(self, start: int = 0) -> list[dict[str, Any]]:
        """The log as the lab records it (from entry ``start``): every message and every timer expiry."""
        out = []
        for entry in self.log[start:]:
            content = entry["content"]
            if isinstance(content, Action):
                entry = dict(entry, content=content.to_message(self.game_id))
            out.append(entry)
        return js.to_json(out)

    def is_complete(self) -> bool:
        """Whether the current phase's completion test holds."""
        test = getattr(self, _COMPLETE_NAMES[self.phase], None) if self.phase < len(_COMPLETE_NAMES) else None
        return bool(test()) if test is not None else False

    def accepted(self, seat: int) -> list[str]:
        """Action types ``seat`` may send in the current phase (role permitting)."""
        if self.over:
            return []
        role = self.by_seat[seat].role
        out = []
        for t, roles in self.HANDLERS.get(self.phase, {}).items():
            if self.strict:
                roles = self.STRICT_ROLES.get((self.phase, t), roles)
            if roles is None or role in roles:
                out.append(t)
        return out

    @property
    def phase_name(self) -> str:
        """Name of the current phase."""
        return self.PHASE_NAMES[self.phase] if self.phase < len(self.PHASE_NAMES) else str(self.phase)

    def profit(self, seat: int, round_number: int) -> Any:
        """The paid profit of ``seat`` in a finished round (``None`` if the round has not finished)."""
        for r in self.results:
            if r.round == round_number:
                return r.profits.get(seat)
        return None

    def clone(self) -> Game:
        """A deep copy (the rng included), for search and counterfactuals."""
        return copy.deepcopy(self)

    # ------------------------------------------------------------------ helpers for subclasses
    def _player(self, seat: int) -> Player:
        p = self.by_seat.get(seat) if type(seat) is int else None
        if p is None:
            raise ValueError(f"unknown seat {seat!r}; seats are {self.seats}")
        return p

    def _emit(self, kind: str, data: Any, to: int | tuple[str, int] | None = None) -> None:
        if self.emit_events:
            self._events.append(Event(kind, data, to))

    def _text(self, kind: str, message: str, to: int | tuple[str, int] | None = None) -> None:
        if self.emit_events:
            self._events.append(Event(kind, {"message": message}, to))

    def _flush(self) -> list[Event]:
        self.version += 1
        out, self._events = self._events, []
        return out

    def _reject(self, player: Player, field: str, reason: str) -> None:
        raise InvalidActionError(player.number, self.round, self.phase, field, reason)

    def _boundaries(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for code in (DEVELOPER, OWNER):
            rp = self.params.role(code)
            out[ROLE_NAMES[code]] = {c["key"]: {"low": rp.low(c["id"]), "high": rp.high(c["id"])} for c in CONDITIONS}
        return out

    def _check_complete(self) -> None:
        if self.over or self.phase == 0 and not self.started:
            return
        if self.is_complete():
            self._end_phase()

    def _end_phase(self) -> None:
        getattr(self, f"_exit_{self.phase}", lambda: None)()
        if self.phase == self.n_phases - 1:
            self._emit("round-end", {"round": self.round})
            self._begin_round()
            return
        self.phase += 1
        self._phase_complete_flag = False
        getattr(self, f"_enter_{self.phase}", lambda: None)()
        self._emit("phase-transition", {"round": self.round, "phase": self.phase})
        self._text("notice", f"Phase {self.phase} has begun.")
        self._check_complete()

    def _begin_round(self) -> None:
        if self.results:
            self._finish_round()
            if self.emit_events:
                for p in self.players:
                    self._emit("round-summary", p.summaries[-1], p.number)
            self.round += 1
        else:
            self.round = 0 if self.params.practice_round else 1
        if self.round > self.params.round_count:
            self._end_game()
            return
        self._reset_wallets()
        roles = [(p.number, p.role) for p in self.players]
        draw = self.values.draw(self.round, roles, self.params, self.rng)
        result = RoundResult(round=self.round)
        for p in self.players:
            if p.lot is not None:
                v0, v1 = draw.values[p.number]
                p.lot.v = [v0, v1, self.params.role(p.role).profit[2][1]]
                result.values[p.number] = [v0, v1]
            if self.treatment != "voting":
                s = draw.signals.get(p.number, (0, 0))
                p.signals = [s[0], s[1], 0]
        if self.treatment != "voting" and self.params.generate_signals:
            self._generate_signals()
        self.results.append(result)
        self.winning_condition = None
        self.phase = 0
        self._phase_complete_flag = False
        self._emit("phase-transition", {"round": self.round, "phase": 0})
        getattr(self, "_enter_0", lambda: None)()
        self._check_complete()

    def _generate_signals(self) -> None:
        totals: list[Any] = []
        for c in (0, 1):
            total: Any = 0
            for p in self.players:
                if p.lot is not None:
                    total = js.add(total, p.lot.v[c])
            totals.append(total)
        lo, hi, tau = self.params.signal_low, self.params.signal_high, self.params.tax_rate_final
        for p in self.players:
            for c in (0, 1):
                coeff = lo + (hi - lo) * float(self.rng.random())
                p.signals[c] = js.js_round(totals[c] * coeff * (tau / 100) / 100)

    def _reset_wallets(self) -> None:
        for p in self.players:
            rp = self.params.role(p.role)
            p.wallet = [Wallet(rp.balance, rp.shares) for _ in range(3)]

    def _finish_round(self) -> None:
        """Compute each seat's summary and paid profit of the round that just ended."""
        for p in self.players:
            summary = self._summary(p)
            p.summaries.append(summary)
            self.current.profits[p.number] = self._round_profit(p)

    def _summary(self, player: Player) -> dict[str, Any]:
        raise NotImplementedError

    def _round_profit(self, player: Player) -> Any:
        raise NotImplementedError

    def _end_game(self) -> None:
        self.over = True
        self.round = self.params.round_count
        paid_rounds = self.params.round_count
        if self.params.reward_round is not None:
            rho = self.params.reward_round
        else:
            rho = int(math.floor(float(self.rng.random()) * paid_rounds)) + 1
        self.reward_round = rho
        if self.params.show_up_fee is not None:
            fee = self.params.show_up_fee
            for p in self.players:
                rp = self.params.role(p.role)
                profit = self.profit(p.number, rho)
                points = js.add(rp.base_points, profit)
                game_fee = js.div(js.js_round(js.div(js.mul(points, 100), rp.reward_scale_factor)), 100)
                reward = {
                    "number": p.number,
                    "round": rho,
                    "reward": js.add(game_fee, fee),
                    "basePoints": rp.base_points,
                    "showupFee": fee,
                    "gameFee": game_fee,
                    "profit": profit,
                    "points": points,
                    "factor": rp.reward_scale_factor,
                    "exchange": js.div(js.js_round(js.div(1000000, rp.reward_scale_factor)), 1000000),
                    "paymentToken": p.payment_token,
                }
                self.rewards.append(reward)
                self._emit("reward", reward, p.number)
        self._emit("game-over", {})

    # ------------------------------------------------------------------ phase 0 (all treatments)
    def _on_player_is_ready(self, player: Player, action: Action) -> None:
        if self.strict and player.ready:
            self._reject(player, "type", "already ready in this round")
        player.ready = True
        self._emit("ready-received", {}, player.number)

    def _complete_0(self) -> bool:
        return all(p.joined for p in self.players) and all(p.ready for p in self.players)

    def _exit_0(self) -> None:
        for p in self.players:
            p.ready = False

    def _enter_1(self) -> None:
        if not self.emit_events:
            return
        for p in self.players:
            self._emit("assign-role", self._assign_role(p), p.number)
        self._emit("players-known", {"players": [{"number": p.number, "role": p.role, "tag": p.tag}
                                                 for p in self.players]})

    def _assign_role(self, player: Player) -> dict[str, Any]:
        raise NotImplementedError

    def is_speculator(self, seat: int) -> bool:
        """Whether ``seat`` is a speculator."""
        return self.by_seat[seat].role == SPECULATOR
