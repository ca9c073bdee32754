"""What one seat may know now: the single source for RL observations, LLM prompts and server events.

:func:`view` reads the game state and keeps only what the seat has been shown by the lab's own
events at this point of the round (``ibex-rules.md`` §1.6, ``ibex-voting.md`` §1.3): its own values
and signals, published declarations, the public order book, its own snipe outcomes, and in Voting
the requests (developer, from the offer phase), the offer (owners, after the offer phase) and the
chat messages addressed to it. Nothing in a view belongs to another seat's private information.

Views are snapshots: later moves of the game do not change a view already taken. The public part is
built once per game state and shared by the views of all seats, so treat a view as read-only.
"""

from __future__ import annotations

import copy
import weakref
from dataclasses import asdict, dataclass, field
from typing import Any

from econlab.games.ibex import jsnum as js
from econlab.games.ibex.engine import Game
from econlab.games.ibex.params import CONDITIONS, DEVELOPER, OWNER, ROLE_NAMES, SPECULATOR

_CONDITION_NAMES = [c["name"] for c in CONDITIONS]


@dataclass(slots=True)
class SeatView:
    """Everything a seat may know at one moment (``to_dict`` gives JSON-compatible data).

    Absent information is ``None`` (or empty). Money is in the lab's points.
    """

    treatment: str
    seat: int
    role: int
    role_name: str
    tag: str
    round: int
    phase: int
    phase_name: str
    paid_rounds: int
    practice: bool
    over: bool
    accepted: list[str]
    players: list[dict[str, Any]]
    conditions: list[str]
    boundaries: dict[str, Any]
    my_values: list[float] | None = None
    my_summaries: list[dict[str, Any]] = field(default_factory=list)
    my_profits: dict[int, Any] = field(default_factory=dict)
    # Harberger / Futarchy
    tax_rate_initial: float | None = None
    tax_rate_final: float | None = None
    wallet: dict[int, dict[str, Any]] = field(default_factory=dict)
    endowment: dict[str, Any] = field(default_factory=dict)
    my_declaration: Any = None
    first_declarations: list[dict[str, Any]] = field(default_factory=list)
    second_declarations: list[dict[str, Any]] = field(default_factory=list)
    winning_condition: int | None = None
    public_signal: list[Any] | None = None
    my_signals: list[Any] | None = None
    book: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    trades: list[dict[str, Any]] = field(default_factory=list)
    done_speculating: bool = False
    first_snipes: list[dict[str, Any]] | None = None
    second_snipes: list[dict[str, Any]] | None = None
    final_price: Any = None
    # Voting
    my_request: Any = None
    requests: list[dict[str, Any]] | None = None
    offer: Any = None
    my_vote: Any = None
    inbox: list[dict[str, Any]] = field(default_factory=list)
    outcome: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        """The view as JSON-compatible data (a deep copy)."""
        return js.to_json(asdict(self))


@dataclass(slots=True)
class _Public:
    """The parts of a view that are the same for every seat at one game state.

    Besides the shared fields it holds what the seat-specific fields are derived from: which
    wallets are shown, and the snipe outcomes grouped by the seats they concern.
    """

    phase_name: str
    first_declarations: list[dict[str, Any]] = field(default_factory=list)
    second_declarations: list[dict[str, Any]] = field(default_factory=list)
    winning_condition: int | None = None
    public_signal: list[Any] | None = None
    book: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    trades: list[dict[str, Any]] = field(default_factory=list)
    final_price: Any = None
    wallet_conditions: tuple[int, ...] = ()
    first_snipes: dict[Any, list[dict[str, Any]]] | None = None
    second_snipes: dict[Any, list[dict[str, Any]]] | None = None
    requests: list[dict[str, Any]] | None = None
    offer_after: Any = None
    outcome_w: int | None = None


