"""Simulated vs human Voting statistics for calibration: play a session's values, compare, summarise.

A human session fixes the values (its ``session_number``): simulated games replay the same situations
(:func:`session_params`, practice off, the first ``rounds`` paid rounds) with other players. Every
statistic of :data:`econlab.eval.voting_stats.STATISTICS` is compared with
:func:`econlab.eval.compare.compare_samples` (means, Wasserstein-1 and Kolmogorov-Smirnov distances with
bootstrap CIs). With one session per side a bootstrap over games is degenerate, so the resampling unit
here is the **round** of a game (each round has its own values): ``cluster="round"``. The human sample is
restricted to the rounds that were simulated. The calibration objective is the mean KS distance over the
statistics (scale-free, in [0, 1]; a statistic the simulation cannot produce counts as 1).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from econlab.games.ibex import GameParams

Cluster = Literal["round", "game"]


def session_params(record_path: str | Path, rounds: int) -> GameParams:
    """The parameters of a lab record for simulated replays: practice off, ``rounds`` paid rounds, paid round random.

    Raises:
        ValueError: Unreadable record or ``rounds`` outside 1..the record's round count.
    """
    record = json.loads(Path(record_path).read_text(encoding="utf-8"))
    params = GameParams.from_rows(record["parameters"])
    if not 1 <= rounds <= params.round_count:
        raise ValueError(f"rounds must be in 1..{params.round_count} for {record_path}, got {rounds}")
    return params.replace(practice_round=False, round_count=rounds, reward_round=None)


def samples(tables: Mapping[str, pd.DataFrame], *, rounds: Sequence[int] | None = None,
            cluster: Cluster = "round") -> dict[str, pd.DataFrame]:
    """``{statistic: DataFrame(game_id, value)}`` of paid Voting rounds, ``game_id`` being the resampling cluster.

    Args:
        tables: Tidy tables (:func:`econlab.eval.dataset.build_tables`).
        rounds: Keep only these rounds (``None``: all paid rounds).
        cluster: ``round`` (cluster = game x round) or ``game``.
    """
    from econlab.eval.voting_stats import STATISTICS, owner_rounds, voting_rounds

    levels = {"owner": owner_rounds(tables["seats"]), "round": voting_rounds(tables["seats"], tables["rounds"])}
    out = {}
    for name, (level, col) in STATISTICS.items():
        t = levels[level]
        if rounds is not None:
            t = t[t["round"].isin(list(rounds))]
        key = t["game_id"].astype(str) + ("/r" + t["round"].astype(str) if cluster == "round" else "")
        out[name] = pd.DataFrame({"game_id": key.to_numpy(), "value": t[col].to_numpy(dtype=float)})
    return out


def compare(human: Mapping[str, pd.DataFrame], sim: Mapping[str, pd.DataFrame], *, n_boot: int = 1000,
            seed: int = 0) -> pd.DataFrame:
    """One row per statistic: human and simulated means, W1 and KS distances, all with 95% bootstrap CIs."""
    import warnings

    from econlab.eval.compare import compare_samples

    with warnings.catch_warnings():  # scipy's KS p-value method notice; only the statistic is used
        warnings.simplefilter("ignore", RuntimeWarning)
        return pd.DataFrame([{"statistic": name} | compare_samples(human[name], sim[name], n_boot=n_boot,
                                                                   seed=seed) for name in human])


def objective(table: pd.DataFrame) -> float:
    """The calibration loss of a comparison table: the mean KS distance over its statistics (NaN: none).

    A statistic the humans have but the simulated games cannot produce (e.g. offer / median request when every
    simulated request is 0) counts as the largest distance, 1: dropping it would reward degenerate play.
    """
    ks = table["ks"].astype(float)
    if "n_human" in table and "n_sim" in table:
        ks = ks.where(~((table["n_human"] > 0) & (table["n_sim"] == 0)), 1.0)
    ks = ks.dropna()
    return float(ks.mean()) if len(ks) else float("nan")


def play_session(params: GameParams, assignment: Mapping[int, str], llm: Any, seeds: Sequence[int], out: Path,
                 name: str, *, chat_ticks: int = 0) -> list[Any]:
    """Play (or reuse) one game per seed and return their :class:`~econlab.eval.dataset.GameData`.

    Records go to ``out/<name>-s<seed>.record.json`` (with ``.decisions.json``) as each game ends; an existing
    record is reused, so a rerun resumes. ``llm`` is the :class:`LLMConfig` of the LLM seats (``None``: default).
    """
    from econlab.eval.dataset import load_game
    from econlab.eval.recording import dumps, write_atomic
    from econlab.eval.runner import play_game
    from econlab.games.ibex.spec import GameSpec
    from econlab.policies.llm.factory import PolicyFactory

    out.mkdir(parents=True, exist_ok=True)
    games = []
    for seed in seeds:
        gid = f"{name}-s{seed}"
        path = out / f"{gid}.record.json"
        if not path.exists():
            result = play_game(GameSpec(params=params, seed=int(seed), chat_ticks=chat_ticks),
                               PolicyFactory(llm).build(assignment))
            record = dict(result.record)
            record["econlab"] = dict(record.get("econlab") or {}, scenario=name)
            write_atomic(out / f"{gid}.decisions.json", dumps([d.to_json() for d in result.decisions]))
            write_atomic(path, dumps(record))
        games.append(load_game(path))
    return games
