"""The discrete action menu of a learning seat (Harberger and Futarchy) and its mask.

The env's ``Dict`` action space (a kind plus continuous parameters) is awkward for a small PPO
learner, so a learning seat chooses one entry of a fixed menu instead; each entry is turned into an
engine action from the seat's :class:`~econlab.games.ibex.view.SeatView`. The menu spans the scripted
policies' parameter ranges and more, so an exploiter can learn *when* to be more or less aggressive:

| index | entry | legal when |
|---|---|---|
| 0 | noop | always |
| 1 | declare truthfully | a declaration is due (holders) |
| 2-5 | declare with the ``strategic`` rule, second declaration shaded by ``shade`` in ``DECLARE_SHADES`` | |
| | (``None``: by expected profit), first declaration pushed by ``push`` (developer, Harberger) | |
| 6 | snipe nothing | a speculation is due (speculators) |
| 7-11 | snipe declarations below ``low + q * (high - low)`` for ``q`` in ``SNIPE_QS`` (and the drop rule | |
| | in the second speculation), up to every lot | |
| 12 + 8c + j | market action ``j`` in the book of condition ``c`` (``MARKET_ENTRIES``): | the book is open |
| | limit bid at valuation x 0.97 or x 0.85, limit ask at x 1.03 or x 1.15, market | and commitments |
| | bid, market ask, cancel the oldest own order, one ZI-C trade (``strategic``'s) | and a counterpart |
| | | allow it |

The valuation is the seat's private signal (:func:`econlab.policies.viewtools.valuation`). The mask
is computed from the view with the same commitment rules as the engine; an action another seat's
earlier order in the same tick made impossible is still rejected by the engine (a lost action).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from econlab.games.ibex.actions import Action, CancelOrder, Declare, PostOrder, Snipe
from econlab.games.ibex.view import SeatView
from econlab.policies import viewtools as vt
from econlab.policies.strategic import Strategic
from econlab.policies.zi_market import zi_action

#: (shade of the second declaration or None for the expected-profit rule, developer's push)
DECLARE_SHADES: tuple[tuple[float | None, float], ...] = ((None, 1.2), (0.1, 0.0), (0.25, 2.0), (0.4, 3.0))
#: snipe thresholds (fraction of the value range)
SNIPE_QS: tuple[float, ...] = (0.1, 0.2, 0.3, 0.45, 0.6)
#: market entries per book: (name, side, price factor or None for a market order / other)
MARKET_ENTRIES: tuple[str, ...] = ("bid_near", "bid_far", "ask_near", "ask_far", "market_bid", "market_ask",
                                   "cancel", "zi")
_PRICE = {"bid_near": ("bid", 0.97), "bid_far": ("bid", 0.85), "ask_near": ("ask", 1.03), "ask_far": ("ask", 1.15)}

NOOP = 0
DECLARE0 = 1
SNIPE0 = DECLARE0 + 1 + len(DECLARE_SHADES)
MARKET0 = SNIPE0 + 1 + len(SNIPE_QS)
N_ACTIONS = MARKET0 + 2 * len(MARKET_ENTRIES)

_DECLARERS = [Strategic(shade=s, push=p) for s, p in DECLARE_SHADES]
_SNIPERS = [Strategic(snipe_q=q, max_targets=1000) for q in SNIPE_QS]


def names() -> list[str]:
    """A readable name per menu index."""
    out = ["noop", "declare_truthful"]
    out += [f"declare_shade={s}_push={p}" for s, p in DECLARE_SHADES]
    out += ["snipe_none"] + [f"snipe_q={q}" for q in SNIPE_QS]
    out += [f"{e}_c{c}" for c in (0, 1) for e in MARKET_ENTRIES]
    return out


def _market_entry(view: SeatView, c: int, entry: str) -> Action | None:
    """The engine action of one market entry in book ``c``, or ``None`` when it is not possible now."""
    if c not in view.book:
        return None
    value = vt.valuation(view, c)
    if entry in _PRICE:
        side, factor = _PRICE[entry]
        if side == "bid":
            price = float(math.floor(value * factor))
            return PostOrder(side="bid", price=price, condition=c, quantity=1, now=False) \
                if 0 < price <= vt.bid_room(view, c) else None
        price = float(math.ceil(value * factor))
        return PostOrder(side="ask", price=price, condition=c, quantity=1, now=False) \
            if vt.ask_room(view, c) > 0 else None
    if entry == "market_bid":
        ask = _counter(view, c, "ask")
        return PostOrder(side="bid", price=ask, condition=c, quantity=1, now=True) \
            if ask is not None and ask <= vt.bid_room(view, c) else None
    if entry == "market_ask":
        bid = _counter(view, c, "bid")
        return PostOrder(side="ask", price=bid, condition=c, quantity=1, now=True) \
            if bid is not None and vt.ask_room(view, c) > 0 else None
    if entry == "cancel":
        own = sorted(vt.my_orders(view, c), key=lambda o: int(o["id"]))
        return CancelOrder(order_id=int(own[0]["id"]), condition=c) if own else None
    return None  # "zi" needs the decision's rng: see to_action


def _counter(view: SeatView, c: int, side: str) -> float | None:
    """Best resting price of another seat on ``side`` (what a market order on the other side trades at)."""
    prices = [float(o["price"]) for o in view.book.get(c, []) if o.get("type") == side and o.get("sender") != view.seat]
    if not prices:
        return None
    return max(prices) if side == "bid" else min(prices)


def action_mask(view: SeatView) -> np.ndarray:
    """The legal menu entries now (float32 0/1, ``noop`` always 1)."""
    mask = np.zeros(N_ACTIONS, dtype=np.float32)
    mask[NOOP] = 1.0
    d = vt.decision(view)
    if d in ("declare1", "declare2"):
        mask[DECLARE0:SNIPE0] = 1.0
    elif d in ("snipe1", "snipe2"):
        mask[SNIPE0:MARKET0] = 1.0
    elif d == "market":
        for c in (0, 1):
            if c not in view.book:
                continue
            for j, entry in enumerate(MARKET_ENTRIES):
                ok = entry == "zi" or _market_entry(view, c, entry) is not None
                mask[MARKET0 + len(MARKET_ENTRIES) * c + j] = float(ok)
    return mask


def to_action(view: SeatView, index: int, rng: np.random.Generator) -> Action | None:
    """The engine action of menu entry ``index`` (``None`` for noop or an entry that is not legal now).

    Args:
        view: The seat's view.
        index: The menu entry.
        rng: The decision's generator (used by the ZI-C entry only).

    Raises:
        ValueError: ``index`` outside the menu.
    """
    if not 0 <= index < N_ACTIONS:
        raise ValueError(f"menu index must be in 0..{N_ACTIONS - 1}, got {index}")
    d = vt.decision(view)
    if index == NOOP:
        return None
    if index < SNIPE0:
        if d not in ("declare1", "declare2"):
            return None
        if index == DECLARE0:
            return Declare([float(math.floor(v)) for v in vt.true_values(view)])
        p = _DECLARERS[index - DECLARE0 - 1]
        return Declare(p.first_declaration(view) if d == "declare1" else p.second_declaration(view))
    if index < MARKET0:
        if d not in ("snipe1", "snipe2"):
            return None
        if index == SNIPE0:
            return Snipe([[], []])
        return Snipe(_SNIPERS[index - SNIPE0 - 1].snipe_targets(view))
    if d != "market":
        return None
    c, j = divmod(index - MARKET0, len(MARKET_ENTRIES))
    entry = MARKET_ENTRIES[j]
    if entry == "zi":
        if c not in view.book:
            return None
        # the ZI trader picks a book at random; restrict its view to the chosen one
        single = dataclasses.replace(view, book={c: view.book[c]}) if len(view.book) > 1 else view
        return zi_action(single, rng, trade_prob=1.0, spread=0.1, cancel_prob=0.1)
    return _market_entry(view, c, entry)