class _GameCache:
    """What views of one game reuse: its fixed parts, and the public part of its latest state."""

    __slots__ = ("boundaries", "endowments", "paid_rounds", "players", "public", "tax_rate_final", "tax_rate_initial",
                 "treatment", "voting")

    def __init__(self, game: Game) -> None:
        params = game.params
        self.players = [{"number": q.number, "role": q.role, "tag": q.tag} for q in game.players]
        self.boundaries = copy.deepcopy(game.boundaries)
        self.paid_rounds = params.round_count
        self.treatment = game.treatment
        self.voting = game.treatment == "voting"
        self.tax_rate_initial, self.tax_rate_final = params.tax_rate_initial, params.tax_rate_final
        self.endowments = {q.role: (params.role(q.role).balance, params.role(q.role).shares) for q in game.players}
        #: ``(game.version, public part)`` of the latest state asked about (one attribute: replaced at once)
        self.public: tuple[int, _Public] | None = None


_CACHE: weakref.WeakKeyDictionary[Game, _GameCache] = weakref.WeakKeyDictionary()
#: the game of the latest lookup and its cache entry (most calls ask about the same game)
_last: tuple[weakref.ref[Game], _GameCache] | None = None


def view(game: Game, seat: int) -> SeatView:
    """What ``seat`` may know now; see the module docstring."""
    p = game.by_seat.get(seat)
    if p is None:
        raise ValueError(f"unknown seat {seat!r}; seats are {game.seats}")
    last = _last
    gc = last[1] if last is not None and last[0]() is game else _cache(game)
    cached = gc.public
    pub = cached[1] if cached is not None and cached[0] == game.version else _public(game, gc)
    phase, over, rnd, role = game.phase, game.over, game.round, p.role
    lot = p.lot
    my_values = [lot.v[0], lot.v[1]] if lot is not None and (phase >= 1 or over) else None
    my_profits = {r.round: r.profits[seat] for r in game.results if seat in r.profits}
    # SeatView's fields are passed in declaration order (positionally: this runs for every seat at every step)
    if gc.voting:
        return SeatView(gc.treatment, seat, role, ROLE_NAMES[role], p.tag, rnd, phase, pub.phase_name,
                        gc.paid_rounds, rnd == 0, over, game.accepted(seat), gc.players, _CONDITION_NAMES,
                        gc.boundaries, my_values, list(p.summaries), my_profits,
                        None, None, {}, {}, None, [], [], None, None, None, {}, [], False, None, None, None,
                        *_voting(game, p, pub))
    wallet = {}
    if p.wallet:
        for c in pub.wallet_conditions:
            w = p.wallet[c]
            wallet[c] = {"balance": w.balance, "shares": w.shares}
    declaration = None
    if lot is not None:
        d = lot.d
        declaration = list(d) if isinstance(d, list) else d
    balance, shares = gc.endowments[role]
    snipes1, snipes2 = pub.first_snipes, pub.second_snipes
    return SeatView(gc.treatment, seat, role, ROLE_NAMES[role], p.tag, rnd, phase, pub.phase_name,
                    gc.paid_rounds, rnd == 0, over, game.accepted(seat), gc.players, _CONDITION_NAMES,
                    gc.boundaries, my_values, list(p.summaries), my_profits,
                    # Harberger / Futarchy
                    gc.tax_rate_initial, gc.tax_rate_final, wallet, {"balance": balance, "shares": shares},
                    declaration, pub.first_declarations, pub.second_declarations, pub.winning_condition,
                    pub.public_signal, [p.signals[0], p.signals[1]] if pub.public_signal is not None else None,
                    pub.book, pub.trades, bool(p.done_speculating) if role == SPECULATOR else False,
                    None if snipes1 is None else list(snipes1.get(seat, ())),
                    None if snipes2 is None else list(snipes2.get(seat, ())), pub.final_price,
                    # Voting
                    None, None, None, None, [], None)


def _cache(game: Game) -> _GameCache:
    global _last
    last = _last
    if last is not None and last[0]() is game:
        return last[1]
    gc = _CACHE.get(game)
    if gc is None:
        gc = _CACHE[game] = _GameCache(game)
    _last = (weakref.ref(game), gc)
    return gc


