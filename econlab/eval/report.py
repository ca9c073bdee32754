"""``econlab report RUN_DIR``: one self-contained HTML page (tables + base64 PNG plots) of a tournament run."""

from __future__ import annotations

import base64
import html
import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from econlab.eval import plots
from econlab.eval.dataset import read_tables
from econlab.eval.exploit import exploitability
from econlab.eval.metrics import profit_by_role, round_metrics, summarize, truthfulness
from econlab.eval.voting_stats import owner_rounds, voting_rounds

ROUND_METRICS = ("efficiency", "efficient", "gap_captured", "gini", "tax_revenue", "n_snipes", "snipe_profit",
                 "volume", "spread", "price_over_fundamental", "final_price_over_fundamental")
STYLE = """body{font-family:sans-serif;margin:2em;max-width:1200px}table{border-collapse:collapse;font-size:12px;
margin:0.5em 0 1.5em}td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}th{background:#f3f3f3}
img{max-width:100%;border:1px solid #eee}h2{border-bottom:1px solid #ddd}.note{color:#555;font-size:13px}"""


def img_tag(png: bytes, alt: str) -> str:
    """An ``<img>`` with the PNG embedded as a data URI."""
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{base64.b64encode(png).decode("ascii")}">'


def table_html(df: pd.DataFrame) -> str:
    """A DataFrame as an HTML table (numbers to 4 significant digits)."""
    if df.empty:
        return '<p class="note">(no rows)</p>'
    return df.to_html(index=False, float_format=lambda x: f"{x:.4g}", na_rep="-", border=0)


def page(title: str, sections: Sequence[tuple[str, str]]) -> str:
    """A complete HTML document from ``(heading, body html)`` sections."""
    body = "\n".join(f"<h2>{html.escape(h)}</h2>\n{b}" for h, b in sections)
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f'<link rel="icon" href="data:,"><style>{STYLE}</style></head>\n<body><h1>{html.escape(title)}</h1>\n'
            f"{body}\n</body></html>\n")


def _exploit_specs(run_dir: Path) -> list[dict]:
    manifest = run_dir / "tournament.json"
    if not manifest.exists():
        return []
    return list(json.loads(manifest.read_text(encoding="utf-8")).get("exploitability") or [])


def build_report(run_dir: str | Path, *, n_boot: int = 1000, seed: int = 0) -> str:
    """The report's HTML for the run in ``run_dir`` (tables under ``run_dir/tables``)."""
    run = Path(run_dir)
    t = read_tables(run / "tables")
    games, rounds, seats = t["games"], t["rounds"], t["seats"]
    if games.empty:
        raise ValueError(f"{run}: the tables hold no games")
    per_round = round_metrics(rounds, seats)
    paid = per_round[per_round["paid"]]
    cols = [c for c in ROUND_METRICS if c in paid]
    summary = summarize(paid, ["treatment", "scenario"], cols, n_boot=n_boot, seed=seed)
    sections: list[tuple[str, str]] = []
    counts = games.groupby(["treatment", "scenario"]).agg(games=("game_id", "count"),
                                                          decisions=("n_decisions", "sum"),
                                                          invalid=("n_invalid", "sum")).reset_index()
    sections.append(("Run", f'<p class="note">{html.escape(str(run.resolve()))}: {len(games)} games, '
                            f"{len(rounds)} rounds, {len(t['llm_calls'])} LLM calls. Paid rounds only below; 95% CIs "
                            f"are percentile bootstraps over games ({n_boot} replicates, seed {seed}).</p>"
                            + table_html(counts)))
    eff = summary[summary["metric"] == "efficiency"]
    sections.append(("Allocative efficiency", img_tag(plots.bars_with_ci(
        eff, group="treatment", series="scenario", title="Realised / maximal welfare", ylabel="efficiency",
        hline=1.0), "efficiency per treatment") + table_html(
        summary.pivot_table(index=["treatment", "scenario"], columns="metric", values="estimate")
        .rename_axis(columns=None).reset_index())))
    sections.append(("All metrics with confidence intervals", table_html(summary)))
    truth = truthfulness(seats)
    truth = truth[truth["paid"]] if not truth.empty else truth
    if not truth.empty:
        truth = truth.assign(role_phase=truth["role"] + " d" + truth["phase"].astype(str),
                             treatment_scenario=truth["treatment"] + "/" + truth["scenario"])
        ts = summarize(truth, ["treatment_scenario", "role_phase"], ["ratio"], statistic=_median, n_boot=n_boot,
                       seed=seed)
        sections.append(("Declarations: declared / true value (median)", img_tag(plots.bars_with_ci(
            ts, group="role_phase", series="treatment_scenario", title="Declared / true value by role and phase",
            ylabel="median ratio", hline=1.0), "declaration ratios") + table_html(ts)))
    sections.append(("Market price vs fundamental", img_tag(plots.price_vs_fundamental(paid), "price vs fundamental")))
    prof = profit_by_role(seats)
    ps = summarize(prof.assign(group=prof["treatment"] + "/" + prof["role"]), ["group", "scenario"], ["profit"],
                   n_boot=n_boot, seed=seed)
    sections.append(("Profit by role (points per paid round)", img_tag(plots.bars_with_ci(
        ps, group="group", series="scenario", title="Mean round profit by treatment/role", ylabel="points"),
        "profit by role") + table_html(ps)))
    if (seats["treatment"] == "voting").any():
        o, r = owner_rounds(seats), voting_rounds(seats, rounds)
        vs = pd.concat([summarize(o, ["scenario"], ["request_ratio", "vote_yes"], n_boot=n_boot, seed=seed),
                        summarize(r, ["scenario"], ["offer_over_median_request", "offer_over_gain", "project",
                                                    "efficient"], n_boot=n_boot, seed=seed)], ignore_index=True)
        sections.append(("Voting", img_tag(plots.bars_with_ci(vs, group="metric", series="scenario",
                                                              title="Voting statistics", ylabel="mean"),
                                           "voting statistics") + table_html(vs)))
    specs = _exploit_specs(run)
    if specs:
        parts = [exploitability(seats, games, seat=s["seat"], focal=s["focal"], baseline=s["baseline"],
                                n_boot=n_boot, seed=seed).assign(name=s["name"]) for s in specs]
        ex = pd.concat(parts, ignore_index=True)
        long = pd.concat([ex.assign(metric="gain of the seat", estimate=ex["gain"], ci_low=ex["gain_low"],
                                    ci_high=ex["gain_high"]),
                          ex.assign(metric="loss of the other seats", estimate=ex["others_loss"],
                                    ci_low=ex["others_loss_low"], ci_high=ex["others_loss_high"])])
        # one bar group per (treatment, spec): a treatment may have several focal/baseline pairs
        long["pair"] = long["treatment"].astype(str) + ": " + long["name"].astype(str)
        sections.append(("Exploitability (paired differences, points per paid round)", img_tag(plots.bars_with_ci(
            long, group="pair", series="metric", title="Focal policy vs baseline in the same seat",
            ylabel="points", hline=0.0), "exploitability") + table_html(ex)))
    return page(f"econlab tournament report: {run.name}", sections)


def _median(x: np.ndarray) -> float:
    return float(np.median(x))


def write_report(run_dir: str | Path, out: str | Path | None = None, **kwargs: int) -> Path:
    """Write the report to ``out`` (default ``RUN_DIR/report.html``) and return its path."""
    path = Path(out) if out else Path(run_dir) / "report.html"
    path.write_text(build_report(run_dir, **kwargs), encoding="utf-8")
    return path
