"""Translate an element of the env's action space into an :mod:`econlab.games.ibex.actions` object.

A kind the mask forbids, or parameters that cannot make a legal action (no own order to cancel,
no chat recipient), give no action and a *rejection* record instead; the env reports it in
``infos[agent]["rejected"]``. See :mod:`econlab.envs.ibex` for the action table.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from econlab.envs.books import BookInfo
from econlab.envs.encode import Decision
from econlab.envs.spaces import CANNED_MESSAGES, KINDS, PRICE_HIGH, VOTES, Scales
from econlab.games.ibex.actions import Action, CancelOrder, Chat, Declare, Offer, PostOrder, Request, Snipe, Vote

Rejection = dict[str, Any]


def rejection(kind: str, field: str, reason: str, source: str) -> Rejection:
    """A rejection record.

    Args:
        kind: The action kind that was rejected.
        field: The offending action key (or engine message field).
        reason: What was wrong, in words.
        source: ``"mask"``, ``"decode"``, ``"engine"`` or ``"phase_ended"``.
    """
    return {"kind": kind, "field": field, "reason": reason, "source": source}


_N_KINDS = len(KINDS)
_NP_SCALARS = (np.integer, np.floating)


def _scalar(x: Any, default: float = 0.0) -> float:
    """The first element of ``x`` as a finite float (``default`` when absent or not finite)."""
    t = type(x)
    if t is np.ndarray and x.size and x.dtype.kind in "biuf":
        v = float(x.item(0))
    elif t is int or t is float or isinstance(x, _NP_SCALARS):
        v = float(x)
    else:
        a = np.asarray(x, dtype=np.float64).reshape(-1) if x is not None else np.zeros(0)
        v = float(a[0]) if a.size else default
    return v if math.isfinite(v) else default


def _vector(x: Any, n: int) -> np.ndarray:
    a = np.zeros(n) if x is None else np.asarray(x, dtype=np.float64).reshape(-1)
    if a.size < n:
        a = np.concatenate([a, np.zeros(n - a.size)])
    return np.nan_to_num(a[:n], nan=0.0, posinf=0.0, neginf=0.0)


def js_round(x: float) -> int:
    """JavaScript ``Math.round`` to an int (halves towards +infinity)."""
    return int(math.floor(x + 0.5))


def kind_of(action: Any) -> int:
    """The ``kind`` index of an action (``None`` is ``noop``; out-of-range values raise ``ValueError``)."""
    if action is None:
        return 0
    if (type(action) is not dict and not isinstance(action, Mapping)) or "kind" not in action:
        raise ValueError(f"an action must be a dict with a 'kind' key (or None), got {action!r}")
    k = action["kind"]
    k = k if type(k) is int else int(np.asarray(k).reshape(-1)[0])
    if not 0 <= k < _N_KINDS:
        raise ValueError(f"action kind must be in 0..{len(KINDS) - 1}, got {k}")
    return k


def _book(action: Mapping[str, Any], books: dict[int, BookInfo]) -> BookInfo:
    if len(books) == 1:
        return next(iter(books.values()))
    c = int(_scalar(action.get("condition")))
    return books.get(c) or next(iter(books.values()))


#: kind index -> (order side, market order) of the four order kinds
_ORDERS = {3: ("bid", False), 4: ("ask", False), 5: ("bid", True), 6: ("ask", True)}


def decode(action: Any, d: Decision, sc: Scales, k: int | None = None) -> tuple[Action | None, Rejection | None]:
    """Translate one agent's action.

    Args:
        action: An element of the agent's action space (a mapping with ``kind``), or ``None``.
        d: The seat's decision context (its last observation's phase, open books and mask).
        sc: The env's scales.
        k: ``kind_of(action)`` when the caller has it already.

    Returns:
        ``(engine action or None, rejection or None)``; at most one is not ``None``.
    """
    if k is None:
        k = kind_of(action)
    if k == 0:
        return None, None
    kind = KINDS[k]
    if not d.mask.item(k):
        return None, rejection(kind, "kind", f"{kind!r} is not allowed now (masked) in phase {d.phase} "
                                             f"({d.phase_name})", "mask")
    books = d.books
    get = action.get
    order = _ORDERS.get(k)
    if order is not None:
        side, now = order
        b = _book(action, books)
        if now:
            if not (b.can_market_bid if side == "bid" else b.can_market_ask):
                why = f"no {kind} possible in book {b.condition} (counterpart, cash or shares)"
                return None, rejection(kind, "condition", why, "decode")
            price = b.counter_ask if side == "bid" else b.counter_bid
            return PostOrder(side=side, price=price, condition=b.condition, quantity=1, now=True), None
        price = js_round(min(max(_scalar(get("price")), 0.0), PRICE_HIGH) * sc.price_scale)
        return PostOrder(side=side, price=price, condition=b.condition, quantity=1, now=False), None
    if kind == "cancel":
        b = _book(action, books)
        if not b.own:
            return None, rejection(kind, "condition", f"no own resting order in book {b.condition}", "decode")
        i = min(max(int(_scalar(get("cancel"))), 0), len(b.own) - 1)
        return CancelOrder(order_id=b.own[i]["id"], condition=b.condition), None
    if kind == "declare":
        x = np.clip(_vector(get("declaration"), 2), 0.0, 1.0)
        caps = sc.lot_cap.get(d.role, (0.0, 0.0))
        return Declare([js_round(x[0] * caps[0]), js_round(x[1] * caps[1])]), None
    if kind == "snipe":
        bits = _vector(get("snipe"), 2 * sc.n_lots).reshape(2, sc.n_lots)
        return Snipe([[j + 1 for j in range(sc.n_lots) if bits[c, j] > 0.5] for c in (0, 1)]), None
    if kind in ("request", "offer"):
        amount = js_round(min(max(_scalar(get("amount")), 0.0), 1.0) * sc.amount_scale)
        return (Request([None, amount]) if kind == "request" else Offer([None, amount])), None
    if kind == "vote":
        choice = min(max(int(_scalar(get("vote"))), 0), len(VOTES) - 1)
        return Vote(list(VOTES[choice])), None
    # chat
    bits = _vector(get("chat_to"), sc.n_players)
    to = [s for s in range(1, sc.n_players + 1) if bits[s - 1] > 0.5 and s != d.seat]
    if not to:
        return None, rejection(kind, "chat_to", "no recipient other than oneself", "decode")
    msg = min(max(int(_scalar(get("chat_msg"))), 0), len(CANNED_MESSAGES) - 1)
    return Chat(to=to, text=CANNED_MESSAGES[msg]), None


def engine_rejection(kind: str, exc: Exception) -> Rejection:
    """A rejection record for an :class:`~econlab.games.ibex.errors.InvalidActionError` of the engine."""
    return rejection(kind, str(getattr(exc, "field", "")), str(getattr(exc, "reason", exc)), "engine")


__all__ = ["Rejection", "decode", "engine_rejection", "js_round", "kind_of", "rejection"]
