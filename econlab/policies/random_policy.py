"""The ``random`` baseline: a uniformly random legal action.

With probability ``idle`` it does nothing; otherwise it picks one of the action types the seat may
send now (``SeatView.accepted``; the scheduler's ``player-is-ready`` and ``complete-current-phase``
excluded) uniformly and fills it in at random:

* declaration: each entry uniform on ``[0, 2 * high]`` of the seat's role and condition;
* snipe: per condition, a uniformly sized random subset of the published lots;
* order: a book, a side and a price uniform on ``ref * [1 - price_width, 1 + price_width]`` around
  the public signal of the book's condition (before signals: the dividend implied by the range
  mids); bids are kept within uncommitted cash and asks within uncommitted shares (it switches
  side when one is impossible), and with probability ``now_prob`` it sends a market order when
  another seat rests a counterpart;
* cancel: one of its own resting orders (it posts instead when it has none);
* Voting: requests and offers uniform on ``[0, owner high(No Project) - owner low(Project)]`` (the
  largest possible owner loss), a vote among yes / no / abstain, a short chat message to a random
  non-empty set of other seats.

Whole points throughout. Market orders and cancels can still meet a book that changed earlier in
the same tick (the order they needed was taken), so a few of its actions are rejected.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from econlab.games.ibex.actions import Action, CancelOrder, Chat, Declare, Offer, PostOrder, Request, Snipe, Vote
from econlab.games.ibex.params import OWNER
from econlab.games.ibex.view import SeatView
from econlab.policies import viewtools as vt
from econlab.policies.base import PolicyState, ScriptedPolicy

SCHEDULER_TYPES = frozenset({"player-is-ready", "complete-current-phase"})
PHRASES = (
    "I need at least {x}.",
    "vote no project",
    "vote project",
    "what do you need to break even?",
    "{x} is my final number",
    "let's all ask for {x}",
    "ok",
)


def _check_prob(name: str, x: Any, upper: float = 1.0) -> None:
    if isinstance(x, bool) or not isinstance(x, int | float) or not math.isfinite(x) or not 0 <= x <= upper:
        raise ValueError(f"{name} must be a number in [0, {upper:g}], got {x!r}")


@dataclass(frozen=True)
class RandomPolicy(ScriptedPolicy):
    """Uniformly random legal actions (module docstring).

    Attributes:
        idle: Probability of sending nothing at a decision point.
        now_prob: Probability that an order is a market (``now``) order when a counterpart rests.
        price_width: Half-width of the order price range, as a fraction of the reference price.
    """

    idle: float = 0.1
    now_prob: float = 0.05
    price_width: float = 0.5

    def __post_init__(self) -> None:
        """Validate the parameters."""
        _check_prob("idle", self.idle)
        _check_prob("now_prob", self.now_prob)
        _check_prob("price_width", self.price_width)

    def act(self, view: SeatView, state: PolicyState) -> tuple[Action | None, PolicyState]:
        """A random legal action, or ``None`` (idle, or nothing to decide)."""
        rng = state.rng()
        types = [t for t in view.accepted if t not in SCHEDULER_TYPES]
        if vt.decision(view) is None or not types or rng.random() < self.idle:
            return None, state.next()
        t = types[int(rng.integers(len(types)))]
        return self._build(view, t, rng), state.next()

    def _build(self, view: SeatView, t: str, rng: np.random.Generator) -> Action | None:
        if t == "declare":
            return Declare([float(math.floor(rng.uniform(0, vt.cap(view, view.role, c)))) for c in (0, 1)])
        if t == "done-speculating":
            lots = [e["lot"] for e in vt.published(view, view.phase >= 8)]
            snipe = []
            for _ in (0, 1):
                k = int(rng.integers(len(lots) + 1))
                snipe.append(sorted(int(x) for x in rng.choice(lots, size=k, replace=False)) if k else [])
            return Snipe(snipe)
        if t == "cancel-order":
            mine = [(c, o) for c in vt.open_books(view) for o in vt.my_orders(view, c)]
            if mine:
                c, o = mine[int(rng.integers(len(mine)))]
                return CancelOrder(order_id=int(o["id"]), condition=c)
            return self._order(view, rng)
        if t == "post-order":
            return self._order(view, rng)
        scale = self._loss_scale(view)
        if t == "compensation-request":
            return Request([None, float(math.floor(rng.uniform(0, scale)))])
        if t == "compensation-offer":
            return Offer([None, float(math.floor(rng.uniform(0, scale)))])
        if t == "compensation-decision":
            return Vote([[0], [1], []][int(rng.integers(3))])
        if t == "chat-with-players":
            others = [int(p["number"]) for p in view.players if p["number"] != view.seat]
            if not others:
                return None
            k = int(rng.integers(1, len(others) + 1))
            to = sorted(int(x) for x in rng.choice(others, size=k, replace=False))
            text = PHRASES[int(rng.integers(len(PHRASES)))].format(x=int(rng.integers(1, 100)) * 5000)
            return Chat(to=to, text=text)
        return None

    @staticmethod
    def _loss_scale(view: SeatView) -> float:
        return vt.bounds(view, OWNER, 0)[1] - vt.bounds(view, OWNER, 1)[0]

    def _reference(self, view: SeatView, c: int) -> float:
        ps = view.public_signal
        if ps is not None and c < len(ps) and isinstance(ps[c], int | float) and ps[c] > 0:
            return float(ps[c])
        return vt.dividend_scale(view, c)

    def _order(self, view: SeatView, rng: np.random.Generator) -> Action | None:
        books = vt.open_books(view)
        if not books:
            return None
        c = books[int(rng.integers(len(books)))]
        ref = self._reference(view, c)
        price = float(math.floor(rng.uniform(ref * (1 - self.price_width), ref * (1 + self.price_width))))
        side = "bid" if rng.random() < 0.5 else "ask"
        room = vt.bid_room(view, c)
        if side == "bid" and room < 0:
            side = "ask"
        elif side == "ask" and vt.ask_room(view, c) <= 0:
            side = "bid"
        if side == "ask" and vt.ask_room(view, c) <= 0:
            return None
        if side == "bid":
            if room < 0:
                return None
            price = float(min(price, math.floor(room)))
        now = bool(rng.random() < self.now_prob and vt.has_counterpart(view, c, side))
        return PostOrder(side=side, price=max(price, 0.0), condition=c, quantity=1, now=now)
