"""The search report: best designs, the score frontier, and how each design changes behaviour and outcomes.

Writes ``RUN/candidates.csv`` (one row per candidate: design, score, feasibility, metric means),
``RUN/frontier.png`` (score per candidate and the best feasible score so far) and ``RUN/report.md``: the objective,
the best designs with their metric changes against candidate 0 (the lab's default rules), rejected proposals with
reasons, the designer's reasoning for the best ones, and the fresh-seed check when ``RUN/fresh/fresh.json`` exists.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pandas as pd

from econlab.design.config import DesignConfig
from econlab.design.store import Candidate

#: metrics shown in the change table (when present)
SHOWN = ("efficiency", "efficient", "welfare", "total_profit", "tax_revenue", "snipe_profit", "gini", "role_gini",
         "payment_owner", "payment_developer", "payment_speculator", "exploit_gain")


def candidate_frame(history: list[Candidate]) -> pd.DataFrame:
    """One row per scored candidate: index, source, design (JSON), score, raw score, feasibility, metric means."""
    rows = []
    for c in history:
        if not c.scored or c.result is None:
            continue
        row: dict[str, Any] = {"index": c.index, "source": c.source, "design": json.dumps(c.design, sort_keys=True),
                               "score": c.score, "raw_score": c.result.get("raw_score"),
                               "feasible": c.feasible, "rejected": len(c.rejected)}
        row |= {k: (v if v is not None else math.nan) for k, v in c.result["metrics"].items()}
        rows.append(row)
    return pd.DataFrame(rows)


def plot_frontier(frame: pd.DataFrame, path: Path) -> None:
    """Score per candidate (infeasible hollow) and the best feasible score so far."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4))
    feas = frame[frame["feasible"]]
    inf = frame[~frame["feasible"]]
    ax.scatter(feas["index"], feas["score"], label="feasible", color="tab:blue", zorder=3)
    ax.scatter(inf["index"], inf["score"].clip(lower=frame["score"].replace(-math.inf, math.nan).min()),
               label="infeasible", facecolors="none", edgecolors="tab:red", zorder=3)
    best = frame["score"].where(frame["feasible"]).cummax().ffill()
    ax.step(frame["index"], best, where="post", color="black", label="best feasible so far")
    if len(frame):
        ax.axhline(frame["score"].iloc[0], color="gray", ls="--", lw=1, label="lab default (candidate 0)")
    ax.set_xlabel("candidate")
    ax.set_ylabel("objective score")
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _fmt(x: Any) -> str:
    if isinstance(x, float):
        if not math.isfinite(x):
            return "-"
        return f"{x:,.4g}" if abs(x) < 1000 else f"{x:,.0f}"
    return str(x)


def write_report(config: DesignConfig, history: list[Candidate], out: Path, top: int = 5) -> Path:
    """Write the report files (module docstring) and return the markdown's path."""
    frame = candidate_frame(history)
    frame.to_csv(out / "candidates.csv", index=False)
    lines = [f"# Design search `{config.name}`", "", config.description or "", "",
             f"- treatment: {config.treatment}; populations: {', '.join(p.name for p in config.populations)}; "
             f"seeds per candidate: {len(config.seed_list())}; designer: {config.designer.kind}",
             f"- objective: {config.objective.describe()}",
             "- design space: " + "; ".join(p.describe() for p in config.design_space().params),
             f"- candidates scored: {len(frame)}; feasible: {int(frame['feasible'].sum()) if len(frame) else 0}; "
             f"proposals rejected on the way: {sum(len(c.rejected) for c in history)}", ""]
    if len(frame):
        plot_frontier(frame, out / "frontier.png")
        lines += ["![score frontier](frontier.png)", ""]
        ref = frame.iloc[0]
        ranked = frame[frame["feasible"]].sort_values(["score", "index"], ascending=[False, True]).head(top)
        lines += ["## Best designs", "", "| # | source | design | score | " + " | ".join(
            f"{m} (Δ vs default)" for m in SHOWN if m in frame) + " |",
            "|" + "---|" * (4 + sum(m in frame for m in SHOWN))]
        for _, r in ranked.iterrows():
            cells = [str(r["index"]), r["source"], f"`{r['design']}`", _fmt(float(r["score"]))]
            for m in SHOWN:
                if m in frame:
                    cells.append(f"{_fmt(float(r[m]))} ({_fmt(float(r[m]) - float(ref[m]))})")
            lines.append("| " + " | ".join(cells) + " |")
        lines += ["", f"Reference (candidate 0, the lab default): score {_fmt(float(ref['score']))}.", ""]
        by_index = {c.index: c for c in history}
        reasons = [(i, by_index[int(i)].reasoning) for i in ranked["index"] if by_index[int(i)].reasoning]
        if reasons:
            lines += ["## Reasoning of the best designs", ""]
            lines += [f"- candidate {i}: {text}" for i, text in reasons]
            lines.append("")
    rejected = [(c.index, r) for c in history for r in c.rejected]
    if rejected:
        lines += ["## Rejected proposals", ""]
        for i, r in rejected[:50]:
            what = r.get("design", r.get("raw", ""))
            lines.append(f"- before candidate {i}: `{json.dumps(what)[:200]}`: {'; '.join(r['reasons'])}")
        lines.append("")
    fresh = out / "fresh" / "fresh.json"
    if fresh.exists():  # the fresh-seed check of `econlab design --fresh N`
        from econlab.design.compare import fresh_markdown

        lines += [fresh_markdown(json.loads(fresh.read_text(encoding="utf-8")))]
    path = out / "report.md"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
