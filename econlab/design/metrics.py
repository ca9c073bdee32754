"""Per-game metrics of a candidate's tournament, from the tables of :mod:`econlab.eval.dataset`.

One row per population game (scenario, seed, repetition), each the mean over the game's paid rounds:

* from :func:`econlab.eval.metrics.round_metrics`: ``efficiency``, ``efficient``, ``gap_captured``, ``welfare``
  (realised sum of true values), ``gini`` (of seat profits), ``tax_revenue``, ``snipe_profit``, ``volume``,
  ``price_error`` (mean traded price minus the fundamental) and ``abs_price_error``;
* ``total_profit`` (sum of every seat's round profit), ``profit_<role>`` (a role's mean round profit),
  ``payment_<role>`` (its mean payment in euros) and ``role_gini`` (Gini of the roles' mean payments: inequality
  across roles, in comparable units);
* ``exploit_gain`` / ``exploit_others_loss``: with an exploit check, the focal policy's paired gain at its seat over
  the population's own policy, and what the other seats lose (:mod:`econlab.eval.exploit`), on the games of the
  exploit's population (NaN on the others).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from econlab.eval.exploit import paired_profits
from econlab.eval.metrics import gini, round_metrics

ROUND_METRICS = ("efficiency", "efficient", "gap_captured", "welfare", "gini", "tax_revenue", "snipe_profit",
                 "volume", "price_error", "abs_price_error")
ROLES = ("owner", "developer", "speculator")
METRICS = (*ROUND_METRICS, "total_profit", *(f"profit_{r}" for r in ROLES), *(f"payment_{r}" for r in ROLES),
           "role_gini", "exploit_gain", "exploit_others_loss")
KEYS = ["scenario", "seed", "repetition"]


def game_table(tables: dict[str, pd.DataFrame], populations: list[str],
               exploit: tuple[int, str, str] | None = None) -> pd.DataFrame:
    """Per-game metrics (module docstring) of the games of ``populations``.

    Args:
        tables: ``build_tables`` output of the candidate's tournament.
        populations: The population scenarios whose games are scored.
        exploit: ``(seat, focal_scenario, baseline_population)`` of the exploit check, if any.

    Returns:
        One row per population game with :data:`KEYS` and every metric of :data:`METRICS`.
    """
    games, rounds, seats = tables["games"], tables["rounds"], tables["seats"]
    per_round = round_metrics(rounds, seats)
    if "price_error" in per_round:
        per_round["abs_price_error"] = per_round["price_error"].abs()
    paid = per_round[per_round["paid"]]
    cols = [c for c in ROUND_METRICS if c in paid]
    out = paid.groupby("game_id", sort=True)[cols].mean()
    pseats = seats[seats["paid"]]
    out["total_profit"] = pseats.groupby(["game_id", "round"])["profit"].sum().groupby("game_id").mean()
    by_role = pseats.groupby(["game_id", "role"]).agg(profit=("profit", "mean"), payment=("payment", "mean"))
    for role in ROLES:
        if role in by_role.index.get_level_values("role"):
            part = by_role.xs(role, level="role")
            out[f"profit_{role}"] = part["profit"]
            out[f"payment_{role}"] = part["payment"]
    pay = by_role["payment"].unstack("role")
    out["role_gini"] = pay.apply(lambda r: gini(r.to_numpy(dtype=float)), axis=1)
    meta = games.set_index("game_id")[KEYS]
    out = meta.join(out, how="inner")
    out = out[out["scenario"].isin(populations)].reset_index()
    out["exploit_gain"] = np.nan
    out["exploit_others_loss"] = np.nan
    if exploit is not None:
        seat, focal, baseline = exploit
        pairs = paired_profits(seats, games, seat=seat, focal=focal, baseline=baseline)
        gain = pairs.set_index(["seed", "repetition"])[["gain", "others_loss"]]
        mask = out["scenario"] == baseline
        idx = pd.MultiIndex.from_frame(out.loc[mask, ["seed", "repetition"]])
        out.loc[mask, "exploit_gain"] = gain["gain"].reindex(idx).to_numpy()
        out.loc[mask, "exploit_others_loss"] = gain["others_loss"].reindex(idx).to_numpy()
    for m in METRICS:
        if m not in out:
            out[m] = np.nan
    return out[["game_id", *KEYS, *METRICS]].sort_values(KEYS).reset_index(drop=True)


def means(table: pd.DataFrame) -> dict[str, float]:
    """The mean of every metric over the games (NaNs skipped; NaN where a metric has no value)."""
    out = {}
    for m in METRICS:
        col = table[m].to_numpy(dtype=float)
        out[m] = float(np.nanmean(col)) if np.isfinite(col).any() else float("nan")
    return out
