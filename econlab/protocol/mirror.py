"""A seat's :class:`~econlab.games.ibex.view.SeatView` rebuilt from the server's events (client side).

The client cannot run an engine replica: it never sees other seats' private values nor the
incoming price of orders that trade at once. It rebuilds the view field by field from what the
server sends this seat, i.e. exactly the information :func:`econlab.games.ibex.view.view` allows:

=====================  ==============================================================================
view field             source
=====================  ==============================================================================
round, phase, over     ``phase-transition``, ``game-over``
role, tag, players     ``status`` (REST), ``players-known``
my_values, wallet      ``assign-role`` (``property.v``, ``wallet``), then ``asset-movement``
my_declaration         what this seat declared (``declaration-received``), then ``declarations-published``
first/second decls     ``declarations-published`` (phase 3 / 8 entry); winning condition there (Harberger)
                       or from ``winning-condition`` (Futarchy, visible from phase 7)
signals                ``value-signals``
book, trades           ``add-order`` / ``update-order`` / ``delete-order``, ``contract-fulfilled``
snipes, final price    ``first-snipes``, ``second-snipes``, ``final-price``
summaries, profits     ``round-summary`` (profit recomputed with the engine's formula)
Voting                 ``compensation-*`` events, ``message-received``, ``final-profit``
accepted               the treatment's handler table for (phase, role), as the engine's ``accepted``
=====================  ==============================================================================

Known gaps: the server does not echo a seat's own chat lines; they are added to ``inbox`` after the
lines received in the same tick, with ``time`` ``None`` (the server's view orders them by arrival).
After a reconnection, :meth:`Mirror.resync` restores round, phase, wallet, declarations, winning condition, signals,
book and trades from ``status``; events of earlier phases missed while disconnected (snipe
outcomes, summaries) stay missing.
"""

from __future__ import annotations

import copy
from typing import Any

from pydantic import ValidationError

from econlab.games.ibex import GAME_CLASSES, GameParams
from econlab.games.ibex import jsnum as js
from econlab.games.ibex.harberger import summary_profit
from econlab.games.ibex.params import CONDITIONS, DEVELOPER, OWNER, ROLE_NAMES, SPECULATOR
from econlab.games.ibex.view import SeatView
from econlab.protocol import lab_rest

_CONDITION_NAMES = [c["name"] for c in CONDITIONS]


