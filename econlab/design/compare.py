"""Fresh-seed check of a design against the lab default: paired differences with bootstrap 95% CIs.

The search picks its best design on the search's own seeds, so its score there is optimistic (the winner's curse).
:func:`fresh_comparison` plays the design and the empty design (the lab default) on seeds the search never used,
with common random numbers (the same game seeds for both), pairs the games by (population, seed, repetition) and
reports the mean per-game difference of the objective and of every metric with a percentile bootstrap CI over pairs,
plus whether the design meets the constraints on the fresh games.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from econlab.design import metrics as dm
from econlab.design.config import DesignConfig
from econlab.design.evaluate import KEYS_FRESH, play_design
from econlab.eval.metrics import bootstrap_ci


def fresh_comparison(config: DesignConfig, design: dict[str, Any], folder: str | Path, *, start: int = 100_000,
                     count: int = 200, n_boot: int = 4000) -> dict[str, Any]:
    """Play ``design`` and the lab default on ``count`` fresh seeds from ``start``; paired differences with CIs.

    Returns:
        ``{"seeds", "pairs", "objective": {estimate, ci_low, ci_high, design_mean, default_mean}, "metrics": {...},
        "design_feasible", "default_feasible", "violations"}`` (also written to ``folder/fresh.json``).
    """
    if count < 2:
        raise ValueError(f"count must be >= 2 for a confidence interval, got {count}")
    out = Path(folder)
    seeds = list(range(start, start + count))
    overlap = sorted(set(seeds) & set(config.seed_list()))
    if overlap:
        raise ValueError(f"fresh seeds overlap the search's seeds ({overlap[:5]}...); choose another start")
    tables = {}
    for label, d in (("default", {}), ("design", design)):
        tables[label] = play_design(config, d, out / label, f"fresh-{label}", seeds=seeds)
    a, b = (t.set_index(KEYS_FRESH) for t in (tables["design"], tables["default"]))
    common = a.index.intersection(b.index)
    a, b = a.loc[common], b.loc[common]
    obj = config.objective
    sa = obj.game_scores({m: a[m].to_numpy(dtype=float) for m in dm.METRICS})
    sb = obj.game_scores({m: b[m].to_numpy(dtype=float) for m in dm.METRICS})
    est, lo, hi = bootstrap_ci(sa - sb, np.mean, n_boot=n_boot, seed=0)
    metrics = {}
    for m in dm.METRICS:
        diff = a[m].to_numpy(dtype=float) - b[m].to_numpy(dtype=float)
        if np.isfinite(diff).any():
            e, l_, h = bootstrap_ci(diff, np.mean, n_boot=n_boot, seed=0)
            metrics[m] = {"design": float(np.nanmean(a[m])), "default": float(np.nanmean(b[m])), "diff": e,
                          "ci_low": l_, "ci_high": h}
    ev_a = obj.evaluate(dm.means(a.reset_index()), {m: a[m].to_numpy(dtype=float) for m in dm.METRICS})
    ev_b = obj.evaluate(dm.means(b.reset_index()), {m: b[m].to_numpy(dtype=float) for m in dm.METRICS})
    result = {"design": design, "seeds": [start, start + count - 1], "pairs": int(len(common)),
              "objective": {"estimate": est, "ci_low": lo, "ci_high": hi, "design_mean": float(np.nanmean(sa)),
                            "default_mean": float(np.nanmean(sb))},
              "metrics": metrics, "design_feasible": ev_a["feasible"], "default_feasible": ev_b["feasible"],
              "violations": ev_a["violations"]}
    (out / "fresh.json").write_text(json.dumps(result, indent=2, default=float) + "\n", encoding="utf-8")
    return result


def fresh_markdown(result: dict[str, Any]) -> str:
    """The comparison as a markdown section."""
    o = result["objective"]
    verdict = ("improves" if o["ci_low"] > 0 else "worsens" if o["ci_high"] < 0 else "does not significantly change")
    lines = [f"## Fresh-seed check: `{json.dumps(result['design'], sort_keys=True)}` vs the lab default", "",
             f"Seeds {result['seeds'][0]}..{result['seeds'][1]} ({result['pairs']} paired games). "
             f"Objective difference (design - default): **{o['estimate']:+.4g}** "
             f"[95% CI {o['ci_low']:+.4g}, {o['ci_high']:+.4g}] (design {o['design_mean']:.4g}, default "
             f"{o['default_mean']:.4g}): the design {verdict} the objective. Constraints met on the fresh games: "
             f"design {result['design_feasible']}, default {result['default_feasible']}.", "",
             "| metric | design | default | difference [95% CI] |", "|---|---|---|---|"]
    for m, r in result["metrics"].items():
        lines.append(f"| {m} | {r['design']:.5g} | {r['default']:.5g} | {r['diff']:+.4g} "
                     f"[{r['ci_low']:+.4g}, {r['ci_high']:+.4g}] |")
    return "\n".join(lines) + "\n"


def frame_of(result: dict[str, Any]) -> pd.DataFrame:
    """The metric differences as a table."""
    return pd.DataFrame([{"metric": m} | r for m, r in result["metrics"].items()])
