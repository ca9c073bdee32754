"""The observation of a learning seat: a flat feature vector computed from its :class:`SeatView` alone.

Training (:class:`~econlab.training.fixed_seat_env.FixedSeatEnv`) and deployment
(:class:`~econlab.training.rl_policy.RLPolicy`, where the runner, the tournament and the live-server
client hand a policy only the view) call the same function, so a checkpoint sees exactly what it saw
in training. Only the market treatments (Harberger, Futarchy) are covered.

The vector is the concatenation, in this order, of the groups in :data:`GROUPS` (scales: ``P`` the
price scale of :mod:`econlab.envs.spaces`, computed from the view's value ranges; ``cap`` twice the
high bound of a role's range; ranges normalised as ``(d - low) / (high - low)``):

* ``phase`` one-hot (11), ``round`` (round / paid rounds), ``tick`` (ticks played in the phase /
  the phase's ticks), ``role`` one-hot (speculator, developer, owner), ``decision`` one-hot
  (declare1, declare2, snipe1, snipe2, market);
* ``own``: own values / cap (2), own declaration / cap and its flag (3), last round's profit / (100 P) (1),
  winning condition one-hot and known flag (3);
* ``lots``: per lot (row = lot id - 1): developer flag, first declaration per condition in range units and
  its flag, second declaration likewise (7 per lot);
* ``market``: per condition: private signal / P, public signal / P, cash / (100 P), shares / 10, best bid / P,
  best ask / P, own bids / 16, own asks / 16, last trade price / P, trades / 100, book open flag (11 each).

Every value is clipped into ``[-CLIP, CLIP]``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from econlab.games.ibex.params import DEVELOPER, OWNER, SPECULATOR
from econlab.games.ibex.view import SeatView
from econlab.policies import viewtools as vt

N_PHASES = 11
DECISIONS = ("declare1", "declare2", "snipe1", "snipe2", "market")
ROLES = (SPECULATOR, DEVELOPER, OWNER)
CLIP = 10.0
PER_LOT = 7
PER_BOOK = 11


def n_features(n_lots: int) -> int:
    """Length of the vector for a game with ``n_lots`` lots."""
    return N_PHASES + 2 + len(ROLES) + len(DECISIONS) + 9 + PER_LOT * n_lots + 2 * PER_BOOK


def n_lots(view: SeatView) -> int:
    """Number of lots (holders: developer and owners) of the view's game."""
    return sum(1 for p in view.players if p["role"] in (OWNER, DEVELOPER))


def _num(x: Any) -> float:
    if isinstance(x, bool) or not isinstance(x, int | float) or not math.isfinite(x):
        return 0.0
    return float(x)


def _onehot(n: int, i: int | None) -> list[float]:
    out = [0.0] * n
    if i is not None and 0 <= i < n:
        out[i] = 1.0
    return out


def price_scale(view: SeatView) -> float:
    """``P``: the dividend per share if every lot were declared at its high bound (largest condition)."""
    roles = [p["role"] for p in view.players if p["role"] in (OWNER, DEVELOPER)]
    sums = [sum(vt.bounds(view, r, c)[1] for r in roles) for c in (0, 1)]
    p = max(sums) * float(view.tax_rate_final or 0) / 10000
    return p if p > 0 else 1.0


def _in_range(view: SeatView, role: int, c: int, d: float | None) -> tuple[float, float]:
    if d is None:
        return 0.0, 0.0
    low, high = vt.bounds(view, role, c)
    return (d - low) / max(high - low, 1.0), 1.0


def features(view: SeatView, tick: float) -> np.ndarray:
    """The seat's observation vector (see the module docstring).

    Args:
        view: The seat's view.
        tick: Ticks already played in the current phase / ticks of the phase (0 outside the market).

    Raises:
        ValueError: A Voting view (not covered).
    """
    if view.treatment == "voting":
        raise ValueError("learning seats cover Harberger and Futarchy only, not Voting")
    ps = price_scale(view)
    out: list[float] = _onehot(N_PHASES, view.phase)
    out += [view.round / max(1, view.paid_rounds), float(tick)]
    out += _onehot(len(ROLES), ROLES.index(view.role) if view.role in ROLES else None)
    d = vt.decision(view)
    out += _onehot(len(DECISIONS), DECISIONS.index(d) if d in DECISIONS else None)
    caps = [vt.cap(view, view.role, c) if view.role in (OWNER, DEVELOPER) else 1.0 for c in (0, 1)]
    mv = view.my_values or [0, 0]
    out += [_num(mv[0]) / caps[0], _num(mv[1]) / caps[1]]
    md = view.my_declaration
    if isinstance(md, list) and len(md) > 1:
        out += [_num(md[0]) / caps[0], _num(md[1]) / caps[1], 1.0]
    else:
        out += [0.0, 0.0, 0.0]
    profit = 0.0
    if view.my_summaries:
        profit = _num(view.my_profits.get(view.my_summaries[-1].get("round"))) / (100 * ps)
    out.append(profit)
    w = view.winning_condition
    out += _onehot(2, None if w is None else int(w)) + [float(w is not None)]
    lots = n_lots(view)
    rows = [[0.0] * PER_LOT for _ in range(lots)]
    for k, entries in enumerate((view.first_declarations, view.second_declarations)):
        for e in entries:
            lot, role = e.get("lot"), e.get("role")
            if not isinstance(lot, int) or not 1 <= lot <= lots or role not in (OWNER, DEVELOPER):
                continue
            row = rows[lot - 1]
            row[0] = float(role == DEVELOPER)
            for c in (0, 1):
                x, flag = _in_range(view, int(role), c, vt.declared(e, c))
                row[1 + 3 * k + c], row[3 + 3 * k] = x, flag
    for row in rows:
        out += row
    for c in (0, 1):
        out += _book(view, c, ps)
    a = np.asarray(out, dtype=np.float32)
    return np.clip(a, -CLIP, CLIP)


def _book(view: SeatView, c: int, ps: float) -> list[float]:
    sig = [_num((view.my_signals or [0, 0])[c]) if view.my_signals and c < len(view.my_signals) else 0.0,
           _num(view.public_signal[c]) if view.public_signal and c < len(view.public_signal) else 0.0]
    wallet = view.wallet.get(c) or {}
    orders = view.book.get(c, [])
    bids = [float(o["price"]) for o in orders if o.get("type") == "bid"]
    asks = [float(o["price"]) for o in orders if o.get("type") == "ask"]
    own = vt.my_orders(view, c)
    trades = [t for t in view.trades if t.get("condition") == c]
    last = _num(trades[-1].get("price")) if trades else 0.0
    return [sig[0] / ps, sig[1] / ps, _num(wallet.get("balance")) / (100 * ps), _num(wallet.get("shares")) / 10.0,
            (max(bids) / ps) if bids else 0.0, (min(asks) / ps) if asks else 0.0,
            sum(1 for o in own if o.get("type") == "bid") / 16.0, sum(1 for o in own if o.get("type") == "ask") / 16.0,
            last / ps, len(trades) / 100.0, float(c in view.book)]