class Mirror:
    """What one seat knows, kept up to date from server events."""

    def __init__(self, treatment: str, params: GameParams, seat: int, role: int, tag: str,
                 players: list[dict[str, Any]], compat: str = "strict") -> None:
        """Start from what ``status`` tells a seat that just joined."""
        if treatment not in GAME_CLASSES:
            raise ValueError(f"unknown treatment {treatment!r}")
        self.treatment, self.params, self.seat, self.role, self.tag = treatment, params, seat, role, tag
        self.players = [dict(p) for p in players]
        self.compat = compat
        self.cls = GAME_CLASSES[treatment]
        rp = params.role(role)
        self.endowment = {"balance": rp.balance, "shares": rp.shares}
        self.boundaries: dict[str, Any] = {
            ROLE_NAMES[c]: {k["key"]: {"low": params.role(c).low(k["id"]), "high": params.role(c).high(k["id"])}
                            for k in CONDITIONS} for c in (DEVELOPER, OWNER)}
        self.round, self.phase, self.over = (0 if params.practice_round else 1), 0, False
        self.summaries: list[dict[str, Any]] = []
        self.profits: dict[int, Any] = {}
        self.values: list[Any] | None = None
        self._new_round()

    # ------------------------------------------------------------------ state
    def _new_round(self) -> None:
        self.wallet = [dict(self.endowment) for _ in range(3)]
        self.declaration: Any = None
        self.first: list[dict[str, Any]] = []
        self.second: list[dict[str, Any]] = []
        self.w: int | None = None
        self.w_futarchy: int | None = None
        self.public_signal: list[Any] | None = None
        self.signals: list[Any] | None = None
        self.books: dict[int, list[dict[str, Any]]] = {}
        self.live_trades: dict[int, list[dict[str, Any]]] = {}
        self.round_trades: list[dict[str, Any]] = []
        self.done = False
        self.snipes1: list[dict[str, Any]] = []
        self.snipes2: list[dict[str, Any]] = []
        self.final_price: Any = None
        self.my_request: Any = None
        self.requests: list[dict[str, Any]] | None = None
        self.own_offer: Any = None
        self.offer_made: Any = None
        self.my_vote: Any = None
        self.inbox: list[dict[str, Any]] = []
        self._own_chat: list[dict[str, Any]] = []
        self.outcome: dict[str, Any] | None = None

    def sent(self, msg: dict[str, Any]) -> None:
        """Note a message this seat sent (what the server confirms without repeating it)."""
        t = msg.get("type")
        if t == "declare":
            self._pending_declaration = copy.deepcopy(msg.get("declaration"))
        elif t == "compensation-decision":
            self._pending_vote = copy.deepcopy(msg.get("compensationDecisions"))
        elif t == "chat-with-players" and isinstance(msg.get("to"), list) and msg.get("to"):
            if self.seat not in msg["to"]:
                self._own_chat.append({"time": None, "sender": self.seat, "to": copy.deepcopy(msg["to"]),
                                       "text": msg.get("text"), "phase": self.phase})

    def flush_own_chat(self) -> None:
        """Add this seat's own chat lines of the last tick to the inbox (after the lines it received).

        The server does not echo a seat's own lines, nor say where they fell among the lines of that
        tick, so they go last, with ``time`` ``None``.
        """
        self.inbox.extend(self._own_chat)
        self._own_chat = []

    # ------------------------------------------------------------------ events
    def on_event(self, kind: str, data: Any) -> None:  # noqa: C901 - one branch per event type
        """Update from one server event (``eventType`` and ``data``)."""
        d = data if isinstance(data, dict) else {}
        if kind == "phase-transition":
            r, n = d.get("round"), d.get("phase")
            if n == 0 and (r != self.round or self.phase != 0):
                self._new_round()
                self.values = None
            self.round, self.phase = r, n
            if self.treatment == "voting" and n in (3, 6):
                self.flush_own_chat()
            if n in (2, 7) and self.treatment != "voting":
                self.declaration = None
            if n == 6 and self.treatment != "voting":
                conds = (0, 1) if self.treatment == "futarchy" else (self.w,)
                self.books = {c: [] for c in conds if c is not None}
                self.live_trades = {c: [] for c in self.books}
            if n == 7 and self.treatment != "voting":
                self.round_trades = [t for c in sorted(self.live_trades) for t in self.live_trades[c]]
        elif kind == "assign-role":
            prop = d.get("property")
            if isinstance(prop, dict) and isinstance(prop.get("v"), list):
                self.values = [prop["v"][0], prop["v"][1]]
            for c, w in enumerate(d.get("wallet") or []):
                self.wallet[c] = {"balance": w.get("balance"), "shares": w.get("shares")}
        elif kind == "players-known":
            self.players = [dict(p) for p in d.get("players", self.players)]
        elif kind == "declaration-received":
            self.declaration = getattr(self, "_pending_declaration", None)
        elif kind == "declarations-published":
            decls = [{"lot": e.get("id"), "seat": e.get("number"), "role": e.get("role"),
                      "d": [js.index(e["d"], 0), js.index(e["d"], 1)] if isinstance(e.get("d"), list) else None}
                     for e in d.get("declarations", [])]
            decls.sort(key=lambda e: e["seat"])
            mine = next((e for e in d.get("declarations", []) if e.get("number") == self.seat), None)
            if mine is not None:
                self.declaration = copy.deepcopy(mine.get("d"))
            if self.phase < 7:
                self.first = decls
                self.done = False
            else:
                self.second = decls
                self.done = False
            if "winningCondition" in d:
                self.w = d["winningCondition"]
        elif kind == "speculation-received":
            self.done = True
        elif kind == "value-signals":
            self.public_signal = list(d.get("publicSignal", []))
            s = d.get("signals") or [None, None]
            self.signals = [s[0], s[1]]
        elif kind == "add-order":
            o = d["order"]
            self.books.setdefault(o["condition"], []).append(dict(o))
        elif kind == "update-order":
            o = d["order"]
            for x in self.books.get(o["condition"], []):
                if x["id"] == o["id"]:
                    x["quantity"] = o.get("quantity", x["quantity"])
        elif kind == "delete-order":
            o = d["order"]
            self.books[o["condition"]] = [x for x in self.books.get(o["condition"], []) if x["id"] != o["id"]]
        elif kind == "contract-fulfilled":
            t = {"from": d.get("from"), "to": d.get("to"), "price": d.get("price"), "quantity": 1,
                 "condition": d.get("condition"), "median": d.get("median")}
            self.live_trades.setdefault(d.get("condition"), []).append(t)
        elif kind == "asset-movement":
            self.wallet[d["condition"]] = {"balance": d.get("balance"), "shares": d.get("shares")}
        elif kind == "winning-condition":
            self.w_futarchy = d.get("winningCondition")
            self.round_trades = [t for c in sorted(self.live_trades) for t in self.live_trades[c]]
        elif kind == "first-snipes":
            self.snipes1 = copy.deepcopy(d.get("snipes", []))
            if self.treatment == "harberger":
                self.done = False  # the engine clears the flag when it pays the first snipes
        elif kind == "second-snipes":
            self.snipes2 = copy.deepcopy(d.get("snipes", []))
        elif kind == "final-price":
            self.final_price = d.get("price")
        elif kind == "round-summary":
            self.summaries.append(copy.deepcopy(d))
            self.profits[d.get("round")] = self._profit(d)
        elif kind == "compensation-request-received":
            self.my_request = copy.deepcopy(d.get("compensationRequests"))
        elif kind == "compensation-requests-received":
            owners = {p["number"] for p in self.players if p.get("role") == OWNER}
            self.requests = [{"seat": e["number"], "request": None if js.is_nullish(e.get("compensationRequests"))
                              else e["compensationRequests"]} for e in d.get("compensationRequests", [])
                             if e.get("number") in owners]
        elif kind == "compensation-offer-received":
            self.own_offer = copy.deepcopy(d.get("compensationOffers"))
        elif kind == "compensation-offer-made":
            self.offer_made = copy.deepcopy(d.get("compensationOffers"))
        elif kind == "compensation-decision-received":
            self.my_vote = getattr(self, "_pending_vote", None)
        elif kind == "message-received":
            self.inbox.append({"time": d.get("time"), "sender": d.get("sender"), "to": copy.deepcopy(d.get("to")),
                               "text": d.get("text"), "phase": self.phase})
        elif kind == "final-profit":
            self.outcome = {"condition": d.get("condition"), "tally": d.get("tally"), "value": self._value_at(d),
                            "compensation": d.get("compensation")}
        elif kind == "game-over":
            self.over = True

    def _value_at(self, d: dict[str, Any]) -> Any:
        return d.get("value")

    def _profit(self, s: dict[str, Any]) -> Any:
        if self.treatment == "voting":
            if "profit" in s:
                return s["profit"]
            return js.add(s.get("value"), s.get("compensation"))
        return summary_profit(s)

    # ------------------------------------------------------------------ resync
    def resync(self, status: dict[str, Any]) -> None:
        """Restore the current round's state from ``GET /games/status`` data after a reconnection.

        ``status`` is validated with :mod:`econlab.protocol.lab_rest` (the lab server's shapes, which
        ``econlab serve`` shares); a shape it does not know raises ``ValueError`` naming the field.
        What the lab's status does not carry stays as the mirror last knew it: second declarations
        (published at phase 8), signals outside the market phase, snipe events, chat lines of other
        phases. Trades restored from ``movementList`` carry the condition's median at the time of the
        status call, not the median announced with each trade.
        """
        try:
            gd = lab_rest.parse_status(status).game_data()
        except ValidationError as exc:
            err = exc.errors()[0]
            raise ValueError(f"status: unexpected shape at {'.'.join(map(str, err['loc']))}: {err['msg']}") from exc
        g = gd.game
        new_round = g.round != self.round or (g.phase == 6) != (self.phase == 6)
        if g.round != self.round:
            self._new_round()
        self.round, self.phase, self.over = g.round, g.phase, g.over
        self.players = [r.model_dump() for r in g.players]
        prop = gd.player.property
        if prop is not None and self.phase >= 1:
            self.values = [prop.v[0], prop.v[1]]
        if isinstance(gd, lab_rest.VotingGameData):
            self._resync_voting(gd)
        else:
            self._resync_market(gd, new_round)
        server = [s.model_dump(exclude_none=True) for s in reversed(gd.player.summaries)]
        practice = [s for s in self.summaries if s.get("round") == 0]
        if len(server) > len(self.summaries) - len(practice):  # the lab leaves the practice round out
            self.summaries = practice + server
            self.profits = {s.get("round"): self._profit(s) for s in self.summaries}

    def _resync_market(self, gd: lab_rest.MarketGameData, new_round: bool) -> None:
        g, p = gd.game, gd.player
        for c, w in enumerate(p.wallet):
            self.wallet[c] = {"balance": w.balance, "shares": w.shares}
        if g.winningCondition is not None:
            if self.treatment == "futarchy":
                self.w_futarchy = g.winningCondition
            self.w = g.winningCondition
        if g.declarations is not None:
            self.first = sorted(({"lot": e.id, "seat": e.number, "role": e.role,
                                  "d": [js.index(e.d, 0), js.index(e.d, 1)] if isinstance(e.d, list) else None}
                                 for e in g.declarations), key=lambda e: e["seat"])
        if p.property is not None:
            d = p.property.d
            if d is not None:
                self.declaration = list(d)
            elif self.phase in (2, 7):
                self.declaration = None  # not declared yet in this declaration phase
            else:  # declared by default (the server used the lower bound): the published entry tells
                mine = next((e for e in g.declarations or [] if e.number == self.seat), None)
                if mine is not None and self.phase < 7:
                    self.declaration = copy.deepcopy(mine.d)
        if self.phase in (3, 8) and p.doneSpeculating is not None:
            self.done = p.doneSpeculating
        if g.publicSignal is not None:
            self.public_signal = list(g.publicSignal)
        if p.signals is not None:
            self.signals = [p.signals[0], p.signals[1]]
        if g.orders is not None:
            conds = (0, 1) if self.treatment == "futarchy" else (self.w,)
            books = lab_rest.orders_by_condition(g)
            trades = lab_rest.movements_by_condition(g)
            self.books = {c: [o.model_dump() for o in books.get(c, [])] for c in conds if c is not None}
            # trades only grow within a phase: keep those already seen; for the others the median announced
            # with each trade (of the last seven prices up to it) is recomputed, as the status's ``median``
            # is the condition's median at the time of the call
            live = {}
            for c in self.books:
                known = self.live_trades.get(c, []) if not new_round else []
                got = trades.get(c, [])
                prices = [t.price for t in got]
                live[c] = list(known[:len(got)]) + [
                    {"from": t.from_, "to": t.to, "price": t.price, "quantity": 1, "condition": t.condition,
                     "median": _median_last_seven(prices[:i + 1])} for i, t in enumerate(got) if i >= len(known)]
            self.live_trades = live

    def _resync_voting(self, gd: lab_rest.VotingGameData) -> None:
        g, p = gd.game, gd.player
        if p.compensationRequests is not None:
            self.my_request = list(p.compensationRequests)
        if g.compensationRequests is not None and self.role == DEVELOPER:
            owners = {q["number"] for q in self.players if q.get("role") == OWNER}
            self.requests = [{"seat": e.number, "request": None if js.is_nullish(e.compensationRequests)
                              else list(e.compensationRequests or [])}
                             for e in g.compensationRequests if e.number in owners]
        if p.compensationOfferReceived:
            self.offer_made = list(g.compensationOffers)
            if self.role == DEVELOPER:
                self.own_offer = list(g.compensationOffers)
        if p.compensationDecisions is not None:
            self.my_vote = list(p.compensationDecisions)
        if p.result is not None and self.phase == 7:
            self.outcome = {"condition": p.result.condition, "tally": p.result.tally, "value": p.result.value,
                            "compensation": p.result.compensation}
        if g.messages is not None:  # the lab returns the lines of one chat phase only: merge, never drop
            seen = {(m.get("time"), m.get("sender"), m.get("text")) for m in self.inbox}
            chat_phase = self.phase if self.phase in (2, 5) else 2
            for m in g.messages:
                if m.sender != self.seat and (m.time, m.sender, m.text) not in seen:
                    self.inbox.append({"time": m.time, "sender": m.sender, "to": list(m.to), "text": m.text,
                                       "phase": chat_phase})

    # ------------------------------------------------------------------ the view
    def accepted(self) -> list[str]:
        """Message types this seat may send now (the engine's ``accepted``)."""
        if self.over:
            return []
        out = []
        for t, roles in self.cls.HANDLERS.get(self.phase, {}).items():
            if self.compat == "strict":
                roles = self.cls.STRICT_ROLES.get((self.phase, t), roles)
            if roles is None or self.role in roles:
                out.append(t)
        return out

    def view(self) -> SeatView:
        """The seat's view now (equal to the server-side ``view(game, seat)`` where the events allow)."""
        phase, over, futarchy = self.phase, self.over, self.treatment == "futarchy"
        v = SeatView(
            treatment=self.treatment, seat=self.seat, role=self.role, role_name=ROLE_NAMES[self.role], tag=self.tag,
            round=self.round, phase=phase, phase_name=self.cls.PHASE_NAMES[phase], paid_rounds=self.params.round_count,
            practice=self.round == 0, over=over, accepted=self.accepted(), players=self.players,
            conditions=_CONDITION_NAMES, boundaries=self.boundaries,
            my_values=list(self.values) if self.values is not None and (phase >= 1 or over) else None,
            my_summaries=list(self.summaries), my_profits=dict(self.profits),
        )
        if self.treatment == "voting":
            self._voting_view(v)
            return v
        v.tax_rate_initial, v.tax_rate_final = self.params.tax_rate_initial, self.params.tax_rate_final
        v.endowment = dict(self.endowment)
        w = self.w if (phase >= 3 or over) else None
        conds = (0, 1) if futarchy else ((w,) if w is not None else ())
        v.wallet = {c: dict(self.wallet[c]) for c in conds}
        if self.role != SPECULATOR:
            d = self.declaration
            v.my_declaration = list(d) if isinstance(d, list) else d
        if phase >= 3 or over:
            v.first_declarations = self.first
        if phase >= 8 or over:
            v.second_declarations = self.second
        if futarchy:
            v.winning_condition = self.w_futarchy if (phase >= 7 or over) else None
        else:
            v.winning_condition = self.w if (phase >= 3 or over) else None
        if (phase >= 5 or over) and self.public_signal is not None:
            v.public_signal = self.public_signal
            v.my_signals = self.signals
        if phase == 6 and not over:
            v.book = {c: list(b) for c, b in self.books.items()}
            v.trades = [t for c in sorted(self.live_trades) for t in self.live_trades[c]]
        elif phase > 6 or over:
            v.trades = list(self.round_trades)
        v.done_speculating = self.done if self.role == SPECULATOR else False
        if (phase >= 7 if futarchy else phase >= 5) or over:
            v.first_snipes = self.snipes1
        if phase >= 9 or over:
            v.second_snipes = self.snipes2
            v.final_price = self.final_price
        return v

    def _voting_view(self, v: SeatView) -> None:
        v.my_request = self.my_request
        if self.role == DEVELOPER and (self.phase >= 4 or self.over):
            v.requests = self.requests
        if self.phase >= 5 or self.over:
            v.offer = self.offer_made if self.offer_made is not None else \
                (self.own_offer if not js.is_nullish(self.own_offer) and self.own_offer != [] else [0, 0])
        elif self.role == DEVELOPER and self.own_offer is not None:
            v.offer = self.own_offer
        v.my_vote = self.my_vote
        v.inbox = list(self.inbox)
        if self.phase == 7 or self.over:
            v.outcome = self.outcome


def _median_last_seven(prices: list[Any]) -> Any:
    """The lab's ``medianLastSeven``: median of the last (at most) seven prices, ``None`` without any."""
    values = sorted(prices[-7:])
    if not values:
        return None
    half = len(values) // 2
    return values[half] if len(values) % 2 else (values[half - 1] + values[half]) / 2.0
