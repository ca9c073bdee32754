"""The study's HTML page: learning curves of every exploiter, the summary table and links to the tournament reports."""

from __future__ import annotations

import html
import io
from pathlib import Path
from typing import Any

import pandas as pd

from econlab.eval.report import img_tag, page, table_html, write_report

TRAINING = "training"


def learning_curve_png(metrics_csv: Path, title: str) -> bytes:
    """A PNG of mean episode return (euros per game of the learning seats) per training iteration."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    df = pd.read_csv(metrics_csv)
    fig, ax = plt.subplots(figsize=(6, 3.2))
    ax.plot(df["iteration"], df["episode_return_mean"], lw=1.5)
    ax.set_xlabel("iteration")
    ax.set_ylabel("episode return (euros)")
    ax.set_title(title, fontsize=9)
    ax.grid(alpha=0.3)
    buf = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buf, format="png", dpi=90)
    plt.close(fig)
    return buf.getvalue()


def write_study_report(study: Any, folder: Path) -> Path:
    """Write ``folder/report.html`` (and each evaluated exploiter's tournament report); returns its path."""
    sections: list[tuple[str, str]] = []
    summary = folder / "summary.csv"
    if summary.exists():
        df = pd.read_csv(summary)
        cols = [c for c in ("exploiter", "treatment", "role", "opponents", "iterations", "env_steps", "train_wall_s",
                            "best_baseline", "pairs", "profit_rl", "gain", "gain_low", "gain_high", "edge_found",
                            "d_efficiency", "d_efficiency_low", "d_efficiency_high", "d_tax_revenue",
                            "d_tax_revenue_low", "d_tax_revenue_high") if c in df]
        sections.append(("Exploiters: paired gain over the best scripted policy in the same seat",
                         '<p class="note">Points per paid round; 95% percentile bootstrap CIs over paired games '
                         "(same seeds). An edge is found when the CI's lower end is above zero.</p>"
                         + table_html(df[cols])))
        loss_cols = ["exploiter"] + [c for c in df if c.endswith("_loss") or c.endswith("_loss_low")
                                     or c.endswith("_loss_high")]
        sections.append(("What the other roles lose (baseline minus exploiter, summed over the role's seats)",
                         table_html(df[loss_cols])))
        sections.append(("All figures", table_html(df)))
    curves = []
    for cfg in study.exploiters:
        metrics = folder / TRAINING / cfg.run_name / "metrics.csv"
        if metrics.exists():
            curves.append(img_tag(learning_curve_png(metrics, cfg.run_name), f"learning curve {cfg.name}"))
        for tdir in sorted((folder / cfg.name).glob("tournament-*")):
            if not (tdir / "tables").exists():
                continue
            report = write_report(tdir)
            curves.append(f'<p><a href="{html.escape(str(report.relative_to(folder)))}">tournament report of '
                          f"{html.escape(cfg.name)} ({html.escape(tdir.name)})</a></p>")
    sections.append(("Learning curves", "\n".join(curves) or '<p class="note">(no training runs yet)</p>'))
    out = folder / "report.html"
    out.write_text(page(f"econlab exploitability study: {study.name}", sections), encoding="utf-8")
    return out
