"""Calibration report: every statistic vs the humans on held-out sessions, before and after tuning.

Reads a search folder (``scores.csv``, ``cv.csv``, ``search.json`` of :mod:`econlab.calibration.search`) and
writes ``report.html`` (+ ``report.csv``, ``objectives.csv``, ``gaps.csv``, ``llm_outcomes.csv``): per held-out
session, the human and simulated means with CIs (bars), the KS and Wasserstein distances with CIs per variant,
ECDFs of every statistic, the objective (mean KS) of each variant, where each variant differs most from the
humans (statistics ranked by KS distance), and how often each variant's LLM answers fell back.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

COLUMNS = ["held_out", "variant", "role", "statistic", "human", "human_low", "human_high", "simulated", "sim_low",
           "sim_high", "ks", "ks_low", "ks_high", "wasserstein", "wasserstein_low", "wasserstein_high", "n_human",
           "n_sim"]


def held_out_table(search_dir: str | Path) -> pd.DataFrame:
    """The held-out rows of every fold (selected variant and baselines), in :data:`COLUMNS` order.

    Raises:
        ValueError: The folder holds no ``cv.csv`` (run ``econlab calibrate prompts`` first).
    """
    path = Path(search_dir) / "cv.csv"
    if not path.exists():
        raise ValueError(f"{path} does not exist; run `econlab calibrate prompts CONFIG` first")
    cv = pd.read_csv(path)
    return cv[[c for c in COLUMNS if c in cv.columns]]


def objectives(table: pd.DataFrame) -> pd.DataFrame:
    """Mean KS distance (and mean of its CI bounds) per held-out session and variant, best first."""
    from econlab.calibration.scoring import objective

    g = table.groupby(["held_out", "variant", "role"], as_index=False)
    out = g.agg(mean_ks_low=("ks_low", "mean"), mean_ks_high=("ks_high", "mean"), statistics=("ks", "count"))
    # the objective (a statistic the simulation cannot produce counts as 1); the bounds are means of the
    # per-statistic CI bounds, a rough range rather than a CI of the mean
    out.insert(3, "mean_ks", [objective(part) for _, part in g])
    return out.sort_values(["held_out", "mean_ks"]).reset_index(drop=True)


def largest_gaps(table: pd.DataFrame, top: int = 3) -> pd.DataFrame:
    """Per held-out session and variant, the ``top`` statistics with the largest KS distance to the humans."""
    t = table.dropna(subset=["ks"]).sort_values(["held_out", "variant", "ks"], ascending=[True, True, False])
    return t.groupby(["held_out", "variant"]).head(top)[["held_out", "variant", "statistic", "human", "simulated",
                                                          "ks", "ks_low", "ks_high"]].reset_index(drop=True)


def llm_outcomes(search_dir: str | Path) -> pd.DataFrame:
    """LLM answers per variant, session and decision: valid first time, repaired, or the truthful fallback.

    A fallback decision is the documented truthful action, not the model's, so a statistic of a variant with
    many fallbacks describes the fallback rule more than the model.
    """
    rows = []
    for path in sorted((Path(search_dir) / "records").glob("*.record.json")):
        variant, _, rest = path.name[: -len(".record.json")].partition("--")
        session = rest.rsplit("-s", 1)[0]
        record = json.loads(path.read_text(encoding="utf-8"))
        for call in record.get("llm_calls") or ():
            rows.append({"variant": variant, "session": session, "decision": call["decision"],
                         "outcome": call["outcome"]})
    if not rows:
        return pd.DataFrame(columns=["variant", "session", "decision", "first", "repaired", "fallback"])
    t = pd.DataFrame(rows).pivot_table(index=["variant", "session", "decision"], columns="outcome",
                                       aggfunc="size", fill_value=0).reset_index()
    for col in ("first", "repaired", "fallback"):
        if col not in t:
            t[col] = 0
    return t[["variant", "session", "decision", "first", "repaired", "fallback"]]


def _bars(table: pd.DataFrame, held: str) -> bytes:
    from econlab.eval import plots

    part = table[table["held_out"] == held]
    rows = []
    for r in part.to_dict("records"):
        rows.append({"statistic": r["statistic"], "series": r["variant"], "estimate": r["simulated"],
                     "ci_low": r["sim_low"], "ci_high": r["sim_high"]})
    human = part.drop_duplicates("statistic")
    for r in human.to_dict("records"):
        rows.append({"statistic": r["statistic"], "series": "human", "estimate": r["human"],
                     "ci_low": r["human_low"], "ci_high": r["human_high"]})
    return plots.bars_with_ci(pd.DataFrame(rows), group="statistic", series="series",
                              title=f"held-out {held}: means with 95% CIs", ylabel="mean")


def _ks_bars(table: pd.DataFrame, held: str) -> bytes:
    from econlab.eval import plots

    part = table[table["held_out"] == held].rename(columns={"ks": "estimate", "ks_low": "ci_low",
                                                            "ks_high": "ci_high"})
    return plots.bars_with_ci(part, group="statistic", series="variant",
                              title=f"held-out {held}: KS distance to the humans (lower is closer)",
                              ylabel="KS distance")


def _ecdfs(smp: pd.DataFrame, held: str) -> str:
    """One ECDF figure per variant: every statistic of the variant vs the humans of the held-out session."""
    import numpy as np

    from econlab.eval import plots
    from econlab.eval.report import img_tag

    part = smp[smp["session"] == held]
    human = part[part["source"] == "human"]
    out = []
    for variant in sorted(set(part["source"]) - {"human"}):
        sim = part[part["source"] == variant]
        panels = {stat: (human.loc[human["statistic"] == stat, "value"].to_numpy(dtype=float),
                         sim.loc[sim["statistic"] == stat, "value"].to_numpy(dtype=float))
                  for stat in dict.fromkeys(human["statistic"])}
        panels = {k: v for k, v in panels.items() if np.isfinite(v[0]).any() or np.isfinite(v[1]).any()}
        out.append(img_tag(plots.distributions(panels, f"{held}: human vs {variant}"), f"ECDF {variant}"))
    return "".join(out)


def write_report(search_dir: str | Path, out: str | Path | None = None) -> Path:
    """Write ``report.html`` (default: in the search folder) with its CSV tables; returns the page's path."""
    from econlab.eval.report import img_tag, page, table_html

    search_dir = Path(search_dir)
    table = held_out_table(search_dir)
    obj = objectives(table)
    gaps = largest_gaps(table)
    meta = json.loads((search_dir / "search.json").read_text(encoding="utf-8")) \
        if (search_dir / "search.json").exists() else {}
    folds = pd.DataFrame([{"held_out": f["held_out"], "fit on": ", ".join(f["fit"]), "selected": f["selected"],
                           "in-sample": f["in_sample"]} for f in meta.get("folds", [])])
    note = ('<p class="note">Distances are non-negative, so their bootstrap CIs lie above zero even for identical '
            "populations. Resampling unit: the round of a game (one session per side). Objective: mean KS over the "
            "statistics. The selected variant was chosen on the other sessions only.</p>")
    sections = [("Folds", note + table_html(folds)), ("Objective on held-out sessions", table_html(obj)),
                ("Where the simulated agents differ most", table_html(gaps)),
                ("LLM answers (first / repaired / truthful fallback)", table_html(llm_outcomes(search_dir)))]
    smp = pd.read_csv(search_dir / "samples.csv") if (search_dir / "samples.csv").exists() else None
    for held in sorted(table["held_out"].unique()):
        body = (img_tag(_bars(table, held), f"means {held}") + img_tag(_ks_bars(table, held), f"KS {held}")
                + table_html(table[table["held_out"] == held]))
        if smp is not None:
            body += _ecdfs(smp, held)
        sections.append((f"Held-out {held}", body))
    path = Path(out) if out else search_dir / "report.html"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page(f"econlab: calibration vs humans ({search_dir.name})", sections), encoding="utf-8")
    table.to_csv(path.with_suffix(".csv"), index=False)
    gaps.to_csv(path.with_name("gaps.csv"), index=False)
    obj.to_csv(path.with_name("objectives.csv"), index=False)
    llm_outcomes(search_dir).to_csv(path.with_name("llm_outcomes.csv"), index=False)
    return path
