"""The expected-profit shading rule."""

from __future__ import annotations

import pytest

from econlab.policies import shading

BELIEF = {"belief_q": 0.3, "snipe_base": 0.05, "snipe_slope": 2.0}


def test_probability_is_one_below_the_threshold_and_rises_with_the_gap() -> None:
    p = [shading.snipe_probability(500000, d, 350000, 600000, **BELIEF) for d in (500000, 470000, 440000)]
    assert p[0] == pytest.approx(0.05) and p[0] < p[1] < p[2] < 1
    assert shading.snipe_probability(500000, 420000, 350000, 600000, **BELIEF) == 1.0


def test_first_declaration_tax_never_pays_for_the_snipe_risk() -> None:
    assert shading.best_shade(500000, 350000, 600000, tau_eff=0.01, **BELIEF) == 0.0


def test_second_declaration_is_shaded_above_the_threshold() -> None:
    tau = shading.effective_tax(33, shares=6)
    assert tau == pytest.approx(0.33 * 0.94)
    s = shading.best_shade(500000, 350000, 600000, tau_eff=tau, **BELIEF)
    assert 0 < s < 0.3
    assert 500000 * (1 - s) >= 350000 + 0.3 * 250000
    # analytic interior optimum (tau - base / 2) * range / (slope * v), on the grid's step
    assert s == pytest.approx((tau - 0.025) * 250000 / (2.0 * 500000), abs=0.0126)
    gains = [shading.expected_gain(x, 500000, 350000, 600000, tau_eff=tau, **BELIEF) for x in shading.DEFAULT_GRID]
    assert max(gains) == pytest.approx(shading.expected_gain(s, 500000, 350000, 600000, tau_eff=tau, **BELIEF))


def test_no_shading_when_a_truthful_declaration_is_already_below_the_threshold() -> None:
    tau = shading.effective_tax(33)
    assert shading.best_shade(360000, 350000, 600000, tau_eff=tau, **BELIEF) == 0.0
    assert shading.best_shade(0, 350000, 600000, tau_eff=tau, **BELIEF) == 0.0
