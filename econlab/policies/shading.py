"""How much a lot holder shades a declaration below its true value (pure arithmetic).

A declaration ``d`` of a lot worth ``v`` is taxed at ``tau`` percent if its condition wins, and a
snipe of it costs the holder half the gap, ``(v - d) / 2`` (``ibex-rules.md`` §5.2-§5.3). Declaring
``d = v * (1 - s)`` therefore saves ``tau_eff * v * s`` of tax and risks ``v * s / 2``, where the
effective tax rate nets out what the holder gets back as a shareholder: a share pays 1 % of the
second-declaration tax pot, so a holder of ``k`` shares recovers ``k`` % of its own tax
(``tau_eff = tau / 100 * (1 - k / 100)``; the first declaration's tax is not paid out, ``k = 0``).

The holder's belief about being sniped, with ``r = high - low`` the role's value range under the
condition::

    P(snipe | d) = 1                                       if d < low + belief_q * r
                 = min(1, snipe_base + snipe_slope * (v - d) / r)   otherwise

that is, speculators surely snipe a declaration below the threshold they are believed to use, and
otherwise snipe more often the larger the gap relative to the range. The expected gain of shading
``s`` over a truthful declaration is::

    G(s) = tau_eff * v * s - P(snipe | v (1 - s)) * v * s / 2

and the holder picks the ``s`` of a small grid that maximises it (``s = 0`` gives ``G = 0``, so a
holder never shades at an expected loss). Shading pays only while ``P < 2 tau_eff``: at the first
declaration (``tau = 1`` %) practically never, at the second (``tau = 33`` %) when the gap is small
relative to the range.
"""

from __future__ import annotations

from collections.abc import Sequence

#: shades tried by :func:`best_shade` (fractions of the true value)
DEFAULT_GRID: tuple[float, ...] = tuple(i / 40 for i in range(21))  # 0, 0.025, ..., 0.5


def snipe_probability(value: float, declared: float, low: float, high: float, *, belief_q: float,
                      snipe_base: float, snipe_slope: float) -> float:
    """The holder's believed probability that a declaration is sniped (see the module docstring)."""
    r = max(high - low, 1.0)
    if declared < low + belief_q * r:
        return 1.0
    gap = max(value - declared, 0.0)
    return min(1.0, max(0.0, snipe_base + snipe_slope * gap / r))


def expected_gain(shade: float, value: float, low: float, high: float, *, tau_eff: float, belief_q: float,
                  snipe_base: float, snipe_slope: float) -> float:
    """``G(s)``: expected tax saved minus expected snipe loss of declaring ``value * (1 - shade)``."""
    declared = value * (1.0 - shade)
    p = snipe_probability(value, declared, low, high, belief_q=belief_q, snipe_base=snipe_base,
                          snipe_slope=snipe_slope)
    gap = value - declared
    return tau_eff * gap - p * gap / 2.0


def best_shade(value: float, low: float, high: float, *, tau_eff: float, belief_q: float, snipe_base: float,
               snipe_slope: float, grid: Sequence[float] = DEFAULT_GRID) -> float:
    """The shade of ``grid`` with the largest expected gain (the smallest one among ties; 0 if none pays)."""
    if value <= 0:
        return 0.0
    best_s, best_g = 0.0, 0.0
    for s in grid:
        g = expected_gain(s, value, low, high, tau_eff=tau_eff, belief_q=belief_q, snipe_base=snipe_base,
                          snipe_slope=snipe_slope)
        if g > best_g + 1e-9:
            best_s, best_g = float(s), g
    return best_s


def effective_tax(tau_percent: float, shares: float = 0.0) -> float:
    """``tau / 100 * (1 - shares / 100)``: the marginal tax a holder of ``shares`` shares bears."""
    return tau_percent / 100.0 * (1.0 - min(max(shares, 0.0), 100.0) / 100.0)
