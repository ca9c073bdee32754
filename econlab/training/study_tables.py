"""The figures of one exploiter in the study: paired gain over the best baseline, losses by role, welfare, taxes.

All differences are paired by tournament seed (exploiter scenario ``rl`` minus best baseline scenario),
per game the mean over paid rounds, with percentile bootstrap CIs over the pairs
(:func:`econlab.eval.metrics.bootstrap_ci`). Profits are in points per paid round.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd

from econlab.eval.dataset import read_tables
from econlab.eval.exploit import exploitability
from econlab.eval.metrics import bootstrap_ci, round_metrics
from econlab.training.config import TrainConfig


def _paired(per_game: pd.DataFrame, games: pd.DataFrame, column: str, focal: str, baseline: str
            ) -> np.ndarray:
    g = games.set_index("game_id")[["scenario", "seed", "repetition"]].join(per_game[column])
    f = g[g["scenario"] == focal].set_index(["seed", "repetition"])[column]
    b = g[g["scenario"] == baseline].set_index(["seed", "repetition"])[column]
    both = pd.concat([f.rename("f"), b.rename("b")], axis=1, join="inner").dropna()
    return (both["f"] - both["b"]).to_numpy(dtype=float)


def _ci(diff: np.ndarray, n_boot: int) -> tuple[float, float, float]:
    if diff.size == 0:
        return (float("nan"),) * 3
    return bootstrap_ci(diff, np.mean, n_boot=n_boot, seed=0)


def training_stats(run_dir: Path, tournament_dir: Path | None = None) -> dict[str, float | int | None]:
    """Iterations, env steps and wall time of a training run up to the evaluated checkpoint (from metrics.csv).

    The checkpoint is read from a ``tournament-iter_NNNNN`` folder name; otherwise the whole run counts.
    """
    path = run_dir / "metrics.csv"
    upto = None
    if tournament_dir is not None and Path(tournament_dir).name.startswith("tournament-iter_"):
        upto = int(Path(tournament_dir).name.rsplit("_", 1)[1])
    if not path.exists():
        return {"iterations": None, "env_steps": None, "train_wall_s": None}
    with open(path, encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if upto is None or int(r["iteration"]) <= upto]
    if not rows:
        return {"iterations": 0, "env_steps": 0, "train_wall_s": 0.0}
    # a resumed run restarts its clock: sum the wall time of each segment
    wall, last = 0.0, 0.0
    for r in rows:
        w = float(r["wall_s"])
        if w < last:
            wall += last
        last = w
    return {"iterations": int(rows[-1]["iteration"]), "env_steps": float(rows[-1]["env_steps"] or 0),
            "train_wall_s": round(wall + last, 1)}


def exploiter_summary(cfg: TrainConfig, tournament_dir: Path, run_dir: Path, *, n_boot: int = 2000) -> pd.DataFrame:
    """One row of figures for the exploiter of ``cfg`` evaluated in ``tournament_dir``."""
    t = read_tables(Path(tournament_dir) / "tables")
    games, seats, rounds = t["games"], t["seats"], t["rounds"]
    seat = cfg.learning_seats()[0]
    paid = seats[seats["paid"]]
    own = paid[paid["seat"] == seat].groupby("game_id")["profit"].mean()
    by_scenario = games.set_index("game_id")[["scenario"]].join(own.rename("own")).groupby("scenario")["own"].mean()
    baselines = by_scenario.drop(index="rl", errors="ignore")
    best = str(baselines.idxmax())
    ex = exploitability(seats, games, seat=seat, focal="rl", baseline=best, n_boot=n_boot, seed=0).iloc[0]
    role = str(paid.loc[paid["seat"] == seat, "role"].iloc[0])
    row: dict[str, object] = {
        "exploiter": cfg.name, "treatment": cfg.treatment, "role": role, "seat": seat,
        "opponents": cfg.opponents.default, "run_name": cfg.run_name, **training_stats(run_dir, tournament_dir),
        "best_baseline": best.removeprefix("base-"), "pairs": int(ex["pairs"]),
        **{f"profit_{k.removeprefix('base-')}": float(v) for k, v in baselines.items()},
        "profit_rl": float(by_scenario.get("rl", np.nan)),
        "gain": ex["gain"], "gain_low": ex["gain_low"], "gain_high": ex["gain_high"],
    }
    others = paid[paid["seat"] != seat].groupby(["game_id", "role"])["profit"].sum().unstack("role")
    for r in sorted(others.columns):
        loss = -_paired(others, games, r, "rl", best)  # loss = baseline minus exploiter
        row[f"{r}_loss"], row[f"{r}_loss_low"], row[f"{r}_loss_high"] = _ci(loss, n_boot)
    metrics = round_metrics(rounds, seats)
    per_game = metrics[metrics["paid"]].groupby("game_id")[["efficiency", "tax_revenue"]].mean()
    for m in ("efficiency", "tax_revenue"):
        row[f"{m}_best"] = float(per_game.join(games.set_index("game_id")["scenario"])
                                 .query("scenario == @best")[m].mean())
        row[f"d_{m}"], row[f"d_{m}_low"], row[f"d_{m}_high"] = _ci(_paired(per_game, games, m, "rl", best), n_boot)
    row["edge_found"] = bool(row["gain_low"] > 0)  # type: ignore[operator]
    return pd.DataFrame([row])
