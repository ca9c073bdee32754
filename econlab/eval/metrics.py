"""Mechanism metrics per round, per game and aggregated with bootstrap confidence intervals.

Definitions (all from the ``rounds`` and ``seats`` tables of :mod:`econlab.eval.dataset`):

* **welfare** of condition c: the sum of every seat's true value under c. The *efficient* condition is the one
  with the larger sum; ``efficiency`` = realised / maximal welfare; ``efficient`` = whether the realised
  condition reaches the maximum; ``gap_captured`` = (realised - min) / (max - min).
* **truthfulness**: declared / true value, per seat, declaration phase (1 = first, 2 = second) and condition.
* **snipes**: snipes per round and the snipers' profit from them; **tax revenue**: first + second taxes.
* **fundamental**: the per-share dividend if every second declaration were truthful,
  ``sum of true values at w x tau2 / 10000``; compared with the traded price and the final (paid) price.
* **volume** (shares traded) and **spread** (mean quoted spread, :mod:`econlab.eval.market_stats`).
* **inequality**: the Gini coefficient of the seats' round profits (mean absolute difference / (2 x mean)).

Confidence intervals are percentile bootstraps (``numpy``, seeded). Rounds of one game are not independent, so
:func:`bootstrap_ci` resamples whole games (clusters) when given their ids.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

Statistic = Callable[[np.ndarray], float]


def gini(values: Sequence[float] | np.ndarray) -> float:
    """Gini coefficient: mean absolute difference over all ordered pairs / (2 x mean); NaN if undefined."""
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    if x.size == 0 or x.mean() <= 0:
        return float("nan")
    diff = np.abs(x[:, None] - x[None, :]).mean()
    return float(diff / (2 * x.mean()))


def bootstrap_ci(values: Sequence[float] | np.ndarray, statistic: Statistic = np.mean, *,
                 groups: Sequence[Any] | np.ndarray | None = None, n_boot: int = 2000, seed: int = 0,
                 level: float = 0.95) -> tuple[float, float, float]:
    """Point estimate and percentile bootstrap CI of ``statistic(values)``, NaNs dropped.

    Args:
        values: The sample.
        statistic: A function of a 1-d array.
        groups: Cluster ids (e.g. game ids): whole clusters are resampled.
        n_boot: Bootstrap replicates.
        seed: Seed of the resampling.
        level: Coverage of the interval.

    Returns:
        ``(estimate, low, high)``; NaNs for an empty sample.
    """
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), got {level}")
    x = np.asarray(values, dtype=float)
    g = np.asarray(groups) if groups is not None else np.arange(x.size)
    if g.shape != x.shape:
        raise ValueError(f"groups has shape {g.shape}, values {x.shape}")
    keep = ~np.isnan(x)
    x, g = x[keep], g[keep]
    if x.size == 0:
        return (float("nan"),) * 3
    est = float(statistic(x))
    labels, codes = np.unique(g, return_inverse=True)
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, labels.size, (n_boot, labels.size))
    if statistic is np.mean:
        # the mean of a resample is (sum of the picked clusters' sums) / (sum of their sizes): no copies needed
        sums, sizes = np.bincount(codes, weights=x), np.bincount(codes).astype(float)
        stats = sums[picks].sum(axis=1) / sizes[picks].sum(axis=1)
    else:
        members = [x[codes == i] for i in range(labels.size)]
        stats = np.array([statistic(np.concatenate([members[i] for i in pick])) for pick in picks])
    alpha = (1 - level) / 2
    lo, hi = np.nanquantile(stats, [alpha, 1 - alpha])
    return est, float(lo), float(hi)


def summarize(df: pd.DataFrame, by: Sequence[str], columns: Sequence[str], *, cluster: str | None = "game_id",
              statistic: Statistic = np.mean, n_boot: int = 2000, seed: int = 0) -> pd.DataFrame:
    """Per group of ``by``: estimate, 95% CI and sample size of each column (games resampled as clusters)."""
    rows = []
    for key, part in df.groupby(list(by), sort=True, dropna=False):
        key = key if isinstance(key, tuple) else (key,)
        for col in columns:
            groups = part[cluster].to_numpy() if cluster else None
            est, lo, hi = bootstrap_ci(part[col].to_numpy(dtype=float), statistic, groups=groups, n_boot=n_boot,
                                       seed=seed)
            rows.append(dict(zip(by, key, strict=True)) | {"metric": col, "estimate": est, "ci_low": lo,
                                                          "ci_high": hi, "n": int(part[col].notna().sum())})
    return pd.DataFrame(rows)


def round_metrics(rounds: pd.DataFrame, seats: pd.DataFrame) -> pd.DataFrame:
    """One row per game x round with the metrics of the module docstring."""
    out = rounds.copy()
    w = out["condition"]
    realised = np.where(w == 1, out["value_sum_1"], np.where(w == 0, out["value_sum_0"], np.nan))
    best = np.maximum(out["value_sum_0"], out["value_sum_1"])
    worst = np.minimum(out["value_sum_0"], out["value_sum_1"])
    out["welfare"] = realised
    out["welfare_max"] = best
    out["efficient_condition"] = np.where(out["value_sum_1"] > out["value_sum_0"], 1, 0)
    out["efficiency"] = realised / best
    out["efficient"] = np.where(np.isnan(realised), np.nan, (realised >= best).astype(float))
    with np.errstate(invalid="ignore", divide="ignore"):
        out["gap_captured"] = np.where(best > worst, (realised - worst) / (best - worst), np.nan)
    keys = ["game_id", "round"]
    per = seats.groupby(keys, sort=False)
    out = out.merge(per["profit"].apply(gini).rename("gini").reset_index(), on=keys, how="left")
    if "tax1" in seats:
        extra = per.agg(tax_revenue=("tax1", "sum"), tax2=("tax2", "sum"),
                        snipe_profit=("snipe_profit", "sum")).reset_index()
        extra["tax_revenue"] = extra["tax_revenue"] + extra.pop("tax2")
        out = out.merge(extra, on=keys, how="left")
        market = out["treatment"] != "voting"
        out["fundamental"] = np.where(market, realised * out["tax_rate_final"] / 10000, np.nan)
        with np.errstate(invalid="ignore", divide="ignore"):
            out["price_over_fundamental"] = out["mean_trade_price"] / out["fundamental"]
            out["final_price_over_fundamental"] = out["final_price"] / out["fundamental"]
        out["price_error"] = out["mean_trade_price"] - out["fundamental"]
    return out


def truthfulness(seats: pd.DataFrame) -> pd.DataFrame:
    """Long table: declared / true value per seat, round, declaration phase (1, 2) and condition (0, 1)."""
    if "decl1_0" not in seats:
        return pd.DataFrame(columns=["game_id", "treatment", "scenario", "round", "seat", "role", "policy", "phase",
                                     "condition", "declared", "true", "ratio"])
    parts = []
    base = seats[["game_id", "treatment", "scenario", "round", "paid", "seat", "role", "policy"]]
    for phase in (1, 2):
        for c in (0, 1):
            part = base.copy()
            part["phase"], part["condition"] = phase, c
            part["declared"] = seats[f"decl{phase}_{c}"].to_numpy()
            part["true"] = seats[f"value_{c}"].to_numpy()
            parts.append(part)
    out = pd.concat(parts, ignore_index=True)
    out = out[out["declared"].notna() & (out["true"] > 0)].copy()
    out["ratio"] = out["declared"] / out["true"]
    return out.reset_index(drop=True)


def profit_by_role(seats: pd.DataFrame) -> pd.DataFrame:
    """Per game and role: mean round profit over paid rounds (points) and mean payment (euros)."""
    paid = seats[seats["paid"]]
    return (paid.groupby(["game_id", "treatment", "scenario", "role"], sort=True)
            .agg(profit=("profit", "mean"), payment=("payment", "mean")).reset_index())


def game_metrics(per_round: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """Per game: the mean of each round metric over its paid rounds."""
    paid = per_round[per_round["paid"]]
    cols = [c for c in columns if c in paid]
    return paid.groupby(["game_id", "treatment", "scenario"], sort=True)[cols].mean().reset_index()
