"""Matplotlib figures of the report, each returned as PNG bytes (Agg backend, no display needed)."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd


def _plt():  # noqa: ANN202 - matplotlib's pyplot module
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _png(fig) -> bytes:  # noqa: ANN001 - a matplotlib Figure
    buf = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buf, format="png", dpi=90)
    _plt().close(fig)
    return buf.getvalue()


def _empty(text: str) -> bytes:
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6, 1.6))
    ax.text(0.5, 0.5, text, ha="center", va="center")
    ax.set_axis_off()
    return _png(fig)


def bars_with_ci(summary: pd.DataFrame, *, group: str, series: str, title: str, ylabel: str,
                 hline: float | None = None) -> bytes:
    """Grouped bars of ``estimate`` with ``ci_low``/``ci_high`` error bars: x = ``group``, bars = ``series``."""
    if summary.empty or summary["estimate"].notna().sum() == 0:
        return _empty(f"{title}: no data")
    if summary.duplicated([group, series]).any():
        raise ValueError(f"bars_with_ci: several rows share a ({group}, {series}) pair; make the group unique")
    plt = _plt()
    groups = sorted(summary[group].astype(str).unique())
    names = sorted(summary[series].astype(str).unique())
    fig, ax = plt.subplots(figsize=(min(14.0, max(6.0, 0.6 * len(groups) * max(1, len(names)))), 3.6))
    width = 0.8 / max(1, len(names))
    for i, name in enumerate(names):
        part = summary[summary[series].astype(str) == name].copy()
        part = part.set_index(part[group].astype(str))
        est = np.array([part["estimate"].get(g, np.nan) for g in groups], dtype=float)
        lo = np.array([part["ci_low"].get(g, np.nan) for g in groups], dtype=float)
        hi = np.array([part["ci_high"].get(g, np.nan) for g in groups], dtype=float)
        x = np.arange(len(groups)) + (i - (len(names) - 1) / 2) * width
        ax.bar(x, est, width, label=name)
        # clipped at 0: a percentile CI can miss the point estimate by rounding (or for a median)
        below, above = np.clip(np.nan_to_num(est - lo), 0, None), np.clip(np.nan_to_num(hi - est), 0, None)
        ax.errorbar(x, est, yerr=[below, above], fmt="none", ecolor="black", capsize=3)
    if hline is not None:
        ax.axhline(hline, color="grey", linestyle="--", linewidth=1)
    ax.set_xticks(np.arange(len(groups)), groups)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(fontsize=8, ncols=min(4, len(names)))
    return _png(fig)


def price_vs_fundamental(per_round: pd.DataFrame) -> bytes:
    """Scatter of the mean traded price (and the final price) against the fundamental dividend, per round."""
    if "fundamental" not in per_round:
        return _empty("price vs fundamental: no market rounds")
    d = per_round[per_round["treatment"] != "voting"]
    if d.empty:
        return _empty("price vs fundamental: no market rounds")
    plt = _plt()
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8), sharex=True)
    for ax, col, label in ((axes[0], "mean_trade_price", "mean traded price"), (axes[1], "final_price",
                                                                               "final price (paid dividend)")):
        for (treatment, scenario), part in d.groupby(["treatment", "scenario"]):
            ax.scatter(part["fundamental"], part[col], s=10, alpha=0.6, label=f"{treatment}/{scenario}")
        lim = [np.nanmin(d["fundamental"]), np.nanmax(d["fundamental"])]
        ax.plot(lim, lim, color="grey", linestyle="--", linewidth=1)
        ax.set_xlabel("fundamental: true values at w x tau2 / 10000")
        ax.set_ylabel(label)
    axes[1].legend(fontsize=6, ncols=2)
    fig.suptitle("Market price vs the true dividend per share")
    return _png(fig)


def distributions(samples: dict[str, tuple[np.ndarray, np.ndarray]], title: str) -> bytes:
    """Empirical CDFs of human vs simulated samples, one panel per statistic."""
    if not samples:
        return _empty(f"{title}: no data")
    plt = _plt()
    n = len(samples)
    cols = min(3, n)
    rows = (n + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(4 * cols, 3 * rows), squeeze=False)
    for ax, (name, (human, sim)) in zip(axes.flat, samples.items(), strict=False):
        for label, x in (("human", human), ("simulated", sim)):
            x = np.sort(x[~np.isnan(x)])
            if x.size:
                ax.step(x, np.arange(1, x.size + 1) / x.size, where="post", label=f"{label} (n={x.size})")
        ax.set_title(name, fontsize=9)
        ax.legend(fontsize=7)
    for ax in list(axes.flat)[n:]:
        ax.set_axis_off()
    fig.suptitle(title)
    return _png(fig)
