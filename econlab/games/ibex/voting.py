"""The Voting treatment: compensation requests, one offer, a vote; chat in two phases (phases 0-7).

Phases: 0 ready, 1 introduction, 2 chat, 3 requests (owners ask for compensation), 4 offer (the
developer offers one amount to every owner, paid if the project passes), 5 chat, 6 vote, 7 results.
Tally: the project passes iff approvals of it are at least approvals of No Project and at least
half (rounded down) the valid ballots. See ``shared/spec/ibex-voting.md``.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

from econlab.games.ibex import jsnum as js
from econlab.games.ibex.actions import Chat, Offer, Request, Vote
from econlab.games.ibex.engine import Game
from econlab.games.ibex.errors import HandlerCrash
from econlab.games.ibex.params import CONDITIONS, DEVELOPER, OWNER
from econlab.games.ibex.state import Player

MAX_CHAT_CHARS = 2000
VOTE_CHOICES = ([], [0], [1])


class Voting(Game):
    """The Voting treatment (see the module docstring)."""

    treatment: ClassVar[str] = "voting"
    n_phases: ClassVar[int] = 8
    HANDLERS: ClassVar[dict[int, dict[str, tuple[int, ...] | None]]] = {
        0: {"player-is-ready": None},
        2: {"chat-with-players": None},
        3: {"compensation-request": None},
        4: {"compensation-offer": None},
        5: {"chat-with-players": None},
        6: {"compensation-decision": None},
    }
    STRICT_ROLES: ClassVar[dict[tuple[int, str], tuple[int, ...]]] = {
        (3, "compensation-request"): (OWNER,),
        (4, "compensation-offer"): (DEVELOPER,),
        (6, "compensation-decision"): (OWNER,),
    }
    TIMER_ONLY: ClassVar[frozenset[int]] = frozenset({1, 2, 5, 7})
    PHASE_NAMES: ClassVar[tuple[str, ...]] = (
        "ready", "introduction", "chat", "request", "offer", "chat", "vote", "results",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """See :class:`~econlab.games.ibex.engine.Game`."""
        super().__init__(*args, **kwargs)
        self.game_offer: Any = None  # the server's game-level offer, never reset between rounds
        self.standings: list[dict[str, Any]] = []
        self.chat_counter = 0
        for p in self.players:
            p.requests = js.UNDEFINED

    @property
    def owners(self) -> list[Player]:
        """The owners in seat order."""
        return [p for p in self.players if p.role == OWNER]

    @property
    def developer(self) -> Player:
        """The developer."""
        return next(p for p in self.players if p.role == DEVELOPER)

    def _reset_wallets(self) -> None:
        """Voting has no wallets."""

    def _assign_role(self, player: Player) -> dict[str, Any]:
        lot = player.lot
        assert lot is not None
        return {
            "role": player.role,
            "property": {"id": lot.id, "owner": lot.owner, "name": lot.name, "v": list(lot.v)},
            "boundaries": self.boundaries,
            "id": self.players.index(player),
            "number": player.number,
            "tag": player.tag,
            "conditions": [dict(c) for c in CONDITIONS],
        }

    def _enter_1(self) -> None:
        self.current.offer = []
        super()._enter_1()

    # ------------------------------------------------------------------ chat (2, 5)
    def _enter_2(self) -> None:
        self.chat_counter = 0

    _enter_5 = _enter_2

    def _on_chat_with_players(self, player: Player, action: Chat) -> None:
        to, text = action.to, action.text
        if self.strict:
            self._validate_chat(player, to, text)
        if js.is_nullish(to) or js.strict_eq(js.js_length(to), 0):
            self._text("error", f"Game {self.game_id}: no recipient specified to this message: "
                                f"{js.to_string(text)} from {player.tag}", player.number)
            return
        if not isinstance(to, list):
            raise HandlerCrash("message.to.forEach is not a function")
        time = self.now_ms
        for n in to:
            target = self.by_seat.get(n) if isinstance(n, int) and not isinstance(n, bool) else None
            if target is None:
                self._text("error", f"Game {self.game_id}: Could not find player {js.to_string(n)}", player.number)
                continue
            self._emit("message-received", {"sender": player.number, "to": js.copy_json(to),
                                            "number": self.chat_counter, "text": text, "time": time}, n)
            self.chat_counter += 1
        if not isinstance(text, str):
            raise HandlerCrash("text.replaceAll is not a function")
        self.current.chat.append({"time": time, "sender": player.number, "to": js.copy_json(to), "text": text,
                                  "phase": self.phase})

    def _validate_chat(self, player: Player, to: Any, text: Any) -> None:
        if not isinstance(to, list | tuple) or not to:
            self._reject(player, "to", f"expected a non-empty list of seat numbers, got {to!r}")
        seen = set()
        for n in to:
            if isinstance(n, bool) or not isinstance(n, int) or n not in self.by_seat:
                self._reject(player, "to", f"unknown seat {n!r}; seats are {self.seats}")
            if n == player.number:
                self._reject(player, "to", "a player cannot message themselves")
            if n in seen:
                self._reject(player, "to", f"seat {n} listed twice")
            seen.add(n)
        if not isinstance(text, str) or not text.strip():
            self._reject(player, "text", f"expected a non-empty string, got {text!r}")
        if len(text) > MAX_CHAT_CHARS:
            self._reject(player, "text", f"longer than {MAX_CHAT_CHARS} characters ({len(text)})")

    # ------------------------------------------------------------------ requests (3)
    def _check_amounts(self, player: Player, field: str, values: Any, index_required: int = 1) -> None:
        if not isinstance(values, list | tuple) or len(values) != 2:
            self._reject(player, field, f"expected [no project, project], e.g. [null, 100000], got {values!r}")
        for i, v in enumerate(values):
            if v is None and i != index_required:
                continue
            if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
                self._reject(player, f"{field}[{i}]", f"expected a finite number, got {v!r}")

    def _on_compensation_request(self, player: Player, action: Request) -> None:
        req = action.requests
        if self.strict:
            if not js.is_nullish(player.requests):
                self._reject(player, "compensationRequests", "already sent a request in this round")
            self._check_amounts(player, "compensationRequests", req)
            if req[1] < 0:
                self._reject(player, "compensationRequests[1]", f"a request cannot be negative, got {req[1]}")
        player.requests = js.copy_json(req)
        self.current.requests.append({"number": player.number, "compensationRequests": js.copy_json(req)})
        self._emit("compensation-request-received", {"compensationRequests": js.copy_json(req)}, player.number)

    def _complete_3(self) -> bool:
        return all(not js.is_nullish(p.requests) for p in self.owners)

    def _exit_3(self) -> None:
        for p in self.owners:
            if js.is_nullish(p.requests):
                p.requests = [0, 0]

    # ------------------------------------------------------------------ offer (4)
    def _enter_4(self) -> None:
        self._emit("compensation-requests-received",
                   {"compensationRequests": [{"number": p.number, "compensationRequests": js.copy_json(p.requests)}
                                             for p in self.players]}, ("role", DEVELOPER))

    def _on_compensation_offer(self, player: Player, action: Offer) -> None:
        offer = action.offers
        if self.strict:
            self._check_amounts(player, "compensationOffers", offer)
        self.current.offer = js.copy_json(offer)
        self.current.offer_sender = player.number
        self.game_offer = js.copy_json(offer)
        player.submitted_offer = True
        self._emit("compensation-offer-received", {"compensationOffers": js.copy_json(offer)}, player.number)

    def _complete_4(self) -> bool:
        return any(p.submitted_offer is True for p in self.players if p.role == DEVELOPER)

    @staticmethod
    def _offer_or_zero(offer: Any) -> Any:
        if js.is_nullish(offer) or js.strict_eq(js.js_length(offer), 0):
            return [0, 0]
        return offer

    def _exit_4(self) -> None:
        made = self._offer_or_zero(self.current.offer)
        for p in self.owners:
            self._emit("compensation-offer-made", {"compensationOffers": js.copy_json(made)}, p.number)
        if js.is_nullish(self.current.offer):
            self.current.offer = []
            self.game_offer = []

    # ------------------------------------------------------------------ vote (6)
    def _on_compensation_decision(self, player: Player, action: Vote) -> None:
        dec = action.decisions
        if self.strict:
            if not js.is_nullish(player.decisions):
                self._reject(player, "compensationDecisions", "already voted in this round")
            if not isinstance(dec, list | tuple) or list(dec) not in VOTE_CHOICES or any(
                    isinstance(x, bool) for x in dec):
                self._reject(player, "compensationDecisions",
                             f"expected [1] (project), [0] (no project) or [] (abstain), got {dec!r}")
        player.decisions = js.copy_json(dec)
        self.current.decisions.append({"number": player.number, "compensationDecisions": js.copy_json(dec)})
        self._emit("compensation-decision-received", {}, player.number)

    def _complete_6(self) -> bool:
        return all(not js.is_nullish(p.decisions) for p in self.owners)

    def _exit_6(self) -> None:
        for p in self.owners:
            if js.is_nullish(p.decisions):
                p.decisions = []
            self.current.final_decisions[p.number] = js.copy_json(p.decisions)

    # ------------------------------------------------------------------ results (7)
    @staticmethod
    def _approves(decisions: Any, condition: int) -> bool:
        if isinstance(decisions, str):
            return str(condition) in decisions
        if isinstance(decisions, list):
            return any(js.strict_eq(x, condition) for x in decisions)
        return False

    def tally(self) -> tuple[int, list[int]]:
        """The winning condition and the approval count of each condition (server rule)."""
        valid = [p.decisions for p in self.owners
                 if not js.is_nullish(p.decisions) and js.gt(js.js_length(p.decisions), 0)]
        quorum = len(valid) // 2
        counters = [sum(1 for d in valid if self._approves(d, c["id"])) for c in CONDITIONS]
        candidates = sorted([c for c in (0, 1) if counters[c] >= quorum], key=lambda c: -counters[c])
        if not candidates:
            w = 0
        elif len(candidates) == 1 or counters[candidates[0]] > counters[candidates[1]]:
            w = candidates[0]
        else:
            w = 1
        return w, counters

    def _enter_7(self) -> None:
        w, counters = self.tally()
        offer = self._displayed_offer()
        self.standings = [{"counter": counters[c], "id": c, "winner": c == w, "value": self.developer.lot.v[c],
                           "compensation": js.index(offer, c)} for c in (0, 1)]
        self.winning_condition = w
        self.current.condition = w
        self.current.tally = counters
        comp = js.index(offer, w)
        for p in self.players:
            value = p.lot.v[w] if p.lot else None
            shown = js.mul(-js.to_number(comp), len(self.players) - 1) if p.role == DEVELOPER else comp
            self._emit("final-profit", {"condition": w, "tally": counters[w], "value": value,
                                        "compensation": shown}, p.number)

    def _displayed_offer(self) -> Any:
        # The server displays the game-level offer (stale after a round without one); strict shows the paid one.
        return self._offer_or_zero(self.game_offer if not self.strict else self.current.offer)

    def _exit_7(self) -> None:
        for p in self.players:
            p.requests = None
            p.submitted_offer = False
            p.decisions = None

    # ------------------------------------------------------------------ summary and profit
    def _summary(self, player: Player) -> dict[str, Any]:
        w = self.winning_condition
        assert w is not None and player.lot is not None
        offer = self._displayed_offer()
        value = player.lot.v[w]
        if player.role == DEVELOPER:
            comp = js.mul(-js.to_number(js.index(offer, w)), len(self.players) - 1)
        else:
            comp = js.index(offer, w)
        return {"round": self.round, "condition": w, "value": value, "tally": self.current.tally[w],
                "compensation": comp, "profit": js.add(value, comp)}

    def _round_profit(self, player: Player) -> Any:
        w = self.winning_condition
        assert w is not None and player.lot is not None
        offer = self._offer_or_zero(self.current.offer)
        comp = js.index(offer, w)
        if player.role == DEVELOPER:
            comp = js.mul(-js.to_number(comp), len(self.players) - 1)
        return js.add(self.current.values[player.number][w], comp)
