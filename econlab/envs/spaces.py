"""Scales, action kinds, canned chat messages and the gymnasium spaces of the IBEX envs.

Everything here depends only on the game parameters and the env options (never on a game in
progress), so the spaces are fixed at construction. The meaning of each key is documented in
:mod:`econlab.envs.ibex`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from gymnasium import spaces

from econlab.games.ibex.params import DEVELOPER, OWNER, SPECULATOR, GameParams
from econlab.games.ibex.state import make_players

#: action kinds, in the order of the ``kind`` Discrete and of ``action_mask``
KINDS: tuple[str, ...] = (
    "noop", "declare", "snipe", "bid", "ask", "market_bid", "market_ask", "cancel",
    "request", "offer", "vote", "chat",
)
KIND = {name: i for i, name in enumerate(KINDS)}
#: engine message type that each kind sends (``noop`` sends nothing)
KIND_TYPES: dict[str, str] = {
    "declare": "declare", "snipe": "done-speculating", "bid": "post-order", "ask": "post-order",
    "market_bid": "post-order", "market_ask": "post-order", "cancel": "cancel-order",
    "request": "compensation-request", "offer": "compensation-offer", "vote": "compensation-decision",
    "chat": "chat-with-players",
}
#: role one-hot order
ROLES: tuple[int, ...] = (SPECULATOR, DEVELOPER, OWNER)
#: the ``vote`` Discrete: abstain, no (No Project), yes (Project), as engine decision lists
VOTES: tuple[list[int], ...] = ([], [0], [1])
#: the ``chat_msg`` Discrete (Voting): canned English messages
CANNED_MESSAGES: tuple[str, ...] = (
    "Hello.",
    "I will vote for the project if the compensation is high enough.",
    "I will vote against the project.",
    "I will vote for the project.",
    "Please make a higher offer.",
    "This offer is fair; let us accept it.",
    "Let us all ask for the same compensation.",
    "I agree.",
)
#: size of the ``cancel`` Discrete (index into the seat's own resting orders of one book, by id)
MAX_CANCEL = 16
#: number of trades that maps to 1.0 in the ``trades`` observation
TRADE_COUNT_SCALE = 100.0
#: upper bound of the price action and of price observations, in units of the price scale
PRICE_HIGH = 2.0
#: upper bound of cash observations, in units of the role's initial balance
CASH_HIGH = 4.0
#: euros of round profit that map to 1.0 in the ``last_round`` observation
PROFIT_EUROS_SCALE = 100.0


@dataclass(frozen=True)
class Scales:
    """Layout and money scales of one env, derived from its game parameters.

    Attributes:
        treatment: The treatment.
        n_players: Number of seats.
        n_lots: Number of lots (owners + developer); lot ``j`` (0-based) has property id ``j + 1``.
        n_phases: Phases per round.
        seat_roles: Role code of each seat, in seat order.
        lot_roles: Role code of each lot's holder, in lot order.
        lot_cap: ``2 * high`` per holder role and condition (the declaration cap).
        value_scale: The largest declaration cap (scale of the ``boundaries`` observation).
        price_scale: ``max_c(sum of the lots' high bounds under c) * tau2 / 10000``: the dividend per
            share if every lot were declared at its high bound (prices, signals).
        share_scale: Tax shares held by all players together at round start.
        cash_scale: Initial cash balance per role (wallet cash).
        amount_scale: The developer's high bound under Project (Voting requests and offers).
        euro_factor: Points per euro (``reward_scale_factor``) per role.
    """

    treatment: str
    n_players: int
    n_lots: int
    n_phases: int
    seat_roles: tuple[int, ...]
    lot_roles: tuple[int, ...]
    lot_cap: dict[int, tuple[float, float]]
    value_scale: float
    price_scale: float
    share_scale: float
    cash_scale: dict[int, float]
    amount_scale: float
    euro_factor: dict[int, float]

    @classmethod
    def from_params(cls, params: GameParams) -> Scales:
        """Derive the scales of ``params`` (zero bounds fall back to 1 so nothing divides by 0)."""
        players = make_players(params.owners.count, params.speculators.count)
        seat_roles = tuple(p.role for p in players)
        lot_roles = tuple(p.role for p in players if p.lot is not None)
        cap = {r: tuple(float(2 * params.role(r).high(c)) or 1.0 for c in (0, 1)) for r in (DEVELOPER, OWNER)}
        sums = [sum(params.role(r).high(c) for r in lot_roles) for c in (0, 1)]
        price = max(sums) * params.tax_rate_final / 10000
        shares = sum(params.role(r).shares * params.role(r).count for r in ROLES)
        return cls(
            treatment=params.game_type,
            n_players=len(players),
            n_lots=len(lot_roles),
            n_phases=len(params.timers),
            seat_roles=seat_roles,
            lot_roles=lot_roles,
            lot_cap=cap,  # type: ignore[arg-type]
            value_scale=max(max(v) for v in cap.values()),
            price_scale=float(price) if price > 0 else 1.0,
            share_scale=float(shares) if shares > 0 else 1.0,
            cash_scale={r: float(params.role(r).balance) or 1.0 for r in ROLES},
            amount_scale=float(params.developers.high(1)) or 1.0,
            euro_factor={r: float(params.role(r).reward_scale_factor) for r in ROLES},
        )

    @property
    def market(self) -> bool:
        """Whether the treatment has declarations and markets (Harberger, Futarchy)."""
        return self.treatment != "voting"

    @property
    def n_owners(self) -> int:
        """Number of owners."""
        return sum(1 for r in self.seat_roles if r == OWNER)


def _box(shape: tuple[int, ...], low: float = 0.0, high: float = 1.0) -> spaces.Box:
    return spaces.Box(low=np.float32(low), high=np.float32(high), shape=shape, dtype=np.float32)


def observation_space(sc: Scales) -> spaces.Dict:
    """The observation space of one agent (all agents of an env have equal, separate spaces)."""
    keys: dict[str, spaces.Space[Any]] = {
        "phase": _box((sc.n_phases,)),
        "round": _box((2,)),
        "tick": _box((1,)),
        "seat": _box((sc.n_players,)),
        "role": _box((len(ROLES),)),
        "my_values": _box((2,)),
        "boundaries": _box((2, 2, 2)),
        "last_round": _box((4,), -1.0),
        "action_mask": spaces.MultiBinary(len(KINDS)),
    }
    if sc.market:
        keys.update({
            "my_declaration": _box((3,), -1.0),
            "first_declarations": _box((sc.n_lots, 3), -1.0),
            "second_declarations": _box((sc.n_lots, 3), -1.0),
            "winning_condition": _box((2,)),
            "my_signals": _box((2,), 0.0, PRICE_HIGH),
            "public_signal": _box((2,), 0.0, PRICE_HIGH),
            "wallet": _box((2, 3), 0.0, CASH_HIGH),
            "book": _box((2, 7), 0.0, PRICE_HIGH),
            "trades": _box((2, 4), 0.0, PRICE_HIGH),
        })
    else:
        keys.update({
            "my_request": _box((2,)),
            "requests": _box((sc.n_owners, 2)),
            "offer": _box((2,), -1.0),
            "my_vote": _box((len(VOTES),)),
            "outcome": _box((5,), -1.0),
            "inbox": _box((sc.n_players, len(CANNED_MESSAGES))),
        })
    return spaces.Dict(keys)


class KindMaskedDict(spaces.Dict):
    """A ``Dict`` action space whose :meth:`sample` also takes the kind mask (``obs["action_mask"]``).

    ``sample(mask=array)`` draws ``kind`` uniformly among the allowed kinds and every parameter
    uniformly from its space; this is what ``pettingzoo.test.parallel_api_test`` calls. A ``dict``
    mask (one entry per key, gymnasium's convention) still works.
    """

    def sample(self, mask: Any = None, probability: Any = None) -> dict[str, Any]:
        """Sample an action (see the class docstring)."""
        if isinstance(mask, np.ndarray):
            out = {k: s.sample() for k, s in self.spaces.items() if k != "kind"}
            out["kind"] = self.spaces["kind"].sample(mask=mask.astype(np.int8))
            return {k: out[k] for k in self.spaces}
        return super().sample(mask=mask, probability=probability)


def action_space(sc: Scales) -> KindMaskedDict:
    """The action space of one agent."""
    keys: dict[str, spaces.Space[Any]] = {"kind": spaces.Discrete(len(KINDS))}
    if sc.market:
        keys.update({
            "declaration": _box((2,)),
            "snipe": spaces.MultiBinary((2, sc.n_lots)),
            "price": _box((1,), 0.0, PRICE_HIGH),
            "condition": spaces.Discrete(2),
            "cancel": spaces.Discrete(MAX_CANCEL),
        })
    else:
        keys.update({
            "amount": _box((1,)),
            "vote": spaces.Discrete(len(VOTES)),
            "chat_to": spaces.MultiBinary(sc.n_players),
            "chat_msg": spaces.Discrete(len(CANNED_MESSAGES)),
        })
    return KindMaskedDict(keys)