def _public(game: Game, gc: _GameCache) -> _Public:
    cached = gc.public
    if cached is not None and cached[0] == game.version:
        return cached[1]
    pub = _Public(game.phase_name)
    if gc.voting:
        _voting_public(game, pub)
    else:
        _market_public(game, pub)
    gc.public = (game.version, pub)
    return pub


def _market_public(game: Any, pub: _Public) -> None:
    phase, futarchy, over = game.phase, game.treatment == "futarchy", game.over
    r = game.current
    if phase >= 3 or over:
        pub.first_declarations = _declarations(game, r.first_declarations)
        w = game.winning_condition
        pub.wallet_conditions = (0, 1) if futarchy else ((w,) if w is not None else ())
    elif futarchy:
        pub.wallet_conditions = (0, 1)
    if phase >= 8 or over:
        pub.second_declarations = _declarations(game, r.second_declarations)
    if (phase >= 7 if futarchy else phase >= 3) or over:
        pub.winning_condition = game.winning_condition
    if phase >= 5 or over:
        pub.public_signal = list(game.public_signal)
    if phase == 6 and not over:
        pub.book = {c: [o.to_json() for o in b.orders] for c, b in game.books.items()}
        pub.trades = [t for c in sorted(game.books) for t in game.books[c].trades]
    elif phase > 6 or over:
        pub.trades = list(r.trades)
    if (phase >= 7 if futarchy else phase >= 5) or over:
        pub.first_snipes = _by_seat(r.snipe_outcomes1)
    if phase >= 9 or over:
        pub.second_snipes = _by_seat(r.snipe_outcomes2)
        pub.final_price = r.final_price


def _declarations(game: Any, decls: dict[int, Any]) -> list[dict[str, Any]]:
    out = []
    for q in game.players:
        if q.lot is None:
            continue
        d = decls.get(q.number)
        out.append({"lot": q.lot.id, "seat": q.number, "role": q.role,
                    "d": [js.index(d, 0), js.index(d, 1)] if isinstance(d, list) else None})
    return out


def _by_seat(outcomes: list[dict[str, Any]]) -> dict[Any, list[dict[str, Any]]]:
    """Snipe outcomes by seat: those where the seat sniped or was sniped, in their order."""
    out: dict[Any, list[dict[str, Any]]] = {}
    for o in outcomes:
        sniper, target = o["player"]["number"], o["target"]["number"]
        out.setdefault(sniper, []).append(o)
        if target != sniper:
            out.setdefault(target, []).append(o)
    return out


def _voting_public(game: Any, pub: _Public) -> None:
    phase, over = game.phase, game.over
    r = game.current
    if phase >= 4 or over:
        pub.requests = [{"seat": q.number, "request": None if js.is_nullish(q.requests) else q.requests}
                        for q in game.players if q.role == OWNER]
    if phase >= 5 or over:
        pub.offer_after = game._offer_or_zero(r.offer)
    if (phase == 7 or over) and r.condition is not None:
        pub.outcome_w = r.condition


def _voting(game: Any, p: Any, pub: _Public) -> tuple[Any, ...]:
    """The Voting fields of ``p``'s view, in SeatView's order (``my_request`` ... ``outcome``)."""
    r = game.current
    seat = p.number
    developer = p.role == DEVELOPER
    offer = pub.offer_after
    if offer is None and developer and r.offer_sender == seat:
        offer = r.offer
    inbox = [m for m in r.chat if m.get("sender") == seat or (isinstance(m.get("to"), list) and seat in m["to"])]
    outcome = None
    w = pub.outcome_w
    if w is not None:
        comp = js.index(pub.offer_after if pub.offer_after is not None else [0, 0], w)
        if developer:
            comp = js.mul(-js.to_number(comp), len(game.players) - 1)
        outcome = {"condition": w, "tally": r.tally[w] if r.tally else None, "value": p.lot.v[w],
                   "compensation": comp}
    return (None if js.is_nullish(p.requests) else p.requests, pub.requests if developer else None, offer,
            None if js.is_nullish(p.decisions) else p.decisions, inbox, outcome)
