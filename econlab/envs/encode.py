"""Observations and action masks of all live seats at one game state, computed together.

The keys, their meaning and scales are documented in :mod:`econlab.envs.ibex`. What a seat may see is
decided by :func:`econlab.game.view.view`: the public features (phase, round, tick, published
declarations, winning condition, public signal, open books, trades) are read once per game state
from the developer's view, and the visibility of the private ones (values, signals, wallets, offers,
outcomes) follows the same view; the seat's own values, declaration, signals, wallet, orders,
request, vote and chat messages are then read from its engine ``Player`` and the round record
without building a view per seat. ``tests/envs/_reference.py`` keeps the straightforward per-view
encoder, and the tests check that both give equal observations and masks.

Every array is read-only: keys that are equal for all seats (public features, ``boundaries``) are
the same array object in every agent's observation; per-seat keys are non-overlapping views of one
buffer per step.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from gymnasium import spaces

from econlab.envs.books import BookInfo, PublicBook, num
from econlab.envs.layout import Block, frozen
from econlab.envs.spaces import (
    CANNED_MESSAGES,
    KINDS,
    MAX_CANCEL,
    PROFIT_EUROS_SCALE,
    ROLES,
    TRADE_COUNT_SCALE,
    VOTES,
    Scales,
)
from econlab.game import jsnum as js
from econlab.game.params import CONDITIONS, DEVELOPER, OWNER, ROLE_NAMES, SPECULATOR
from econlab.game.view import SeatView, view

__all__ = ["BookInfo", "Decision", "Encoder", "num"]

Obs = dict[str, np.ndarray]
_F = np.float32
_UNDEFINED = js.UNDEFINED
_MSG = {m: i for i, m in enumerate(CANNED_MESSAGES)}
_N_MSG = len(CANNED_MESSAGES)
_VOTE_INDEX = {tuple(v): i for i, v in enumerate(VOTES)}

PUBLIC_COMMON = ("phase", "round", "tick")
PUBLIC_MARKET = (*PUBLIC_COMMON, "first_declarations", "second_declarations", "winning_condition", "public_signal",
                 "trades")
PRIVATE_COMMON = ("my_values", "last_round")
PRIVATE_MARKET = (*PRIVATE_COMMON, "my_declaration", "my_signals", "wallet", "book")
PRIVATE_VOTING = (*PRIVATE_COMMON, "my_request", "requests", "offer", "my_vote", "outcome", "inbox")


@dataclass(slots=True)
class Decision:
    """What the action decoder needs of one seat's last observation.

    Attributes:
        seat: The seat.
        role: Its role code.
        phase: The phase of the observation.
        phase_name: Its name.
        books: The open books as the seat saw them, by condition (empty outside the market).
        mask: The seat's action mask (read-only).
    """

    seat: int
    role: int
    phase: int
    phase_name: str
    books: dict[int, BookInfo]
    mask: np.ndarray


def _at(x: Any, i: int) -> float:
    """``x[i]`` as a finite float when ``x`` is a list long enough, else 0."""
    return num(x[i]) if isinstance(x, list | tuple) and len(x) > i else 0.0


def _onehot(n: int, i: Any) -> list[float]:
    out = [0.0] * n
    if i is not None and 0 <= i < n:
        out[i] = 1.0
    return out


@dataclass(slots=True)
class _State:
    """Everything computed once per game state (and tick) for all seats."""

    public: dict[str, np.ndarray]
    dv: SeatView
    ov: SeatView
    books: dict[int, PublicBook]
    accepted: dict[int, frozenset[str]]
    profits: dict[Any, Any]
    chat: list[dict[str, Any]]


class Encoder:
    """Observations of one env's seats (see the module docstring); one per env, picklable."""

    def __init__(self, sc: Scales, space: spaces.Dict) -> None:
        """Lay out the observation keys of ``space`` for the scales ``sc``."""
        self.sc = sc
        self.space = space
        self.public = Block(space, PUBLIC_MARKET if sc.market else PUBLIC_COMMON)
        self.private = Block(space, PRIVATE_MARKET if sc.market else PRIVATE_VOTING)
        roles = sc.seat_roles
        self._ref_seat = roles.index(DEVELOPER) + 1 if DEVELOPER in roles else 1
        self._owner_seat = roles.index(OWNER) + 1 if OWNER in roles else self._ref_seat
        self._templates: dict[int, Obs] = {}
        for seat, role in enumerate(roles, start=1):
            t: dict[str, Any] = dict.fromkeys(space.spaces)
            t["seat"] = frozen(np.array(_onehot(sc.n_players, seat - 1), dtype=_F))
            t["role"] = frozen(np.array(_onehot(len(ROLES), ROLES.index(role) if role in ROLES else None), dtype=_F))
            self._templates[seat] = t
        self._bounds_src: Any = None
        self._bounds: np.ndarray | None = None
        self._cache: tuple[Any, int, float, _State] | None = None

    def __reduce__(self) -> tuple[type[Encoder], tuple[Scales, spaces.Dict]]:
        """Pickle as the constructor arguments (the read-only arrays and caches are rebuilt)."""
        return Encoder, (self.sc, self.space)

    # ------------------------------------------------------------------ per state
    def _boundaries(self, v: SeatView) -> np.ndarray:
        if v.boundaries is not self._bounds_src or self._bounds is None:
            sc, out = self.sc, []
            for role in (DEVELOPER, OWNER):
                b = v.boundaries.get(ROLE_NAMES[role], {})
                for cond in CONDITIONS:
                    rng = b.get(cond["key"], {})
                    out += [num(rng.get("low")) / sc.value_scale, num(rng.get("high")) / sc.value_scale]
            box = self.space["boundaries"]
            a = np.clip(np.array(out, dtype=_F).reshape(2, 2, 2), box.low, box.high).astype(_F)  # type: ignore[attr-defined]
            self._bounds_src, self._bounds = v.boundaries, frozen(a)
        return self._bounds

    def _declarations(self, rows: list[dict[str, Any]], out: list[float]) -> None:
        sc = self.sc
        vals = [0.0] * (3 * sc.n_lots)
        for r in rows:
            j = int(num(r.get("lot"))) - 1
            d = r.get("d")
            if 0 <= j < sc.n_lots and d is not None:
                cap = sc.lot_cap.get(r.get("role", OWNER), (1.0, 1.0))
                vals[3 * j:3 * j + 3] = (_at(d, 0) / cap[0], _at(d, 1) / cap[1], 1.0)
        out += vals

    def _state(self, game: Any, tick: float) -> _State:
        c = self._cache
        if c is not None and c[0] is game and c[1] == game.version and c[2] == tick:
            return c[3]
        sc = self.sc
        dv = view(game, self._ref_seat)
        ov = view(game, self._owner_seat) if not sc.market and self._owner_seat != self._ref_seat else dv
        flat = _onehot(sc.n_phases, dv.phase)
        flat += (dv.round / max(1, dv.paid_rounds), float(dv.practice), tick)
        books: dict[int, PublicBook] = {}
        if sc.market:
            ps = sc.price_scale
            self._declarations(dv.first_declarations, flat)
            self._declarations(dv.second_declarations, flat)
            flat += _onehot(2, dv.winning_condition)
            pub = dv.public_signal or [0, 0]
            flat += (_at(pub, 0) / ps, _at(pub, 1) / ps)
            for cond in (0, 1):
                mine = [t for t in dv.trades if t.get("condition") == cond]
                if mine:
                    last = mine[-1]
                    flat += (num(last.get("price")) / ps, num(last.get("median")) / ps, 1.0,
                             len(mine) / TRADE_COUNT_SCALE)
                else:
                    flat += (0.0, 0.0, 0.0, 0.0)
            books = {cond: PublicBook(cond, orders) for cond, orders in sorted(dv.book.items())}
        public = dict(zip(self.public.keys, (a[0] for a in self.public.split(flat, 1)), strict=True))
        public["boundaries"] = self._boundaries(dv)
        accepted = {}
        for seat, role in enumerate(sc.seat_roles, start=1):
            if role not in accepted:
                accepted[role] = frozenset(game.accepted(seat))
        profits = {r.round: r.profits for r in game.results}
        chat = [] if sc.market or not game.results else game.current.chat
        st = _State(public, dv, ov, books, accepted, profits, chat)
        self._cache = (game, game.version, tick, st)
        return st

    # ------------------------------------------------------------------ per seat
    def observe(self, game: Any, seats: list[int], tick: float) -> tuple[list[Obs], list[Decision]]:
        """The observations and decision contexts of ``seats`` (in that order) at the game's current state.

        Args:
            game: The game.
            seats: The live seats.
            tick: Fraction of the current phase's ticks already played.

        Returns:
            ``(observations, decisions)``, one per seat.
        """
        st = self._state(game, tick)
        sc, dv = self.sc, st.dv
        flat: list[float] = []
        masks: list[int] = []
        seat_books: list[dict[int, BookInfo]] = []
        values_shown = dv.my_values is not None
        by_seat = game.by_seat
        euro = sc.euro_factor
        for seat in seats:
            p = by_seat[seat]
            role, lot = p.role, p.lot
            cap = sc.lot_cap.get(role, (1.0, 1.0))
            if lot is not None and values_shown:
                mv = lot.v
                flat += (num(mv[0]) / cap[0], num(mv[1]) / cap[1])
            else:
                flat += (0.0, 0.0)
            if p.summaries:
                s = p.summaries[-1]
                w = int(num(s.get("condition")))
                pr = st.profits.get(s.get("round"))
                euros = num(pr.get(seat) if pr is not None else None) / euro.get(role, 1.0)
                flat += (1.0, float(w == 0), float(w == 1), euros / PROFIT_EUROS_SCALE)
            else:
                flat += (0.0, 0.0, 0.0, 0.0)
            if sc.market:
                books = self._market(st, p, cap, flat)
            else:
                books = {}
                self._voting(st, p, cap, flat)
            masks += self._mask(st.accepted[role], p, books)
            seat_books.append(books)
        n = len(seats)
        cols = self.private.split(flat, n) if n else []
        mask_rows = frozen(np.array(masks, dtype=np.int8).reshape(n, len(KINDS)))
        keys, public, phase, phase_name = self.private.keys, st.public, dv.phase, dv.phase_name
        out, decisions = [], []
        for i, seat in enumerate(seats):
            o = self._templates[seat].copy()
            o.update(public)
            o.update(zip(keys, [c[i] for c in cols]))
            o["action_mask"] = m = mask_rows[i]
            out.append(o)
            decisions.append(Decision(seat, sc.seat_roles[seat - 1], phase, phase_name, seat_books[i], m))
        return out, decisions

    def _market(self, st: _State, p: Any, cap: tuple[float, float], flat: list[float]) -> dict[int, BookInfo]:
        sc, dv = self.sc, st.dv
        ps = sc.price_scale
        lot = p.lot
        d = lot.d if lot is not None else None
        if d is None or d is _UNDEFINED:
            flat += (0.0, 0.0, 0.0)
        else:
            flat += (_at(d, 0) / cap[0], _at(d, 1) / cap[1], 1.0)
        if dv.my_signals is not None:
            sig = p.signals
            flat += (num(sig[0]) / ps, num(sig[1]) / ps)
        else:
            flat += (0.0, 0.0)
        wallets = p.wallet if dv.wallet else None
        for c in (0, 1):
            if wallets and c in dv.wallet:
                w = wallets[c]
                flat += (num(w.balance) / sc.cash_scale[p.role], num(w.shares) / sc.share_scale, 1.0)
            else:
                flat += (0.0, 0.0, 0.0)
        infos: dict[int, BookInfo] = {}
        seat = p.number
        for c in (0, 1):
            b = st.books.get(c)
            if b is None:
                flat += (0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
                continue
            bids, others = b.own_counts(seat)
            bb, ba = b.best_bid, b.best_ask
            flat += ((bb or 0.0) / ps, (ba or 0.0) / ps, float(bb is not None), float(ba is not None),
                     bids / MAX_CANCEL, others / MAX_CANCEL, 1.0)
        for c, b in st.books.items():
            infos[c] = b.info(seat, wallets[c] if wallets and c in dv.wallet else None)
        return infos

    def _voting(self, st: _State, p: Any, cap: tuple[float, float], flat: list[float]) -> None:
        sc = self.sc
        a = sc.amount_scale
        req = p.requests
        flat += (0.0, 0.0) if req is None or req is _UNDEFINED else (_at(req, 1) / a, 1.0)
        rv = st.dv if p.role == DEVELOPER else st.ov
        reqs = [0.0] * (2 * sc.n_owners)
        if p.role == DEVELOPER:
            for k, r in enumerate(rv.requests or []):
                if k < sc.n_owners and r.get("request") is not None:
                    reqs[2 * k:2 * k + 2] = (_at(r["request"], 1) / a, 1.0)
        flat += reqs
        flat += (_at(rv.offer, 1) / a, 1.0) if rv.offer is not None else (0.0, 0.0)
        vote = [0.0, 0.0, 0.0]
        dec = p.decisions
        if isinstance(dec, list) and dec in VOTES:
            vote[_VOTE_INDEX[tuple(dec)]] = 1.0
        flat += vote
        oc = rv.outcome
        if oc is not None:
            w = int(num(oc.get("condition")))
            payers = sc.n_owners if p.role == DEVELOPER else 1
            value = p.lot.v[oc["condition"]] if p.lot is not None else None
            flat += (float(w == 0), float(w == 1), num(oc.get("tally")) / max(1, sc.n_owners),
                     num(value) / cap[1 if w == 1 else 0], num(oc.get("compensation")) / (a * payers))
        else:
            flat += (0.0, 0.0, 0.0, 0.0, 0.0)
        inbox = [0.0] * (sc.n_players * _N_MSG)
        seat = p.number
        for msg in st.chat:
            to = msg.get("to")
            if msg.get("sender") != seat and not (isinstance(to, list) and seat in to):
                continue
            sender, text = msg.get("sender"), msg.get("text")
            if isinstance(sender, int) and 1 <= sender <= sc.n_players and isinstance(text, str) and text in _MSG:
                row = (sender - 1) * _N_MSG
                inbox[row:row + _N_MSG] = _onehot(_N_MSG, _MSG[text])
        flat += inbox

    def _mask(self, acc: frozenset[str], p: Any, books: dict[int, BookInfo]) -> list[int]:
        """The seat's allowed kinds (``noop`` always); the rules of the mask table in :mod:`econlab.envs.ibex`."""
        m = [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
        if "declare" in acc:
            d = p.lot.d if p.lot is not None else None
            m[1] = int(d is None or d is _UNDEFINED)
        if "done-speculating" in acc:
            m[2] = int(not (p.role == SPECULATOR and bool(p.done_speculating)))
        if books:
            if "post-order" in acc:
                bs = books.values()
                m[3] = int(any(b.can_bid for b in bs))
                m[4] = int(any(b.can_ask for b in bs))
                m[5] = int(any(b.can_market_bid for b in bs))
                m[6] = int(any(b.can_market_ask for b in bs))
            if "cancel-order" in acc:
                m[7] = int(any(b.own for b in books.values()))
        if "compensation-request" in acc:
            m[8] = int(p.requests is None or p.requests is _UNDEFINED)
        m[9] = int("compensation-offer" in acc)
        if "compensation-decision" in acc:
            m[10] = int(p.decisions is None or p.decisions is _UNDEFINED)
        m[11] = int("chat-with-players" in acc and self.sc.n_players > 1)
        return m
