"""Reference encoder for the tests: the original, straightforward observation and mask of one seat.

It computes everything from the seat's own :class:`~econlab.games.ibex.view.SeatView` (one view per seat,
numpy arrays per key), exactly as ``econlab.envs.encode`` did before it was optimised. The tests
compare the env's fast observations with it, so the fast encoder's batching and caching (public
features once per state, packed buffers, cached mask bits) cannot change what a seat observes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from gymnasium import spaces

from econlab.envs.spaces import (
    CANNED_MESSAGES,
    KIND,
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
from econlab.games.ibex.view import SeatView

_F = np.float32


def num(x: Any) -> float:
    """A JSON/JS value as a finite float (``NaN``, infinities, ``null`` and strings that are no number: 0)."""
    v = js.to_number(x) if x is not None else 0.0
    return v if math.isfinite(v) else 0.0


def _at(x: Any, i: int) -> float:
    """``x[i]`` as a finite float when ``x`` is a list long enough, else 0."""
    return num(x[i]) if isinstance(x, list | tuple) and len(x) > i else 0.0


@dataclass
class BookInfo:
    """What a seat can do in one open book, rebuilt from its view.

    Attributes:
        condition: The book's condition.
        best_bid: Highest resting bid (any seat) or ``None``.
        best_ask: Lowest resting ask (any seat) or ``None``.
        counter_bid: Highest resting bid of another seat (what a market ask sells to) or ``None``.
        counter_ask: Lowest resting ask of another seat (what a market bid buys from) or ``None``.
        own: The seat's own resting orders, sorted by id.
        can_bid / can_ask / can_market_bid / can_market_ask: legality (cash and share commitments,
            counterparts), with a limit bid checked at price 0.
    """

    condition: int
    best_bid: float | None = None
    best_ask: float | None = None
    counter_bid: float | None = None
    counter_ask: float | None = None
    own: list[dict[str, Any]] = field(default_factory=list)
    can_bid: bool = False
    can_ask: bool = False
    can_market_bid: bool = False
    can_market_ask: bool = False


def _extreme(prices: list[float], side: str) -> float | None:
    return (max(prices) if side == "bid" else min(prices)) if prices else None


def _may_ask(orders: list[dict[str, Any]], seat: int, shares: Any) -> bool:
    """ibex-rules.md §6.2 step 6, ask: refused when the seat's shares do not exceed its resting asks here."""
    return num(shares) > sum(1 for o in orders if o["sender"] == seat and o["type"] == "ask")


def _may_bid(orders: list[dict[str, Any]], seat: int, balance: Any, price: Any) -> bool:
    """§6.2 step 6, bid: refused when the cash left after ``price`` is below the prices of its resting bids here."""
    return not num(balance) - num(price) < sum(num(o["price"]) for o in orders
                                               if o["sender"] == seat and o["type"] == "bid")


def book_infos(v: SeatView) -> dict[int, BookInfo]:
    """The open books (market phase only) as :class:`BookInfo`, by condition."""
    out: dict[int, BookInfo] = {}
    for c, orders in sorted(v.book.items()):
        priced = [(o, num(o["price"])) for o in orders]
        info = BookInfo(condition=c)
        for side in ("bid", "ask"):
            allp = [p for o, p in priced if o["type"] == side]
            other = [p for o, p in priced if o["type"] == side and o["sender"] != v.seat]
            setattr(info, f"best_{side}", _extreme(allp, side))
            setattr(info, f"counter_{side}", _extreme(other, side))
        info.own = sorted((o for o in orders if o["sender"] == v.seat), key=lambda o: num(o["id"]))
        w = v.wallet.get(c)
        if w is not None:
            info.can_bid = _may_bid(orders, v.seat, w["balance"], 0)
            info.can_ask = _may_ask(orders, v.seat, w["shares"])
            info.can_market_bid = info.counter_ask is not None and _may_bid(
                orders, v.seat, w["balance"], info.counter_ask)
            info.can_market_ask = info.counter_bid is not None and info.can_ask
        out[c] = info
    return out


