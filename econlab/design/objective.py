"""The social objective as data: a weighted sum of tournament metrics, with constraints.

Every metric is a per-game number (:mod:`econlab.design.metrics` lists them: ``efficiency``, ``welfare``,
``tax_revenue``, ``role_gini``, ``exploit_gain``, ...). A term adds ``weight * metric / scale`` (``scale`` puts
metrics in points and in shares on a common footing); the score of a game is the sum of its terms, the score of a
design the mean over its games, so paired differences between designs are means of per-game differences.

A constraint bounds the *mean* of a metric (``min`` and/or ``max``). A design that violates one stays in the search
but is marked infeasible and its score is lowered by ``penalty`` times the relative violation, so designers learn
where the boundary lies. The best design is the best feasible one.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator


class Term(BaseModel):
    """``weight * metric / scale`` (positive weights reward, negative weights punish the metric)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    metric: str
    weight: float = 1.0
    scale: float = Field(default=1.0, gt=0)


class Constraint(BaseModel):
    """Bounds on the mean of a metric over a design's games."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    metric: str
    min: float | None = None
    max: float | None = None

    @model_validator(mode="after")
    def _check(self) -> Constraint:
        if self.min is None and self.max is None:
            raise ValueError(f"constraint on {self.metric}: give min and/or max")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"constraint on {self.metric}: min {self.min} > max {self.max}")
        return self

    def violation(self, value: float) -> float:
        """How far ``value`` lies outside the bounds, relative to the bound's size (0: satisfied; inf: NaN)."""
        if not math.isfinite(value):
            return math.inf
        v = 0.0
        if self.min is not None and value < self.min:
            v = (self.min - value) / max(abs(self.min), 1e-12)
        if self.max is not None and value > self.max:
            v = (value - self.max) / max(abs(self.max), 1e-12)
        return v


class Objective(BaseModel):
    """A social utility function over tournament metrics (module docstring)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    description: str = ""
    terms: list[Term] = Field(min_length=1)
    constraints: list[Constraint] = Field(default_factory=list)
    penalty: float = Field(default=10.0, ge=0)

    def metrics(self) -> list[str]:
        """Every metric the objective reads."""
        return sorted({t.metric for t in self.terms} | {c.metric for c in self.constraints})

    def check_metrics(self, available: list[str]) -> None:
        """Raise if the objective reads a metric that is not computed.

        Raises:
            ValueError: Names the unknown metrics and the known ones.
        """
        unknown = [m for m in self.metrics() if m not in available]
        if unknown:
            raise ValueError(f"objective: unknown metrics {unknown}; available: {', '.join(sorted(available))}")

    def game_scores(self, per_game: Mapping[str, np.ndarray]) -> np.ndarray:
        """The score of each game (sum of terms; a game missing a metric scores NaN)."""
        n = len(next(iter(per_game.values())))
        out = np.zeros(n)
        for t in self.terms:
            out = out + t.weight * np.asarray(per_game[t.metric], dtype=float) / t.scale
        return out

    def evaluate(self, means: Mapping[str, float], per_game: Mapping[str, np.ndarray]) -> dict[str, Any]:
        """Score, feasibility and violations of one design from its metric means and per-game metrics."""
        scores = self.game_scores(per_game)
        raw = float(np.nanmean(scores)) if np.isfinite(scores).any() else math.nan
        violations = {c.metric: c.violation(float(means.get(c.metric, math.nan))) for c in self.constraints}
        total = sum(violations.values())
        feasible = total == 0
        score = raw - self.penalty * total if math.isfinite(total) else -math.inf
        return {"score": score, "raw_score": raw, "feasible": feasible,
                "violations": {k: v for k, v in violations.items() if v > 0}}

    def describe(self) -> str:
        """A short formula (prompts and reports)."""
        parts = [f"{t.weight:+g} * {t.metric}" + (f" / {t.scale:g}" if t.scale != 1 else "") for t in self.terms]
        text = "mean over games of (" + " ".join(parts) + ")"
        for c in self.constraints:
            lo = f"{c.min:g} <= " if c.min is not None else ""
            hi = f" <= {c.max:g}" if c.max is not None else ""
            text += f"; subject to {lo}mean {c.metric}{hi}"
        return text
