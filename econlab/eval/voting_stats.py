"""Voting statistics of the spec's "Human reference data" (ibex-voting.md §11.3), from the tidy tables.

Per owner-round: the request (index 1 of the owner's request; a missing request counts as the server's
default 0), the own loss ``v0 - v1``, their ratio, the vote. Per round: the developer's gain ``v1 - v0``, the sum
of the owners' losses, the median of the five requests the developer sees, the offer (index 1), offer / median
request, offer / gain, 5 x offer / gain, yes and no votes, whether the project passed and whether that was
the efficient outcome. By default only paid rounds count, as in the spec.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: statistic -> (level, column): the distributions compared between simulated and human play
STATISTICS: dict[str, tuple[str, str]] = {
    "request / own loss": ("owner", "request_ratio"),
    "vote in favour": ("owner", "vote_yes"),
    "offer / median request": ("round", "offer_over_median_request"),
    "offer / developer gain": ("round", "offer_over_gain"),
    "project implemented": ("round", "project"),
    "efficient outcome": ("round", "efficient"),
    "realised / maximal welfare": ("round", "efficiency"),
}


def owner_rounds(seats: pd.DataFrame, *, paid_only: bool = True) -> pd.DataFrame:
    """One row per owner and Voting round."""
    s = seats[(seats["treatment"] == "voting") & (seats["role"] == "owner")]
    if paid_only:
        s = s[s["paid"]]
    out = s[["game_id", "scenario", "round", "seat", "policy", "value_0", "value_1", "request", "vote"]].copy()
    out["request"] = out["request"].fillna(0.0)
    out["loss"] = out["value_0"] - out["value_1"]
    with np.errstate(invalid="ignore", divide="ignore"):
        out["request_ratio"] = np.where(out["loss"] > 0, out["request"] / out["loss"], np.nan)
    out["vote_yes"] = (out["vote"] == "yes").astype(float)
    out["vote_no"] = (out["vote"] == "no").astype(float)
    return out.reset_index(drop=True)


def voting_rounds(seats: pd.DataFrame, rounds: pd.DataFrame, *, paid_only: bool = True) -> pd.DataFrame:
    """One row per Voting round."""
    owners = owner_rounds(seats, paid_only=paid_only)
    dev = seats[(seats["treatment"] == "voting") & (seats["role"] == "developer")]
    r = rounds[rounds["treatment"] == "voting"]
    if paid_only:
        r = r[r["paid"]]
    keys = ["game_id", "round"]
    agg = owners.groupby(keys).agg(owner_loss_sum=("loss", "sum"), median_request=("request", "median"),
                                   yes=("vote_yes", "sum"), no=("vote_no", "sum"), owners=("seat", "count"))
    gain = dev.assign(dev_gain=dev["value_1"] - dev["value_0"]).set_index(keys)["dev_gain"]
    out = r[["game_id", "scenario", "round", "condition", "offer", "value_sum_0", "value_sum_1"]].merge(
        agg.reset_index(), on=keys, how="left").merge(gain.reset_index(), on=keys, how="left")
    out["offer"] = out["offer"].fillna(0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["offer_over_median_request"] = np.where(out["median_request"] > 0,
                                                    out["offer"] / out["median_request"], np.nan)
        out["offer_over_gain"] = np.where(out["dev_gain"] > 0, out["offer"] / out["dev_gain"], np.nan)
        out["total_cost_over_gain"] = out["owners"] * out["offer_over_gain"]
    out["project"] = (out["condition"] == 1).astype(float)
    efficient_condition = np.where(out["value_sum_1"] > out["value_sum_0"], 1, 0)
    out["efficient"] = (out["condition"] == efficient_condition).astype(float)
    realised = np.where(out["condition"] == 1, out["value_sum_1"], out["value_sum_0"])
    out["efficiency"] = realised / np.maximum(out["value_sum_0"], out["value_sum_1"])
    return out


def voting_samples(seats: pd.DataFrame, rounds: pd.DataFrame, *, paid_only: bool = True
                   ) -> dict[str, pd.DataFrame]:
    """The samples of every statistic in :data:`STATISTICS`: ``{name: DataFrame(game_id, value)}``."""
    tables = {"owner": owner_rounds(seats, paid_only=paid_only),
              "round": voting_rounds(seats, rounds, paid_only=paid_only)}
    out = {}
    for name, (level, col) in STATISTICS.items():
        t = tables[level]
        out[name] = pd.DataFrame({"game_id": t["game_id"].to_numpy(), "value": t[col].to_numpy(dtype=float)})
    return out


def voting_summary(seats: pd.DataFrame, rounds: pd.DataFrame, *, paid_only: bool = True) -> dict[str, float]:
    """The headline figures of ibex-voting.md §11.3 (for the human sessions, and for simulated Voting)."""
    o = owner_rounds(seats, paid_only=paid_only)
    r = voting_rounds(seats, rounds, paid_only=paid_only)
    ratio = o["request_ratio"].dropna()
    realised = np.where(r["condition"] == 1, r["value_sum_1"], r["value_sum_0"])
    return {
        "owner_rounds": float(len(o)),
        "rounds": float(len(r)),
        "request_mean": float(o["request"].mean()),
        "request_median": float(o["request"].median()),
        "request_ratio_mean": float(ratio.mean()),
        "request_ratio_median": float(ratio.median()),
        "request_at_least_loss": float((o["request"] >= o["loss"]).mean()),
        "offer_mean": float(r["offer"].mean()),
        "offer_median": float(r["offer"].median()),
        "offer_over_median_request_mean": float(r["offer_over_median_request"].mean()),
        "offer_over_median_request_median": float(r["offer_over_median_request"].median()),
        "offer_over_gain_mean": float(r["offer_over_gain"].mean()),
        "offer_over_gain_median": float(r["offer_over_gain"].median()),
        "total_cost_over_gain_mean": float(r["total_cost_over_gain"].mean()),
        "votes_yes": float(o["vote_yes"].sum()),
        "votes_no": float(o["vote_no"].sum()),
        "share_in_favour": float(o["vote_yes"].mean()),
        "projects": float(r["project"].sum()),
        "project_rate": float(r["project"].mean()),
        "efficiency_rate": float(r["efficient"].mean()),
        "welfare_ratio": float(realised.sum() / np.maximum(r["value_sum_0"], r["value_sum_1"]).sum()),
        "welfare_ratio_mean": float(r["efficiency"].mean()),
    }
