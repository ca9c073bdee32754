"""A small design search for tests: 4 short Harberger games per candidate, two parameters, an exploit check."""

from __future__ import annotations

from typing import Any

CONFIG: dict[str, Any] = {
    "name": "tiny",
    "treatment": "harberger",
    "game": {"rounds": 1, "practice_round": False, "market_ticks": 3},
    "populations": [{"name": "strategic", "default": "strategic"}],
    "seeds": {"start": 0, "count": 4},
    "space": [
        {"name": "tax_rate.final", "type": "int", "low": 5, "high": 80, "note": "second-declaration tax"},
        {"name": "speculators.count", "type": "int", "low": 1, "high": 6},
    ],
    "objective": {"terms": [{"metric": "efficiency"}, {"metric": "role_gini", "weight": -1.0}],
                  "constraints": [{"metric": "tax_revenue", "min": 1.0}]},
    "exploit": {"seat": 7, "focal": "truthful", "population": "strategic"},
    "designer": {"kind": "optuna", "seed": 0, "candidates": 6, "startup": 3},
}


def config(**changes: Any) -> dict[str, Any]:
    """The test config with top-level changes."""
    return {**CONFIG, **changes}