def action_mask(v: SeatView, books: dict[int, BookInfo]) -> np.ndarray:
    """The kinds the seat may use now (``noop`` always); a subset of what the engine accepts."""
    m = np.zeros(len(KINDS), dtype=np.int8)
    m[KIND["noop"]] = 1
    acc = set(v.accepted)
    if "declare" in acc and js.is_nullish(v.my_declaration):
        m[KIND["declare"]] = 1
    if "done-speculating" in acc and not v.done_speculating:
        m[KIND["snipe"]] = 1
    if "post-order" in acc:
        for kind in ("bid", "ask", "market_bid", "market_ask"):
            m[KIND[kind]] = any(getattr(b, f"can_{kind}") for b in books.values())
    if "cancel-order" in acc:
        m[KIND["cancel"]] = any(b.own for b in books.values())
    if "compensation-request" in acc and v.my_request is None:
        m[KIND["request"]] = 1
    if "compensation-offer" in acc:
        m[KIND["offer"]] = 1
    if "compensation-decision" in acc and v.my_vote is None:
        m[KIND["vote"]] = 1
    if "chat-with-players" in acc and len(v.players) > 1:
        m[KIND["chat"]] = 1
    return m


def _onehot(n: int, i: int | None) -> np.ndarray:
    a = np.zeros(n, dtype=_F)
    if i is not None and 0 <= i < n:
        a[i] = 1.0
    return a


def _common(v: SeatView, sc: Scales, tick: float) -> dict[str, np.ndarray]:
    cap = sc.lot_cap.get(v.role, (1.0, 1.0))
    bounds = np.zeros((2, 2, 2), dtype=_F)
    for i, role in enumerate((DEVELOPER, OWNER)):
        b = v.boundaries.get(ROLE_NAMES[role], {})
        for c, cond in enumerate(CONDITIONS):
            rng = b.get(cond["key"], {})
            bounds[i, c] = (num(rng.get("low")) / sc.value_scale, num(rng.get("high")) / sc.value_scale)
    mv = v.my_values or [0, 0]
    last = np.zeros(4, dtype=_F)
    if v.my_summaries:
        s = v.my_summaries[-1]
        w = int(num(s.get("condition")))
        euros = num(v.my_profits.get(s.get("round"))) / sc.euro_factor.get(v.role, 1.0)
        last[:] = (1.0, w == 0, w == 1, euros / PROFIT_EUROS_SCALE)
    return {
        "phase": _onehot(sc.n_phases, v.phase),
        "round": np.array([v.round / max(1, v.paid_rounds), float(v.practice)], dtype=_F),
        "tick": np.array([tick], dtype=_F),
        "seat": _onehot(sc.n_players, v.seat - 1),
        "role": _onehot(len(ROLES), ROLES.index(v.role) if v.role in ROLES else None),
        "my_values": np.array([num(mv[0]) / cap[0], num(mv[1]) / cap[1]], dtype=_F),
        "boundaries": bounds,
        "last_round": last,
    }


def _declarations(rows: list[dict[str, Any]], sc: Scales) -> np.ndarray:
    out = np.zeros((sc.n_lots, 3), dtype=_F)
    for r in rows:
        j = int(num(r.get("lot"))) - 1
        d = r.get("d")
        if 0 <= j < sc.n_lots and d is not None:
            cap = sc.lot_cap.get(r.get("role", OWNER), (1.0, 1.0))
            out[j] = (_at(d, 0) / cap[0], _at(d, 1) / cap[1], 1.0)
    return out


