"""The Harberger treatment: self-assessed taxes, snipes and a tax-share market (phases 0-9).

Phases: 0 ready, 1 presentation, 2 first declaration, 3 first speculation (the condition with the
larger sum of first declarations wins, ties to the Project), 4 reconciliation of the first snipes,
5 signals, 6 market (one book, the winning condition), 7 second declaration, 8 second speculation
and settlement, 9 results. See ``shared/spec/ibex-rules.md`` §4-§6.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

from econlab.games.ibex import jsnum as js
from econlab.games.ibex import orderbook as ob
from econlab.games.ibex.actions import Declare, Snipe
from econlab.games.ibex.errors import HandlerCrash
from econlab.games.ibex.market import MarketPhase
from econlab.games.ibex.params import CONDITIONS, ROLE_NAMES, SPECULATOR
from econlab.games.ibex.state import Lot, Player

HOLDERS = (2, 3)


class Harberger(MarketPhase):
    """The Harberger treatment (see the module docstring)."""

    treatment: ClassVar[str] = "harberger"
    n_phases: ClassVar[int] = 10
    HANDLERS: ClassVar[dict[int, dict[str, tuple[int, ...] | None]]] = {
        0: {"player-is-ready": None},
        2: {"declare": HOLDERS},
        3: {"done-speculating": (SPECULATOR,)},
        5: {"complete-current-phase": None},
        6: {"post-order": None, "cancel-order": None},
        7: {"declare": HOLDERS},
        8: {"done-speculating": (SPECULATOR,)},
    }
    TIMER_ONLY: ClassVar[frozenset[int]] = frozenset({1, 4, 6, 9})
    PHASE_NAMES: ClassVar[tuple[str, ...]] = (
        "ready", "presentation", "first declaration", "first speculation", "first reconciliation", "signals",
        "market", "second declaration", "second speculation", "results",
    )
    #: conditions whose book opens in phase 6 (Harberger: the winning one)
    public_signal: list[Any]
    books: dict[int, ob.Book]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """See :class:`~econlab.games.ibex.engine.Game`."""
        super().__init__(*args, **kwargs)
        self.public_signal = [0, 0, 0]
        self.books = {}
        self.market_conditions: tuple[int, ...] = ()

    # ------------------------------------------------------------------ queries
    @property
    def lots(self) -> list[Lot]:
        """All lots in id order."""
        return [p.lot for p in self.players if p.lot is not None]

    def lot_by_id(self, lot_id: Any) -> Lot | None:
        """The lot whose id is strictly equal to ``lot_id`` (``"4"`` does not match 4)."""
        for lot in self.lots:
            if js.strict_eq(lot.id, lot_id):
                return lot
        return None

    def _assign_role(self, player: Player) -> dict[str, Any]:
        data: dict[str, Any] = {
            "role": player.role,
            "wallet": [w.to_json(self.params.cash_for_snipers) for w in player.wallet],
        }
        if player.lot is not None:
            data["property"] = player.lot.to_json()
        data.update({
            "boundaries": self.boundaries,
            "taxRate": self.params.tax_rate_initial,
            "initialTaxRate": self.params.tax_rate_initial,
            "finalTaxRate": self.params.tax_rate_final,
            "conditions": [dict(c) for c in CONDITIONS],
        })
        return data

    # ------------------------------------------------------------------ declarations (2, 7)
    def _enter_2(self) -> None:
        for lot in self.lots:
            lot.d = None

    def _on_declare(self, player: Player, action: Declare) -> None:
        lot = player.lot
        if lot is None:  # pragma: no cover - roles 2 and 3 always hold a lot
            self._text("error", f"Game {self.game_id}: player {player.number} sent a declaration but does not "
                                "own a property. This is a bug", player.number)
            return
        decl = action.declaration
        if self.strict:
            decl = self._validate_declaration(player, decl)
        if not js.is_nullish(lot.d):
            self._text("warning", f"Game {self.game_id}: player {player.number} sent a declaration update. "
                                  "This is not allowed", player.number)
            return
        role = ROLE_NAMES[player.role]
        for cond in CONDITIONS:
            i = cond["id"]
            try:
                d = js.index(decl, i)
            except TypeError as exc:
                raise HandlerCrash(str(exc)) from exc
            maximum = js.mul(self.params.role(player.role).high(i), 2)
            if js.gt(d, maximum):
                if self.strict:
                    self._reject(player, f"declaration[{i}]",
                                 f"{d} is above the maximum {maximum:g} for a {role} under {cond['name']}")
                self._emit("declaration-above-max", {"condition": cond["name"], "maximum": maximum}, player.number)
                return
        lot.d = decl
        self._record_declaration(player, decl, declared=True)
        self._text("info", f"Player {player.name} submitted a declaration of values.")
        self._emit("declaration-received", {}, player.number)

    def _validate_declaration(self, player: Player, decl: Any) -> list[float]:
        if player.lot is not None and player.lot.d is not None:
            self._reject(player, "declaration", "already declared in this phase (the first declaration is final)")
        if not isinstance(decl, list | tuple) or not 2 <= len(decl) <= 3:
            self._reject(player, "declaration",
                         f"expected a list [no project, project] (optionally a third, unused entry), got {decl!r}")
        for i, d in enumerate(decl):
            if isinstance(d, bool) or not isinstance(d, int | float) or not math.isfinite(d):
                self._reject(player, f"declaration[{i}]", f"expected a finite number, got {d!r}")
        return list(decl)

    def _record_declaration(self, player: Player, decl: Any, declared: bool) -> None:
        first = self.phase <= 2
        target = self.current.first_declarations if first else self.current.second_declarations
        flags = self.current.first_declared if first else self.current.second_declared
        if player.number not in target:  # the server's summary reads the first record of a player
            target[player.number] = js.copy_json(decl)
            flags[player.number] = declared

    def _complete_2(self) -> bool:
        return all(not js.is_nullish(lot.d) for lot in self.lots)

    _complete_7 = _complete_2

    def _default_declarations(self) -> None:
        for p in self.players:
            lot = p.lot
            if lot is None:
                continue
            if not js.is_nullish(lot.d):
                n = js.js_length(lot.d)
                if js.gt(n, 0):
                    continue
            rp = self.params.role(p.role)
            lot.d = [rp.low(0), rp.low(1)]
            self._record_declaration(p, list(lot.d), declared=False)

    def _exit_2(self) -> None:
        self._default_declarations()

    _enter_7 = _enter_2
    _exit_7 = _exit_2

    # ------------------------------------------------------------------ speculation (3, 8)
    def _declaration_sums(self) -> list[Any]:
        sums: list[Any] = [0, 0, 0]
        for lot in self.lots:
            for j in (0, 1):
                sums[j] = js.add(sums[j], js.index(lot.d, j) if not js.is_nullish(lot.d) else js.UNDEFINED)
        return sums

    def _publish_declarations(self, available: list[bool], with_condition: bool) -> None:
        decls = []
        for p in self.players:
            if p.lot is not None:
                decls.append({"id": p.lot.id, "name": p.lot.name, "owner": p.name, "role": p.role,
                              "number": p.number, "d": js.copy_json(p.lot.d), "available": list(available)})
        data: dict[str, Any] = {"declarations": decls}
        if with_condition:
            data["winningCondition"] = self.winning_condition
        self._emit("declarations-published", data)

    def _open_speculation(self) -> None:
        for lot in self.lots:
            lot.speculators = [[], [], []]
        for p in self.players:
            if p.role == SPECULATOR:
                p.done_speculating = False

    def _enter_3(self) -> None:
        self._open_speculation()
        sums = self._declaration_sums()
        w, best = 0, sums[0]
        if js.gt(sums[1], best) or js.strict_eq(sums[1], best):
            w, best = 1, sums[1]
        self.winning_condition = w
        self.current.condition = w
        self.public_signal = [0, 0, 0]
        self.public_signal[w] = js.div(js.mul(best, self.params.tax_rate_final / 100), 100)
        self.current.public_signal = list(self.public_signal)
        self._publish_declarations([True, True, True], with_condition=True)

    def _validate_snipe(self, player: Player, snipe: Any, conditions: tuple[int, ...]) -> None:
        if player.done_speculating:
            self._reject(player, "snipe", "already sent done-speculating in this phase (repeated snipe)")
        if not isinstance(snipe, list | tuple):
            self._reject(player, "snipe", f"expected a list of lot-id lists per condition, got {snipe!r}")
        for c in conditions:
            if c >= len(snipe) or not isinstance(snipe[c], list | tuple):
                self._reject(player, f"snipe[{c}]", f"expected a list of lot ids for condition {c}")
        for c, ids in enumerate(snipe):
            if not isinstance(ids, list | tuple):
                self._reject(player, f"snipe[{c}]", f"expected a list of lot ids, got {ids!r}")
            seen = set()
            for lot_id in ids:
                if isinstance(lot_id, bool) or not isinstance(lot_id, int) or self.lot_by_id(lot_id) is None:
                    self._reject(player, f"snipe[{c}]",
                                 f"unknown lot {lot_id!r}; lots are {[lot.id for lot in self.lots]}")
                if lot_id in seen:
                    self._reject(player, f"snipe[{c}]", f"lot {lot_id} listed twice")
                seen.add(lot_id)

    def _add_snipes(self, player: Player, ids: Any, condition: int) -> None:
        if js.is_nullish(ids) or not js.gt(js.js_length(ids), 0):
            return
        if not isinstance(ids, list):
            raise HandlerCrash("forEach is not a function")
        for lot_id in ids:
            lot = self.lot_by_id(lot_id)
            if lot is None:
                self._text("error", f"Game {self.game_id}: lot {js.to_string(lot_id)}}} not found", player.number)
                continue
            if lot.speculators is None:
                lot.speculators = [[], [], []]
            lot.speculators[condition].append(player.number)

    def _on_done_speculating(self, player: Player, action: Snipe) -> None:
        snipe = action.snipe
        w = self.winning_condition
        assert w is not None
        if self.strict:
            self._validate_snipe(player, snipe, (w,))
        if self.phase == 3:
            self.current.snipes1_raw.append({"player": player.number, "snipe": js.copy_json(snipe)})
        try:
            js.js_length(snipe)
            ids = js.index(snipe, w)
            if self.phase == 8:
                js.js_length(ids)
        except TypeError as exc:
            raise HandlerCrash(str(exc)) from exc
        self._add_snipes(player, ids, w)
        self._emit("speculation-received", {}, player.number)
        player.done_speculating = True

    def _complete_3(self) -> bool:
        return all(p.done_speculating for p in self.players if p.role == SPECULATOR)

    _complete_8 = _complete_3

    def _settle_snipes(self, phase_label: int, tax_rate: float, outcomes: list[dict[str, Any]],
                       distinct: bool = False) -> None:
        """Pay each listing ``(v - d) / (2 n)`` and bill each holder, in lot-id order (display events too)."""
        w = self.winning_condition
        assert w is not None
        for lot in self.lots:
            owner = self.by_seat[lot.owner]
            dw = js.index(lot.d, w) if not js.is_nullish(lot.d) else js.UNDEFINED
            value = lot.v[w]
            bill: dict[str, Any] = {
                "round": self.round, "phase": phase_label, "property": lot.id, "condition": w, "value": value,
                "declaration": dw, "sniped": False, "speculator": None, "snipeProfit": 0,
                "taxes": js.div(js.mul(dw, tax_rate), 100),
            }
            specs = lot.speculators
            listed = specs[w] if specs is not None else []
            sniped = bool(listed) if not distinct else specs is not None and any(len(s) > 0 for s in specs)
            if sniped:
                share = js.div(js.sub(value, dw), 2 * len(listed))
                bill.update({"sniped": True, "speculator": list(listed), "snipeProfit": share})
                takers = [p.number for p in self.players if p.number in listed] if distinct else list(listed)
                for seat in takers:
                    spec = self.by_seat[seat]
                    outcomes.append({"player": {"number": spec.number, "role": spec.role},
                                     "target": {"number": owner.number, "role": owner.role}, "profit": share})
                    spec.display_profit.append(share)
                    self._emit("profit", {"round": self.round, "owner": owner.number, "sniped": True,
                                          "snipeProfit": share, "condition": w, "declaration": dw}, spec.number)
            bill["owner"] = owner.number
            bill["role"] = owner.role
            bill["total"] = js.sub(js.sub(value, bill["taxes"]), bill["snipeProfit"])
            owner.display_profit.append(bill["total"])
            self._emit("profit", bill, owner.number)

    def _send_snipes(self, kind: str, outcomes: list[dict[str, Any]]) -> None:
        if not self.emit_events:
            return
        for p in self.players:
            mine = [o for o in outcomes if o["player"]["number"] == p.number or o["target"]["number"] == p.number]
            self._emit(kind, {"snipes": list(mine)}, p.number)

    def _enter_4(self) -> None:
        self._text("info", "Reconciliation in progress ...")
        self._settle_snipes(4, self.params.tax_rate_initial, self.current.snipe_outcomes1)

    def _exit_4(self) -> None:
        for p in self.players:
            if p.role == SPECULATOR:
                p.done_speculating = False
        for lot in self.lots:
            lot.speculators = None
        self._send_snipes("first-snipes", self.current.snipe_outcomes1)

    # ------------------------------------------------------------------ signals (5)
    def _value_signals(self, player: Player) -> dict[str, Any]:
        return {"signals": list(player.signals), "publicSignal": list(self.public_signal),
                "condition": self.winning_condition, "taxRate": self.params.tax_rate_final}

    def _enter_5(self) -> None:
        if not self.emit_events:
            return
        for p in self.players:
            self._emit("value-signals", self._value_signals(p), p.number)
        self._text("info", "Prepare for the trading phase")

    def _on_complete_current_phase(self, player: Player, action: Any) -> None:
        self._phase_complete_flag = True

    def _complete_5(self) -> bool:
        return self._phase_complete_flag

    # ------------------------------------------------------------------ second speculation and settlement (8)
    def _enter_8(self) -> None:
        self._open_speculation()
        w = self.winning_condition
        self._publish_declarations([c == w for c in range(3)], with_condition=True)

    def _exit_8(self) -> None:
        tau2 = self.params.tax_rate_final
        self._text("info", f"Final phase. Tax rate: {js.to_string(tau2)}")
        w = self.winning_condition
        assert w is not None
        sums = self._declaration_sums()
        self._settle_snipes(9, tau2, self.current.snipe_outcomes2)
        tax_pot = js.div(js.mul(sums[w], tau2), 100)
        price = js.div(tax_pot, 100)
        self.current.final_price = price
        self._emit("final-price", {"price": price, "winningCondition": w})
        for p in self.players:
            wal = p.wallet[w]
            amount = js.js_round(js.sub(js.add(js.div(js.mul(tax_pot, wal.shares), 100), wal.balance),
                                        self.params.owners.balance))
            p.display_profit.append(amount)
            if not self.emit_events:
                continue
            self._emit("tax-income", {"amount": amount, "condition": w}, p.number)
            spec = p.role == SPECULATOR
            self._emit("profit", {"round": self.round, "phase": 9, "condition": w, "owner": p.number,
                                  "role": p.role, "taxes": 0, "snipeProfit": amount if spec else 0,
                                  "total": 0 if spec else amount}, p.number)
        for p in self.players if self.emit_events else ():
            total: Any = 0
            for a in p.display_profit:
                total = js.add(total, a)
            self._emit("total-profit", {"amount": total}, p.number)
        self._send_snipes("second-snipes", self.current.snipe_outcomes2)

    # ------------------------------------------------------------------ summary and profit
    def _first_outcomes(self) -> list[dict[str, Any]]:
        return self.current.snipe_outcomes1

    def _summary(self, player: Player) -> dict[str, Any]:
        r = self.current
        w = self.winning_condition
        assert w is not None
        s: dict[str, Any] = {"round": self.round, "condition": w}
        holder = player.role != SPECULATOR
        if holder and player.lot is not None:
            s["value"] = player.lot.v[w]
            fd = r.first_declarations.get(player.number)
            s["firstDeclaration"] = js.index(fd, w) if not js.is_nullish(fd) else js.UNDEFINED
            s["firstTaxes"] = js.div(js.mul(s["firstDeclaration"], self.params.tax_rate_initial), 100)
        out1 = self._first_outcomes()
        s["firstRepurchase"], s["snipes"] = self.repurchase(player, out1)
        wallet = r.wallets_after_market[player.number][w]
        s["market"] = {"balance": wallet["balance"], "shares": wallet["shares"]}
        if holder and player.lot is not None:
            sd = r.second_declarations.get(player.number)
            s["secondDeclaration"] = js.index(sd, w) if not js.is_nullish(sd) else js.UNDEFINED
            s["secondTaxes"] = js.div(js.mul(s["secondDeclaration"], self.params.tax_rate_final), 100)
        s["secondRepurchase"], s["snipes"] = self.repurchase(player, r.snipe_outcomes2)
        s["market"]["price"] = r.final_price
        return s

    @staticmethod
    def repurchase(player: Player, outcomes: list[dict[str, Any]]) -> tuple[Any, list[dict[str, Any]]]:
        """A seat's snipe money of one snipe stage (speculators gain, holders pay) and its snipe outcomes."""
        total: Any = 0
        if player.role == SPECULATOR:
            mine = [o for o in outcomes if o["player"]["number"] == player.number]
            for o in mine:
                total = js.add(total, o["profit"])
        else:
            mine = [o for o in outcomes if o["target"]["number"] == player.number]
            for o in mine:
                total = js.sub(total, o["profit"])
        return total, list(mine)

    def _round_profit(self, player: Player) -> Any:
        return summary_profit(player.summaries[-1])


def summary_profit(s: dict[str, Any]) -> Any:
    """The paid round profit computed from a ``round-summary`` object, as the server does (§5.6).

    ``value - firstTaxes - secondTaxes + firstRepurchase + secondRepurchase + balance + shares * price``,
    left to right in float64, skipping absent fields.
    """
    total: Any = 0
    if not js.is_nullish(s.get("value")):
        total = js.add(total, s["value"])
    for key, sign in (("firstTaxes", -1), ("secondTaxes", -1), ("firstRepurchase", 1), ("secondRepurchase", 1)):
        v = s.get(key)
        if not js.is_nullish(v):
            total = js.add(total, v) if sign > 0 else js.sub(total, v)
    m = s.get("market")
    if isinstance(m, dict):
        if not js.is_nullish(m.get("balance")):
            total = js.add(total, m["balance"])
        if not js.is_nullish(m.get("shares")) and not js.is_nullish(m.get("price")):
            total = js.add(total, js.mul(m["shares"], m["price"]))
    return total
