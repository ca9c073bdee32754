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

from econlab.game import jsnum as js
from econlab.game.engine import Game
from econlab.game.params import CONDITIONS, DEVELOPER, OWNER, ROLE_NAMES, SPECULATOR

_CONDITION_NAMES = [c["name"] for c in CONDITIONS]


@dataclass
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


@dataclass
class _Public:
    """The parts of a view that are the same for every seat at one game state."""

    players: list[dict[str, Any]]
    boundaries: dict[str, Any]
    first_declarations: list[dict[str, Any]] = field(default_factory=list)
    second_declarations: list[dict[str, Any]] = field(default_factory=list)
    winning_condition: int | None = None
    public_signal: list[Any] | None = None
    book: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    trades: list[dict[str, Any]] = field(default_factory=list)
    final_price: Any = None
    requests: list[dict[str, Any]] | None = None
    offer_after: Any = None
    outcome_w: int | None = None


_CACHE: weakref.WeakKeyDictionary[Game, tuple[int, _Public]] = weakref.WeakKeyDictionary()
_STATIC: weakref.WeakKeyDictionary[Game, tuple[list[dict[str, Any]], dict[str, Any]]] = weakref.WeakKeyDictionary()


def view(game: Game, seat: int) -> SeatView:
    """What ``seat`` may know now; see the module docstring."""
    p = game.by_seat.get(seat)
    if p is None:
        raise ValueError(f"unknown seat {seat!r}; seats are {game.seats}")
    pub = _public(game)
    phase = game.phase
    intro_seen = phase >= 1 or game.over
    v = SeatView(
        treatment=game.treatment,
        seat=seat,
        role=p.role,
        role_name=ROLE_NAMES[p.role],
        tag=p.tag,
        round=game.round,
        phase=phase,
        phase_name=game.phase_name,
        paid_rounds=game.params.round_count,
        practice=game.round == 0,
        over=game.over,
        accepted=game.accepted(seat),
        players=pub.players,
        conditions=_CONDITION_NAMES,
        boundaries=pub.boundaries,
        my_values=[p.lot.v[0], p.lot.v[1]] if p.lot is not None and intro_seen else None,
        my_summaries=list(p.summaries),
        my_profits={r.round: r.profits[seat] for r in game.results if seat in r.profits},
    )
    if game.treatment == "voting":
        _voting(game, p, v, pub)
    else:
        _market_game(game, p, v, pub)
    return v


def _public(game: Game) -> _Public:
    cached = _CACHE.get(game)
    if cached is not None and cached[0] == game.version:
        return cached[1]
    static = _STATIC.get(game)
    if static is None:
        static = ([{"number": q.number, "role": q.role, "tag": q.tag} for q in game.players],
                  copy.deepcopy(game.boundaries))
        _STATIC[game] = static
    pub = _Public(players=static[0], boundaries=static[1])
    if game.treatment == "voting":
        _voting_public(game, pub)
    else:
        _market_public(game, pub)
    _CACHE[game] = (game.version, pub)
    return pub


def _market_public(game: Any, pub: _Public) -> None:
    phase, futarchy, over = game.phase, game.treatment == "futarchy", game.over
    r = game.current
    if phase >= 3 or over:
        pub.first_declarations = _declarations(game, r.first_declarations)
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
    if phase >= 9 or over:
        pub.final_price = r.final_price


def _market_game(game: Any, p: Any, v: SeatView, pub: _Public) -> None:
    phase, futarchy, over = game.phase, game.treatment == "futarchy", game.over
    r = game.current
    v.tax_rate_initial = game.params.tax_rate_initial
    v.tax_rate_final = game.params.tax_rate_final
    rp = game.params.role(p.role)
    v.endowment = {"balance": rp.balance, "shares": rp.shares}
    w = game.winning_condition if (phase >= 3 or over) else None
    conditions = (0, 1) if futarchy else ((w,) if w is not None else ())
    if p.wallet:
        v.wallet = {c: {"balance": p.wallet[c].balance, "shares": p.wallet[c].shares} for c in conditions}
    if p.lot is not None:
        d = p.lot.d
        v.my_declaration = list(d) if isinstance(d, list) else d
    v.first_declarations = pub.first_declarations
    v.second_declarations = pub.second_declarations
    v.winning_condition = pub.winning_condition
    if pub.public_signal is not None:
        v.public_signal = pub.public_signal
        v.my_signals = [p.signals[0], p.signals[1]]
    v.book = pub.book
    v.trades = pub.trades
    v.done_speculating = bool(p.done_speculating) if p.role == SPECULATOR else False
    if (phase >= 7 if futarchy else phase >= 5) or over:
        v.first_snipes = _mine(r.snipe_outcomes1, p.number)
    if phase >= 9 or over:
        v.second_snipes = _mine(r.snipe_outcomes2, p.number)
        v.final_price = pub.final_price


def _declarations(game: Any, decls: dict[int, Any]) -> list[dict[str, Any]]:
    out = []
    for q in game.players:
        if q.lot is None:
            continue
        d = decls.get(q.number)
        out.append({"lot": q.lot.id, "seat": q.number, "role": q.role,
                    "d": [js.index(d, 0), js.index(d, 1)] if isinstance(d, list) else None})
    return out


def _mine(outcomes: list[dict[str, Any]], seat: int) -> list[dict[str, Any]]:
    return [o for o in outcomes if o["player"]["number"] == seat or o["target"]["number"] == seat]


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


def _voting(game: Any, p: Any, v: SeatView, pub: _Public) -> None:
    r = game.current
    v.my_request = None if js.is_nullish(p.requests) else p.requests
    if p.role == DEVELOPER:
        v.requests = pub.requests
    if pub.offer_after is not None:
        v.offer = pub.offer_after
    elif p.role == DEVELOPER and r.offer_sender == p.number:
        v.offer = r.offer
    v.my_vote = None if js.is_nullish(p.decisions) else p.decisions
    v.inbox = [m for m in r.chat if m.get("sender") == p.number or (isinstance(m.get("to"), list) and p.number in m["to"])]
    w = pub.outcome_w
    if w is not None:
        comp = js.index(pub.offer_after if pub.offer_after is not None else [0, 0], w)
        if p.role == DEVELOPER:
            comp = js.mul(-js.to_number(comp), len(game.players) - 1)
        v.outcome = {"condition": w, "tally": r.tally[w] if r.tally else None, "value": p.lot.v[w],
                     "compensation": comp}