def _market(v: SeatView, sc: Scales, books: dict[int, BookInfo]) -> dict[str, np.ndarray]:
    ps = sc.price_scale
    cap = sc.lot_cap.get(v.role, (1.0, 1.0))
    d = v.my_declaration
    mine = [0.0, 0.0, 0.0] if js.is_nullish(d) else [_at(d, 0) / cap[0], _at(d, 1) / cap[1], 1.0]
    wallet = np.zeros((2, 3), dtype=_F)
    for c, w in v.wallet.items():
        if c in (0, 1):
            wallet[c] = (num(w["balance"]) / sc.cash_scale[v.role], num(w["shares"]) / sc.share_scale, 1.0)
    book = np.zeros((2, 7), dtype=_F)
    for c, b in books.items():
        if c in (0, 1):
            own_bids = sum(1 for o in b.own if o["type"] == "bid")
            own_asks = len(b.own) - own_bids
            book[c] = ((b.best_bid or 0.0) / ps, (b.best_ask or 0.0) / ps, b.best_bid is not None,
                       b.best_ask is not None, own_bids / MAX_CANCEL, own_asks / MAX_CANCEL, 1.0)
    trades = np.zeros((2, 4), dtype=_F)
    for c in (0, 1):
        mine_c = [t for t in v.trades if t.get("condition") == c]
        if mine_c:
            last = mine_c[-1]
            trades[c] = (num(last.get("price")) / ps, num(last.get("median")) / ps, 1.0,
                         len(mine_c) / TRADE_COUNT_SCALE)
    sig = v.my_signals or [0, 0]
    pub = v.public_signal or [0, 0]
    return {
        "my_declaration": np.array(mine, dtype=_F),
        "first_declarations": _declarations(v.first_declarations, sc),
        "second_declarations": _declarations(v.second_declarations, sc),
        "winning_condition": _onehot(2, v.winning_condition),
        "my_signals": np.array([_at(sig, 0) / ps, _at(sig, 1) / ps], dtype=_F),
        "public_signal": np.array([_at(pub, 0) / ps, _at(pub, 1) / ps], dtype=_F),
        "wallet": wallet,
        "book": book,
        "trades": trades,
    }


def _voting(v: SeatView, sc: Scales) -> dict[str, np.ndarray]:
    a = sc.amount_scale
    my_req = np.array([_at(v.my_request, 1) / a, 1.0] if v.my_request is not None else [0.0, 0.0], dtype=_F)
    reqs = np.zeros((sc.n_owners, 2), dtype=_F)
    for k, r in enumerate(v.requests or []):
        if k < sc.n_owners and r.get("request") is not None:
            reqs[k] = (_at(r["request"], 1) / a, 1.0)
    offer = np.array([_at(v.offer, 1) / a, 1.0] if v.offer is not None else [0.0, 0.0], dtype=_F)
    vote = np.zeros(len(VOTES), dtype=_F)
    if isinstance(v.my_vote, list) and v.my_vote in VOTES:
        vote[VOTES.index(v.my_vote)] = 1.0
    outcome = np.zeros(5, dtype=_F)
    if v.outcome is not None:
        w = int(num(v.outcome.get("condition")))
        cap = sc.lot_cap.get(v.role, (1.0, 1.0))
        payers = sc.n_owners if v.role == DEVELOPER else 1
        outcome[:] = (w == 0, w == 1, num(v.outcome.get("tally")) / max(1, sc.n_owners),
                      num(v.outcome.get("value")) / cap[1 if w == 1 else 0],
                      num(v.outcome.get("compensation")) / (a * payers))
    inbox = np.zeros((sc.n_players, len(CANNED_MESSAGES)), dtype=_F)
    for msg in v.inbox:
        sender, text = msg.get("sender"), msg.get("text")
        if isinstance(sender, int) and 1 <= sender <= sc.n_players and text in CANNED_MESSAGES:
            inbox[sender - 1] = _onehot(len(CANNED_MESSAGES), CANNED_MESSAGES.index(text))
    return {"my_request": my_req, "requests": reqs, "offer": offer, "my_vote": vote, "outcome": outcome,
            "inbox": inbox}


def encode(v: SeatView, sc: Scales, tick: float, space: spaces.Dict) -> tuple[dict[str, np.ndarray],
                                                                          dict[int, BookInfo]]:
    """The observation of a seat (clipped into ``space``) and its open books.

    Args:
        v: The seat's view.
        sc: The env's scales.
        tick: Fraction of the current phase's ticks already played.
        space: The seat's observation space (for clipping).

    Returns:
        ``(observation, books)``.
    """
    books = book_infos(v)
    obs = _common(v, sc, tick)
    obs.update(_market(v, sc, books) if sc.market else _voting(v, sc))
    for k, s in space.spaces.items():
        if isinstance(s, spaces.Box):
            obs[k] = np.clip(obs[k], s.low, s.high).astype(_F, copy=False)
    obs["action_mask"] = action_mask(v, books)
    return obs, books
