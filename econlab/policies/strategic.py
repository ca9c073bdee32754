"""The ``strategic`` baseline: simple best responses per role.

**Lot holders** (owners, developer) shade their declarations by the expected-profit rule of
:mod:`econlab.policies.shading`: shading ``s`` saves ``tau_eff * v * s`` of tax and risks half the gap
when sniped, with a believed snipe probability that is 1 below ``low + belief_q * (high - low)`` and
otherwise ``snipe_base + snipe_slope * gap / (high - low)``. The first declaration is taxed at
``tau1`` (1 %), so it is (practically) truthful; the second at ``tau2`` (33 %, less the share the
holder gets back through its shares), so it is shaded at the winning condition (a fixed ``shade``
overrides the search there). Declarations are whole points within ``[0, 2 * high]``.

In Harberger the sum of first declarations picks the condition, and an overstated declaration
cannot be sniped profitably (challengers pay the holder). So the **developer**, when it gains from
the project, overstates its first Project declaration to ``push`` times the expected gap between the
owners' declarations (range mids: ``n_owners * (mid_owner_0 - mid_owner_1)``) plus its own No-Project
declaration, within the cap ``2 * high`` and only if the extra 1 % tax stays below its gain.

**Speculators** snipe, at most ``max_targets`` lots per condition, never twice the same, those
declared low for their role and condition, ranked by the estimated gain:

* range rule: ``d < low + snipe_q * (high - low)``; the value is estimated at the range mid;
* drop rule (second speculation): ``d2 < d1 * (1 - drop)``; the first declaration, taxed at only 1 %,
  is taken as the evidence of the value.

Snipes count under the winning condition (Harberger and every phase 8) or under both conditions
(Futarchy's phase 3, each with its own candidates).

**Market**: every role trades as a zero-intelligence-constrained trader around its private signal
(:mod:`econlab.policies.zi_market`), in both books in Futarchy.

**Voting**: as ``voting-rational`` (:mod:`econlab.policies.voting_rules`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from econlab.games.ibex.actions import Action, Declare, Snipe
from econlab.games.ibex.params import DEVELOPER, OWNER
from econlab.games.ibex.view import SeatView
from econlab.policies import shading
from econlab.policies import viewtools as vt
from econlab.policies import voting_rules as vr
from econlab.policies.base import PolicyState, ScriptedPolicy
from econlab.policies.zi_market import zi_action


def _unit(name: str, x: Any, *, upper: float = 1.0, open_upper: bool = False) -> None:
    if isinstance(x, bool) or not isinstance(x, int | float) or not math.isfinite(x):
        raise ValueError(f"{name} must be a finite number, got {x!r}")
    if x < 0 or x > upper or (open_upper and x >= upper):
        bound = f"[0, {upper:g})" if open_upper else f"[0, {upper:g}]"
        raise ValueError(f"{name} must be in {bound}, got {x!r}")


@dataclass(frozen=True)
class Strategic(ScriptedPolicy):
    """Shade declarations, push the Project, snipe low declarations, trade ZI-C, vote rationally.

    See the module docstring for the rules.

    Attributes:
        shade: Fixed shade of the second declaration (fraction of the true value); ``None`` chooses
            it by expected profit.
        belief_q: Holders' belief: speculators surely snipe below ``low + belief_q * range``.
        snipe_base: Holders' believed snipe probability of a declaration with no gap.
        snipe_slope: Increase of that probability per gap / range.
        push: Developer's first Project declaration, as a multiple of the owners' expected
            declaration gap (Harberger); 0 disables.
        snipe_q: Speculators snipe declarations below ``low + snipe_q * range``.
        drop: Speculators snipe second declarations below ``(1 - drop)`` times the first one.
        max_targets: Most lots a speculator snipes per condition.
        trade_prob: Probability of acting in a market tick.
        spread: Width of the ZI bid / ask price ranges (fraction of the signal).
        cancel_prob: Probability of cancelling a stale order in a tick.
        request_factor: Voting owners' mark-up on their loss.
        offer_factor: Voting developer's estimate of loss / request.
    """

    shade: float | None = None
    belief_q: float = 0.3
    snipe_base: float = 0.05
    snipe_slope: float = 2.0
    push: float = 1.2
    snipe_q: float = 0.3
    drop: float = 0.05
    max_targets: int = 3
    trade_prob: float = 0.5
    spread: float = 0.1
    cancel_prob: float = 0.1
    request_factor: float = vr.HUMAN_REQUEST_FACTOR
    offer_factor: float = 1.0 / vr.HUMAN_REQUEST_FACTOR

    def __post_init__(self) -> None:
        """Validate the parameters (ValueError naming the field)."""
        if self.shade is not None:
            _unit("shade", self.shade, open_upper=True)
        for f in ("belief_q", "snipe_base", "snipe_q", "drop", "trade_prob", "spread", "cancel_prob"):
            _unit(f, getattr(self, f))
        _unit("snipe_slope", self.snipe_slope, upper=math.inf)
        _unit("push", self.push, upper=math.inf)
        if isinstance(self.max_targets, bool) or not isinstance(self.max_targets, int) or self.max_targets < 0:
            raise ValueError(f"max_targets must be an integer >= 0, got {self.max_targets!r}")
        vr.VotingRational(self.request_factor, self.offer_factor)  # validates the factors

    def act(self, view: SeatView, state: PolicyState) -> tuple[Action | None, PolicyState]:
        """The strategic action for the seat's current decision (``None`` when there is none)."""
        d = vt.decision(view)
        action: Action | None = None
        if d == "declare1":
            action = Declare(self.first_declaration(view))
        elif d == "declare2":
            action = Declare(self.second_declaration(view))
        elif d in ("snipe1", "snipe2"):
            action = Snipe(self.snipe_targets(view))
        elif d == "market":
            action = zi_action(view, state.rng(), trade_prob=self.trade_prob, spread=self.spread,
                               cancel_prob=self.cancel_prob)
        elif d in ("request", "offer", "vote"):
            action = vr.voting_action(view, d, request_factor=self.request_factor, offer_factor=self.offer_factor)
        return action, state.next()

    # ------------------------------------------------------------------ declarations
    def _shaded(self, view: SeatView, condition: int, value: float, tau_eff: float) -> float:
        low, high = vt.bounds(view, view.role, condition)
        s = shading.best_shade(value, low, high, tau_eff=tau_eff, belief_q=self.belief_q,
                               snipe_base=self.snipe_base, snipe_slope=self.snipe_slope)
        return value * (1.0 - s)

    def _clip(self, view: SeatView, condition: int, d: float) -> float:
        return float(min(max(math.floor(d), 0), vt.cap(view, view.role, condition)))

    def first_declaration(self, view: SeatView) -> list[float]:
        """Shaded at ``tau1`` (practically truthful); the developer may push the Project (Harberger)."""
        values = vt.true_values(view)
        tau_eff = shading.effective_tax(float(view.tax_rate_initial or 0))
        decl = [self._shaded(view, c, values[c], tau_eff) for c in (0, 1)]
        if view.role == DEVELOPER and view.treatment == "harberger" and self.push > 0:
            decl[1] = self._pushed(view, values, decl)
        return [self._clip(view, c, decl[c]) for c in (0, 1)]

    def _pushed(self, view: SeatView, values: tuple[float, float], decl: list[float]) -> float:
        v0, v1 = values
        gain = v1 - v0
        if gain <= 0:
            return decl[1]
        n_owners = sum(1 for p in view.players if p["role"] == OWNER)
        mid = [sum(vt.bounds(view, OWNER, c)) / 2 for c in (0, 1)]
        target = decl[0] + self.push * n_owners * (mid[0] - mid[1])
        target = min(max(target, decl[1]), vt.cap(view, DEVELOPER, 1))
        extra_tax = (target - v1) * float(view.tax_rate_initial or 0) / 100
        return target if extra_tax < gain else decl[1]

    def second_declaration(self, view: SeatView) -> list[float]:
        """Shaded at the winning condition by expected profit at ``tau2`` net of own shares (or ``shade``)."""
        values = list(vt.true_values(view))
        w = view.winning_condition
        decl = list(values)
        if w is not None:
            w = int(w)
            if self.shade is not None:
                decl[w] = values[w] * (1.0 - self.shade)
            else:
                shares = float(view.wallet.get(w, {}).get("shares", 0))
                tau_eff = shading.effective_tax(float(view.tax_rate_final or 0), shares)
                decl[w] = self._shaded(view, w, values[w], tau_eff)
        return [self._clip(view, c, decl[c]) for c in (0, 1)]

    # ------------------------------------------------------------------ snipes
    def snipe_targets(self, view: SeatView) -> list[list[int]]:
        """Lot ids to snipe per condition (range rule; drop rule in the second speculation)."""
        second = view.phase >= 8
        out: list[list[int]] = [[], []]
        firsts = {e["lot"]: e for e in view.first_declarations}
        for c in vt.snipe_conditions(view):
            scored: list[tuple[float, int]] = []
            for entry in vt.published(view, second):
                d = vt.declared(entry, c)
                lot = entry.get("lot")
                if d is None or not isinstance(lot, int) or entry.get("role") not in (OWNER, DEVELOPER):
                    continue
                low, high = vt.bounds(view, int(entry["role"]), c)
                gain = 0.0
                if d < low + self.snipe_q * (high - low):
                    gain = (low + high) / 2 - d
                if second and lot in firsts:
                    d1 = vt.declared(firsts[lot], c)
                    if d1 is not None and d < d1 * (1.0 - self.drop):
                        gain = max(gain, d1 - d)
                if gain > 0:
                    scored.append((gain, lot))
            scored.sort(key=lambda t: (-t[0], t[1]))
            out[c] = sorted({lot for _, lot in scored[: self.max_targets]})
        return out
