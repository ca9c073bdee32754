"""Observations and action masks of all live seats at one game state, computed together.

The keys, their meaning and scales are documented in :mod:`econlab.envs.ibex`. Everything a seat
observes comes from :func:`econlab.games.ibex.view.view`, the one place that decides what a seat may know:
the public features (phase, round, tick, boundaries, published declarations, winning condition,
public signal, open books, trades) are read once per game state from one seat's view (the public
part of a view is the same for every seat), and every per-seat feature (values, last round,
declaration, signals, wallet, own orders, request, requests, offer, vote, outcome, chat inbox, the
accepted message types and the rest of the mask) from that seat's own view. ``tests/envs/_reference.py``
keeps the straightforward one-view-one-observation encoder, and the tests check that both give
equal observations and masks.

Every array is read-only: keys that are equal for all seats (public features, ``boundaries``) are
the same array object in every agent's observation; ``seat`` and ``role`` are built once per env;
the other per-seat keys are non-overlapping views of one new buffer per step
(:class:`~econlab.envs.layout.Block`) and the masks rows of one ``int8`` buffer.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import numpy as np
from gymnasium import spaces

from econlab.envs.books import BookInfo, PublicBook, num
from econlab.envs.layout import Block, frozen
from econlab.envs.layout import at as _at
from econlab.envs.layout import onehot as _onehot
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
from econlab.games.ibex import jsnum as js
from econlab.games.ibex.params import CONDITIONS, DEVELOPER, OWNER, ROLE_NAMES
from econlab.games.ibex.view import SeatView, view

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


_Z2, _Z3, _Z4, _Z5, _Z7 = (0.0,) * 2, (0.0,) * 3, (0.0,) * 4, (0.0,) * 5, (0.0,) * 7
#: message types whose mask bit needs a per-seat check (``noop``, offer and chat depend only on the accepted types)
_ACCEPT_FLAGS = ("declare", "done-speculating", "post-order", "cancel-order", "compensation-request",
                 "compensation-decision")
_MaskBase = tuple[list[int], tuple[bool, ...]]


@dataclass(slots=True)
class _State:
    """Everything computed once per game state (and tick) for all seats."""

    public: dict[str, np.ndarray]
    view: SeatView
    books: dict[int, PublicBook]


class Encoder:
    """Observations of one env's seats (see the module docstring); one per env, picklable."""

    def __init__(self, sc: Scales, space: spaces.Dict) -> None:
        """Lay out the observation keys of ``space`` for the scales ``sc``."""
        self.sc = sc
        self.space = space
        self.public = Block(space, PUBLIC_MARKET if sc.market else PUBLIC_COMMON)
        self.private = Block(space, PRIVATE_MARKET if sc.market else PRIVATE_VOTING)
        roles = sc.seat_roles
        #: the seat whose view gives the public features (any seat would do)
        self._ref_seat = roles.index(DEVELOPER) + 1 if DEVELOPER in roles else 1
        self._caps = {r: sc.lot_cap.get(r, (1.0, 1.0)) for r in (*ROLES, *roles)}
        self._n_owners = sc.n_owners
        self._templates: dict[int, Obs] = {}
        for seat, role in enumerate(roles, start=1):
            t: dict[str, Any] = dict.fromkeys(space.spaces)
            t["seat"] = frozen(np.array(_onehot(sc.n_players, seat - 1), dtype=_F))
            t["role"] = frozen(np.array(_onehot(len(ROLES), ROLES.index(role) if role in ROLES else None), dtype=_F))
            self._templates[seat] = t
        self._bounds_src: Any = None
        self._bounds: np.ndarray | None = None
        self._cache: tuple[Any, int, float, _State] | None = None
        self._decl_cache: list[tuple[list[dict[str, Any]], list[float]]] = []
        self._mask_bases: dict[tuple[str, ...], _MaskBase] = {}
        self._views: tuple[Any, int, dict[int, SeatView]] | None = None

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
        """Append a published declaration table (cached by value: it changes only a few times a round)."""
        for i, (seen, vals) in enumerate(self._decl_cache):
            if seen == rows:
                out += vals
                if i:
                    self._decl_cache.insert(0, self._decl_cache.pop(i))
                return
        sc = self.sc
        vals = [0.0] * (3 * sc.n_lots)
        for r in rows:
            j = int(num(r.get("lot"))) - 1
            d = r.get("d")
            if 0 <= j < sc.n_lots and d is not None:
                cap = sc.lot_cap.get(r.get("role", OWNER), (1.0, 1.0))
                vals[3 * j:3 * j + 3] = (_at(d, 0) / cap[0], _at(d, 1) / cap[1], 1.0)
        self._decl_cache = [(copy.deepcopy(rows), vals), *self._decl_cache[:3]]
        out += vals

    def _state(self, game: Any, tick: float) -> _State:
        """The public features of the game's current state, from the reference seat's view."""
        c = self._cache
        if c is not None and c[0] is game and c[1] == game.version:
            if c[2] == tick:
                return c[3]
            pv = c[3].view
        else:
            pv = view(game, self._ref_seat)
        sc = self.sc
        flat = _onehot(sc.n_phases, pv.phase)
        flat += (pv.round / max(1, pv.paid_rounds), float(pv.practice), tick)
        books: dict[int, PublicBook] = {}
        if sc.market:
            ps = sc.price_scale
            self._declarations(pv.first_declarations, flat)
            self._declarations(pv.second_declarations, flat)
            flat += _onehot(2, pv.winning_condition)
            pub = pv.public_signal or [0, 0]
            flat += (_at(pub, 0) / ps, _at(pub, 1) / ps)
            last: list[Any] = [None, None]
            count = [0, 0]
            for t in pv.trades:
                c = t.get("condition")
                i = 0 if c == 0 else 1 if c == 1 else -1
                if i >= 0:
                    last[i] = t
                    count[i] += 1
            for t, k in zip(last, count, strict=True):
                flat += (num(t.get("price")) / ps, num(t.get("median")) / ps, 1.0, k / TRADE_COUNT_SCALE) if k else _Z4
            books = {cond: PublicBook(cond, orders, ps) for cond, orders in sorted(pv.book.items())}
        public = dict(zip(self.public.keys, self.public.split_one(flat), strict=True))
        public["boundaries"] = self._boundaries(pv)
        st = _State(public, pv, books)
        self._cache = (game, game.version, tick, st)
        return st

    def _mask_base(self, accepted: list[str]) -> _MaskBase:
        """The mask bits that follow from the accepted message types alone, and which types need a per-seat check.

        Cached by the accepted types (a handful of distinct lists per game).
        """
        key = tuple(accepted)
        base = self._mask_bases.get(key)
        if base is None:
            acc = set(accepted)
            bits = [1, 0, 0, 0, 0, 0, 0, 0, 0, int("compensation-offer" in acc), 0,
                    int("chat-with-players" in acc and self.sc.n_players > 1)]
            base = self._mask_bases[key] = (bits, tuple(t in acc for t in _ACCEPT_FLAGS))
        return base

    def view(self, game: Any, seat: int) -> SeatView:
        """``view(game, seat)``, reusing the view the last :meth:`observe` of the current state built."""
        c = self._views
        if c is not None and c[0] is game and c[1] == game.version:
            v = c[2].get(seat)
            if v is not None:
                return v
        return view(game, seat)

    # ------------------------------------------------------------------ all seats
    def observe(self, game: Any, seats: list[int], tick: float
                ) -> tuple[list[Obs], list[Decision], dict[int, SeatView]]:
        """The observations, decision contexts and views of ``seats`` (in that order) at the game's current state.

        Args:
            game: The game.
            seats: The live seats.
            tick: Fraction of the current phase's ticks already played.

        Returns:
            ``(observations, decisions, views)``: one observation and decision per seat, and each
            seat's :class:`~econlab.games.ibex.view.SeatView` by seat (the views the observations come from).
        """
        st = self._state(game, tick)
        sc, pv = self.sc, st.view
        flat: list[float] = []
        masks: list[int] = []
        seat_books: list[dict[int, BookInfo]] = []
        views: dict[int, SeatView] = {}
        caps, euro, ref_seat, mask_bases = self._caps, sc.euro_factor, self._ref_seat, self._mask_bases
        market = self._market_seat if sc.market else self._voting_seat
        for seat in seats:
            v = pv if seat == ref_seat else view(game, seat)
            views[seat] = v
            role = v.role
            cap = caps.get(role) or (1.0, 1.0)
            mv = v.my_values
            flat += (num(mv[0]) / cap[0], num(mv[1]) / cap[1]) if mv else _Z2
            summaries = v.my_summaries
            if summaries:
                s = summaries[-1]
                w = int(num(s.get("condition")))
                euros = num(v.my_profits.get(s.get("round"))) / euro.get(role, 1.0)
                flat += (1.0, float(w == 0), float(w == 1), euros / PROFIT_EUROS_SCALE)
            else:
                flat += _Z4
            accepted = v.accepted
            base, (declare, snipe, post, cancel, request, vote) = (
                mask_bases.get(tuple(accepted)) or self._mask_base(accepted))
            m = base.copy()
            if declare:
                d = v.my_declaration
                m[1] = d is None or d is _UNDEFINED
            if snipe:
                m[2] = not v.done_speculating
            if request:
                m[8] = v.my_request is None
            if vote:
                m[10] = v.my_vote is None
            books = market(st, v, cap, flat)
            if books:
                for b in books.values():
                    if post:
                        m[3] |= b.can_bid
                        m[4] |= b.can_ask
                        m[5] |= b.can_market_bid
                        m[6] |= b.can_market_ask
                    if cancel and b.own:
                        m[7] = 1
            masks += m
            seat_books.append(books)
        self._views = (game, game.version, views)
        n = len(seats)
        cols = [list(c) for c in self.private.split(flat, n)] if n else []
        mask_rows = np.frombuffer(bytes(masks), dtype=np.int8).reshape(n, len(KINDS))  # read-only (bytes)
        keys, public, phase, phase_name = self.private.keys, st.public, pv.phase, pv.phase_name
        templates = self._templates
        out, decisions = [], []
        for seat, mask, books, values in zip(seats, mask_rows, seat_books, zip(*cols, strict=True), strict=True):
            o = templates[seat].copy()
            o.update(public)
            o.update(zip(keys, values, strict=True))
            o["action_mask"] = mask
            out.append(o)
            decisions.append(Decision(seat, views[seat].role, phase, phase_name, books, mask))
        return out, decisions, views

    # ------------------------------------------------------------------ per seat
    def _market_seat(self, st: _State, v: SeatView, cap: tuple[float, float], flat: list[float]
                     ) -> dict[int, BookInfo]:
        """Append the seat's market keys to ``flat``; return its open books."""
        d = v.my_declaration
        if d is None or d is _UNDEFINED:
            flat += _Z3
        elif type(d) is list and len(d) > 1:
            flat += (num(d[0]) / cap[0], num(d[1]) / cap[1], 1.0)
        else:
            flat += (_at(d, 0) / cap[0], _at(d, 1) / cap[1], 1.0)
        sc = self.sc
        ps = sc.price_scale
        sig = v.my_signals
        if not sig:
            flat += _Z2
        elif type(sig) is list and len(sig) > 1:
            flat += (num(sig[0]) / ps, num(sig[1]) / ps)
        else:
            flat += (_at(sig, 0) / ps, _at(sig, 1) / ps)
        wallets = v.wallet
        if wallets:
            cash, share_scale = sc.cash_scale[v.role], sc.share_scale
            for c in (0, 1):
                w = wallets.get(c)
                flat += (num(w["balance"]) / cash, num(w["shares"]) / share_scale, 1.0) if w is not None else _Z3
        else:
            flat += _Z3 + _Z3
        books = st.books
        if not books:
            flat += _Z7 + _Z7
            return books  # type: ignore[return-value]  # the shared empty dict
        seat = v.seat
        out = {}
        for c in (0, 1):
            b = books.get(c)
            if b is None:
                flat += _Z7
                continue
            bids, others = b.own_counts(seat)
            flat += b.row
            flat += (bids / MAX_CANCEL, others / MAX_CANCEL, 1.0)
            out[c] = b.info(seat, wallets.get(c))
        if len(out) < len(books):  # a book of another condition (not in the observation)
            out = {c: out.get(c) or b.info(seat, wallets.get(c)) for c, b in books.items()}
        return out

    def _voting_seat(self, st: _State, v: SeatView, cap: tuple[float, float], flat: list[float]
                     ) -> dict[int, BookInfo]:
        """Append the seat's Voting keys to ``flat``; return its open books (none)."""
        sc, n_owners = self.sc, self._n_owners
        a = sc.amount_scale
        req = v.my_request
        flat += _Z2 if req is None else (_at(req, 1) / a, 1.0)
        reqs = [0.0] * (2 * n_owners)
        for k, r in enumerate(v.requests or ()):
            if k < n_owners and r.get("request") is not None:
                reqs[2 * k:2 * k + 2] = (_at(r["request"], 1) / a, 1.0)
        flat += reqs
        offer = v.offer
        flat += (_at(offer, 1) / a, 1.0) if offer is not None else _Z2
        vote = [0.0, 0.0, 0.0]
        dec = v.my_vote
        if isinstance(dec, list) and dec in VOTES:
            vote[_VOTE_INDEX[tuple(dec)]] = 1.0
        flat += vote
        oc = v.outcome
        if oc is not None:
            w = int(num(oc.get("condition")))
            payers = n_owners if v.role == DEVELOPER else 1
            flat += (float(w == 0), float(w == 1), num(oc.get("tally")) / max(1, n_owners),
                     num(oc.get("value")) / cap[1 if w == 1 else 0], num(oc.get("compensation")) / (a * payers))
        else:
            flat += _Z5
        inbox = [0.0] * (sc.n_players * _N_MSG)
        n_players = sc.n_players
        for msg in v.inbox:
            sender, text = msg.get("sender"), msg.get("text")
            if isinstance(sender, int) and 1 <= sender <= n_players and isinstance(text, str) and text in _MSG:
                row = (sender - 1) * _N_MSG
                inbox[row:row + _N_MSG] = _onehot(_N_MSG, _MSG[text])
        flat += inbox
        return {}
