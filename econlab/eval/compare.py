"""``econlab compare RUN_DIR --human FILES...``: simulated vs human Voting play, statistic by statistic.

For every statistic of :data:`econlab.eval.voting_stats.STATISTICS` (paid rounds) and every simulated Voting
scenario: the human and the simulated mean (with bootstrap CIs over games), and the Wasserstein-1 and
Kolmogorov-Smirnov distances between the two samples with bootstrap CIs (both samples resampled by game).
Distances are non-negative, so their bootstrap distribution lies above zero even for identical populations;
read the human-vs-human sampling noise from the width of the human CI, not from a distance CI touching zero.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from econlab.eval import plots
from econlab.eval.dataset import build_tables, read_tables
from econlab.eval.metrics import bootstrap_ci
from econlab.eval.report import img_tag, page, table_html
from econlab.eval.voting_stats import voting_samples


def _distances(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    from scipy.stats import ks_2samp, wasserstein_distance

    a, b = a[~np.isnan(a)], b[~np.isnan(b)]
    if a.size == 0 or b.size == 0:
        return float("nan"), float("nan")
    return float(wasserstein_distance(a, b)), float(ks_2samp(a, b).statistic)


def _fast_distances(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """Wasserstein-1 and KS statistic from the two ECDFs (numpy; equal to scipy's, much cheaper per call)."""
    a, b = np.sort(a[~np.isnan(a)]), np.sort(b[~np.isnan(b)])
    if a.size == 0 or b.size == 0:
        return float("nan"), float("nan")
    grid = np.sort(np.concatenate([a, b]))
    gap = np.abs(np.searchsorted(a, grid, side="right") / a.size - np.searchsorted(b, grid, side="right") / b.size)
    return float(np.sum(gap[:-1] * np.diff(grid))), float(gap.max())


def _by_game(df: pd.DataFrame) -> list[np.ndarray]:
    return [part["value"].to_numpy(dtype=float) for _, part in df.groupby("game_id", sort=True)]


def _resample(by_game: list[np.ndarray], rng: np.random.Generator) -> np.ndarray:
    pick = rng.integers(0, len(by_game), len(by_game))
    return np.concatenate([by_game[i] for i in pick]) if len(by_game) else np.array([])


def compare_samples(human: pd.DataFrame, sim: pd.DataFrame, *, n_boot: int = 1000, seed: int = 0) -> dict[str, float]:
    """Means, distances and bootstrap CIs of one statistic (samples with columns ``game_id``, ``value``)."""
    h, s = human["value"].to_numpy(dtype=float), sim["value"].to_numpy(dtype=float)
    hm = bootstrap_ci(h, np.mean, groups=human["game_id"].to_numpy(), n_boot=n_boot, seed=seed)
    sm = bootstrap_ci(s, np.mean, groups=sim["game_id"].to_numpy(), n_boot=n_boot, seed=seed)
    w, ks = _distances(h, s)
    rng = np.random.default_rng(seed)
    hg, sg = _by_game(human), _by_game(sim)
    boots = np.array([_fast_distances(_resample(hg, rng), _resample(sg, rng)) for _ in range(n_boot)])
    lo = np.nanquantile(boots, 0.025, axis=0) if boots.size and not np.isnan(boots).all() else [np.nan] * 2
    hi = np.nanquantile(boots, 0.975, axis=0) if boots.size and not np.isnan(boots).all() else [np.nan] * 2
    return {"human": hm[0], "human_low": hm[1], "human_high": hm[2], "n_human": int(np.sum(~np.isnan(h))),
            "simulated": sm[0], "sim_low": sm[1], "sim_high": sm[2], "n_sim": int(np.sum(~np.isnan(s))),
            "wasserstein": w, "wasserstein_low": float(lo[0]), "wasserstein_high": float(hi[0]),
            "ks": ks, "ks_low": float(lo[1]), "ks_high": float(hi[1])}


def compare_run(run_dir: str | Path, human_files: Sequence[str | Path], *, n_boot: int = 1000, seed: int = 0
                ) -> tuple[pd.DataFrame, dict[str, dict[str, tuple[np.ndarray, np.ndarray]]]]:
    """The comparison table (one row per scenario x statistic) and the samples for plotting."""
    if not human_files:
        raise ValueError("give at least one human record file (--human)")
    sim_t = read_tables(Path(run_dir) / "tables")
    human_t = build_tables([Path(f) for f in human_files])
    if not (human_t["games"]["treatment"] == "voting").any():
        raise ValueError("the human files hold no Voting game")
    human = voting_samples(human_t["seats"], human_t["rounds"])
    scenarios = sorted(sim_t["games"].loc[sim_t["games"]["treatment"] == "voting", "scenario"].unique())
    if not scenarios:
        raise ValueError(f"{run_dir}: the run holds no Voting game to compare")
    rows, samples = [], {}
    for sc in scenarios:
        seats = sim_t["seats"][sim_t["seats"]["scenario"] == sc]
        rounds = sim_t["rounds"][sim_t["rounds"]["scenario"] == sc]
        sim = voting_samples(seats, rounds)
        samples[sc] = {}
        for name in human:
            rows.append({"scenario": sc, "statistic": name} | compare_samples(human[name], sim[name],
                                                                               n_boot=n_boot, seed=seed))
            samples[sc][name] = (human[name]["value"].to_numpy(dtype=float), sim[name]["value"].to_numpy(dtype=float))
    return pd.DataFrame(rows), samples


def write_comparison(run_dir: str | Path, human_files: Sequence[str | Path], out: str | Path | None = None, *,
                     n_boot: int = 1000, seed: int = 0) -> tuple[Path, pd.DataFrame]:
    """Write ``compare.html`` and ``compare.csv`` (default: in RUN_DIR) and return the page's path and the table."""
    table, samples = compare_run(run_dir, human_files, n_boot=n_boot, seed=seed)
    path = Path(out) if out else Path(run_dir) / "compare.html"
    sections = [("Summary", f'<p class="note">Human files: {", ".join(str(f) for f in human_files)}. Paid rounds; '
                            f"95% bootstrap CIs over games ({n_boot} replicates, seed {seed}).</p>"
                 + table_html(table))]
    for sc, per in samples.items():
        sections.append((f"Scenario {sc}", img_tag(plots.distributions(per, f"human vs {sc}"), f"ECDFs {sc}")))
    path.write_text(page(f"econlab: simulated vs human Voting ({Path(run_dir).name})", sections), encoding="utf-8")
    table.to_csv(path.with_suffix(".csv"), index=False)
    return path, table
