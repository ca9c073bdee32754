"""The exploitability study: train exploiters, then pit each against the best scripted policy of its seat.

A study file (``configs/training/study-*.yaml``)::

    name: exploit
    out: runs/exploit-study
    seeds: {start: 0, count: 200}        # evaluation games (paired: the same seeds in every scenario)
    baselines: [truthful, strategic, random]
    exploiters: [harberger-speculator-vs-strategic.yaml, ...]   # training configs, relative to this file

For each exploiter (a training config with one learning seat ``S``): train it unless its run folder
holds a checkpoint already (``econlab train`` resumes a run), then play one tournament in
``OUT/<config name>/tournament-<checkpoint>`` with the training population and, at seat ``S``, each
baseline and the run's newest checkpoint (``rl:CHECKPOINT``). The best baseline is the one with the
largest mean paid-round profit at ``S``; the paired comparison (exploiter minus best baseline, same
seeds) gives the gain with its bootstrap CI, each other role's loss, and the change in efficiency and
tax revenue (:mod:`econlab.training.study_tables`).
``OUT/summary.csv`` and ``OUT/report.html`` (learning curves and tables) collect every exploiter.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from econlab.eval.tournament_config import SeedRange
from econlab.training.config import TrainConfig, load_train_config

TRAINING = "training"


class StudyConfig(BaseModel):
    """A validated study (see the module docstring); ``exploiters`` are resolved to configs."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    description: str = ""
    out: str = "runs/exploit-study"
    seeds: SeedRange = Field(default_factory=lambda: SeedRange(start=0, count=200))
    baselines: list[str] = Field(default_factory=lambda: ["truthful", "strategic", "random"], min_length=1)
    exploiters: list[TrainConfig] = Field(min_length=1)
    n_boot: int = Field(default=2000, ge=100)


def load_study(path: str | Path) -> StudyConfig:
    """Read a study YAML; exploiter entries are training-config paths relative to it (or inline configs)."""
    from econlab.configfile import beside, read_mapping, validate

    path = Path(path)
    data = read_mapping(path, "a study")
    resolved = []
    for entry in data.get("exploiters") or []:
        if isinstance(entry, str):
            resolved.append(load_train_config(beside(path, entry, "training config")))
        else:
            resolved.append(entry)
    if resolved:
        data["exploiters"] = resolved
    return validate(StudyConfig, data, path, "an exploitability study")


def tournament_for(cfg: TrainConfig, checkpoint: Path, seeds: SeedRange, baselines: Sequence[str]) -> Any:
    """The evaluation tournament of one exploiter: a ``base-<policy>`` scenario per baseline and ``rl``.

    The paired comparisons are computed by the study (the best baseline is known only after the games), so
    the tournament itself declares none.
    """
    from econlab.eval.tournament_config import TournamentConfig

    seats = cfg.learning_seats()
    if len(seats) != 1:
        raise ValueError(f"{cfg.name}: the study needs exactly one learning seat, got {seats}")
    seat = seats[0]
    base = {"default": cfg.opponents.default}
    others = dict(cfg.opponents.seats)
    scenarios = [dict(base, name=f"base-{b.replace(':', '_').replace('=', '-').replace(',', '_')}",
                      seats=others | {str(seat): b}) for b in baselines]
    scenarios.append(dict(base, name="rl", seats=others | {str(seat): f"rl:{checkpoint.resolve()}"}))
    return TournamentConfig(name=f"exploit-{cfg.name}", treatments=[cfg.treatment], scenarios=scenarios,
                            seeds=seeds, session_from_seed=cfg.session_from_seed, game=dict(cfg.game))


def run_study(study: StudyConfig, out: str | Path | None = None, *, workers: int = 1, only: Sequence[str] = (),
              train_missing: bool = True, echo: Callable[[str], None] = print) -> Path:
    """Train and evaluate every exploiter of ``study``; returns the path of the HTML report."""
    import pandas as pd

    from econlab.eval.tournament import run_tournament
    from econlab.training.study_tables import exploiter_summary
    from econlab.training.train import latest_checkpoint, train

    folder = Path(out or study.out)
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    for cfg in study.exploiters:
        if only and cfg.name not in only:
            continue
        run_dir = folder / TRAINING / cfg.run_name
        if latest_checkpoint(run_dir) is None:  # a run with a checkpoint is used as is (econlab train resumes it)
            if not train_missing:
                echo(f"{cfg.name}: no checkpoint in {run_dir}; skipped")
                continue
            echo(f"{cfg.name}: training {cfg.run_name}")
            train(cfg, folder / TRAINING)
        ckpt = latest_checkpoint(run_dir)
        if ckpt is None:
            raise ValueError(f"{cfg.name}: training left no checkpoint in {run_dir}")
        # the tournament names the exact checkpoint, so its manifest says which module was evaluated
        tour = tournament_for(cfg, ckpt, study.seeds, study.baselines)
        tdir = folder / cfg.name / f"tournament-{ckpt.name}"
        echo(f"{cfg.name}: evaluating {len(tour.tasks())} games in {tdir}")
        run_tournament(tour, tdir, workers=workers)
        summary = exploiter_summary(cfg, tdir, run_dir, n_boot=study.n_boot).assign(checkpoint=str(ckpt))
        summary.to_csv(folder / cfg.name / "summary.csv", index=False)
        rows.append(summary)
        echo(summary.to_string(index=False))
    if rows:
        table = pd.concat(rows, ignore_index=True)
        done = folder / "summary.csv"
        if done.exists():  # keep exploiters evaluated in earlier (partial) runs of the study
            old = pd.read_csv(done)
            table = pd.concat([old[~old["exploiter"].isin(table["exploiter"])], table], ignore_index=True)
        table.to_csv(done, index=False)
    from econlab.training.study_report import write_study_report

    return write_study_report(study, folder)
