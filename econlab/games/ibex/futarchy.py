"""The Futarchy treatment: the condition is decided by two conditional tax-share markets.

Same as Harberger (``econlab.games.ibex.harberger``) except: speculators snipe under both conditions in
phase 3; phase 4 does nothing; the market has one book per condition, each with its own wallet
copy; at the end of phase 6 the condition whose book has the higher median of its last seven trade
prices wins (no trades: Project; exact tie: No Project), the losing book is void, and the phase-3
snipes are settled under the winner, each distinct sniper paid once. See ``ibex-rules.md`` §7.
"""

from __future__ import annotations

from typing import Any, ClassVar

from econlab.games.ibex import jsnum as js
from econlab.games.ibex.actions import Snipe
from econlab.games.ibex.errors import HandlerCrash
from econlab.games.ibex.harberger import Harberger
from econlab.games.ibex.params import DEVELOPER, OWNER, SPECULATOR
from econlab.games.ibex.state import Player


class Futarchy(Harberger):
    """The Futarchy treatment (see the module docstring)."""

    treatment: ClassVar[str] = "futarchy"
    TIMER_ONLY: ClassVar[frozenset[int]] = frozenset({1, 4, 6, 9})
    PHASE_NAMES: ClassVar[tuple[str, ...]] = (
        "ready", "presentation", "first declaration", "first speculation", "wait", "signals",
        "conditional markets", "second declaration", "second speculation", "results",
    )

    def _enter_3(self) -> None:
        self._open_speculation()
        sums = self._declaration_sums()
        self.winning_condition = None
        tau = self.params.tax_rate_final / 100
        self.public_signal = [js.div(js.mul(sums[0], tau), 100), js.div(js.mul(sums[1], tau), 100), 0]
        self.current.public_signal = list(self.public_signal)
        self._text("info", "Click on the properties you are interested in.", ("role", SPECULATOR))
        self._text("info", "Check the table of declared values. Choose which, if any, properties you want to buy at "
                           "the declared value.", ("role", SPECULATOR))
        self._text("info", "Wait for the speculators to make their decisions.", ("role", DEVELOPER))
        self._text("info", "Wait for the speculators to  make their decisions.", ("role", OWNER))
        self._publish_declarations([True, True, True], with_condition=False)

    def _on_done_speculating(self, player: Player, action: Snipe) -> None:
        if self.phase != 3:
            super()._on_done_speculating(player, action)
            return
        snipe = action.snipe
        if self.strict:
            self._validate_snipe(player, snipe, (0, 1))
        self.current.snipes1_raw.append({"player": player.number, "snipe": js.copy_json(snipe)})
        try:
            js.js_length(snipe)
        except TypeError as exc:
            raise HandlerCrash(str(exc)) from exc
        for c in (0, 1):
            ids = js.index(snipe, c)
            try:
                js.js_length(ids)
            except TypeError as exc:
                raise HandlerCrash(str(exc)) from exc
            self._add_snipes(player, ids, c)
        self._emit("speculation-received", {}, player.number)
        player.done_speculating = True

    def _enter_4(self) -> None:
        pass

    def _exit_4(self) -> None:
        pass

    def _value_signals(self, player: Player) -> dict[str, Any]:
        return {"signals": list(player.signals), "publicSignal": list(self.public_signal),
                "taxRate": self.params.tax_rate_final}

    def _enter_6(self) -> None:
        self._open_market((0, 1))

    def _order_condition(self, player: Player, condition: Any) -> int | None:
        if self.strict:
            return super()._order_condition(player, condition)
        if isinstance(condition, bool) or not isinstance(condition, int | float) or condition not in (0, 1):
            self._text("error", f"Game {self.game_id}: condition not understood: {js.to_string(condition)}",
                       player.number)
            return None
        return int(condition)

    def decide(self) -> int:
        """The winning condition from the two books' medians (strictly greater wins; none: Project)."""
        w, best = 1, 0
        for c in (0, 1):
            m = self.books[c].median_last_seven()
            if m is None:
                continue
            if js.gt(m, best):
                best, w = m, c
        return w

    def _exit_6(self) -> None:
        self._close_market()
        w = self.decide()
        self.winning_condition = w
        self.current.condition = w
        self._emit("winning-condition", {"winningCondition": w})
        self._text("info", "Reconciliation in progress ...")
        self._settle_snipes(4, self.params.tax_rate_initial, self.current.snipe_outcomes1, distinct=True)
        self._send_snipes("first-snipes", self.current.snipe_outcomes1)
