"""What one seat may know now: the single source for RL observations, LLM prompts and server events.

:func:`view` reads the game state and keeps only what the seat has been shown by the lab's own
events at this point of the round (``ibex-rules.md`` §1.6, ``ibex-voting.md`` §1.3): its own values
and signals, published declarations, the public order book, its own snipe outcomes, and in Voting
the requests (developer, from the offer phase), the offer (owners, after the offer phase) and the
chat messages addressed to it. Nothing in a view belongs to another seat's private information.
"""

from __future__ import annotations

import copy
from dataclasses import asdict, dataclass, field
from typing import Any

from econlab.game import jsnum as js
from econlab.game.engine import Game
from econlab.game.params import CONDITIONS, DEVELOPER, OWNER, ROLE_NAMES, SPECULATOR


@dataclass
class SeatView:
    """Everything a seat may know at one moment (plain data; ``to_dict`` gives JSON).

    Attributes mirror the lab's events; absent information is ``None`` (or empty).
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
        """The view as JSON-compatible data."""
        return js.to_json(asdict(self))


def view(game: Game, seat: int) -> SeatView:
    """What ``seat`` may know now; see the module docstring."""
    p = game.by_seat.get(seat)
    if p is None:
        raise ValueError(f"unknown seat {seat!r}; seats are {game.seats}")
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
        players=[{"number": q.number, "role": q.role, "tag": q.tag} for q in game.players],
        conditions=[c["name"] for c in CONDITIONS],
        boundaries=copy.deepcopy(game.boundaries),
        my_values=list(p.lot.v[:2]) if p.lot is not None and intro_seen else None,
        my_summaries=copy.deepcopy(p.summaries),
        my_profits={r.round: r.profits[seat] for r in game.results if seat in r.profits},
    )
    if game.treatment == "voting":
        _voting(game, p, v)
    else:
        _market_game(game, p, v)
    return v


def _market_game(game: Any, p: Any, v: SeatView) -> None:
    phase, futarchy = game.phase, game.treatment == "futarchy"
    r = game.current
    v.tax_rate_initial = game.params.tax_rate_initial
    v.tax_rate_final = game.params.tax_rate_final
    rp = game.params.role(p.role)
    v.endowment = {"balance": rp.balance, "shares": rp.shares}
    done_round = game.over
    conditions = (0, 1) if futarchy else ((game.winning_condition,) if game.winning_condition is not None else ())
    v.wallet = {c: {"balance": p.wallet[c].balance, "shares": p.wallet[c].shares} for c in conditions if p.wallet}
    if p.lot is not None:
        v.my_declaration = copy.deepcopy(p.lot.d)
    if phase >= 3 or done_round:
        v.first_declarations = _declarations(game, r.first_declarations)
    if phase >= 8 or done_round:
        v.second_declarations = _declarations(game, r.second_declarations)
    if futarchy:
        if phase >= 7 or done_round:
            v.winning_condition = game.winning_condition
    elif phase >= 3 or done_round:
        v.winning_condition = game.winning_condition
    if phase >= 5 or done_round:
        v.public_signal = list(game.public_signal)
        v.my_signals = list(p.signals[:2])
    if phase == 6:
        v.book = {c: [o.to_json() for o in b.orders] for c, b in game.books.items()}
    if phase >= 6 or done_round:
        v.trades = copy.deepcopy([t for c in sorted(game.books) for t in game.books[c].trades]) if phase == 6 \
            else copy.deepcopy(r.trades)
    v.done_speculating = bool(p.done_speculating) if p.role == SPECULATOR else False
    first_known = (phase >= 5) if not futarchy else (phase >= 7)
    if first_known or done_round:
        v.first_snipes = _mine(r.snipe_outcomes1, p.number)
    if phase >= 9 or done_round:
        v.second_snipes = _mine(r.snipe_outcomes2, p.number)
        v.final_price = r.final_price


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
    return copy.deepcopy([o for o in outcomes if o["player"]["number"] == seat or o["target"]["number"] == seat])


def _voting(game: Any, p: Any, v: SeatView) -> None:
    phase = game.phase
    r = game.current
    v.my_request = copy.deepcopy(p.requests) if not js.is_nullish(p.requests) else None
    if p.role == DEVELOPER and (phase >= 4 or game.over):
        v.requests = [{"seat": q.number, "request": copy.deepcopy(q.requests) if not js.is_nullish(q.requests) else None}
                      for q in game.players if q.role == OWNER]
    if (p.role == OWNER and phase >= 5) or (p.role == DEVELOPER and r.offer_sender == p.number) or game.over:
        v.offer = copy.deepcopy(game._offer_or_zero(r.offer)) if phase >= 5 or game.over else copy.deepcopy(r.offer)
    v.my_vote = copy.deepcopy(p.decisions) if not js.is_nullish(p.decisions) else None
    v.inbox = [copy.deepcopy(m) for m in r.chat if isinstance(m.get("to"), list) and p.number in m["to"]
               or m.get("sender") == p.number]
    if (phase == 7 or game.over) and r.condition is not None:
        w = r.condition
        offer = game._offer_or_zero(r.offer)
        comp = js.index(offer, w)
        if p.role == DEVELOPER:
            comp = js.mul(-js.to_number(comp), len(game.players) - 1)
        v.outcome = {"condition": w, "tally": r.tally[w] if r.tally else None, "value": p.lot.v[w],
                     "compensation": comp}
