"""The ``econlab train`` and ``econlab exploit-study`` commands (registered in :mod:`econlab.cli`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from econlab.errors import UserError


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``app``."""

    @app.command("train")
    def train_cmd(
        config: Annotated[Path, typer.Argument(help="training config YAML (configs/training/NAME.yaml)")],
        out: Annotated[Path, typer.Option("--out", help="parent folder of the run folder")] = Path("runs/training"),
        ray_address: Annotated[str | None, typer.Option("--ray-address", help="Ray cluster (default: local)")] = None,
        iterations: Annotated[int | None, typer.Option("--iterations", help="override the config's iterations")
                              ] = None,
        no_time_budget: Annotated[bool, typer.Option("--no-time-budget", help="ignore the config's time_budget_s "
                                                     "(reproduce a run by its iteration count)")] = False,
    ) -> None:
        """Train the config's learning seats with RLlib PPO; resumes from the run folder's newest checkpoint."""
        from econlab.runfolder import check_out_dir
        from econlab.training.config import load_train_config
        from econlab.training.train import check_folder

        overrides: dict = {"iterations": iterations} if iterations is not None else {}
        if no_time_budget:
            overrides["time_budget_s"] = None
        try:
            cfg = load_train_config(config, **overrides)
            check_out_dir(out)
            check_folder(out / cfg.run_name, cfg)  # before Ray starts: a folder of another run is refused
        except ValueError as exc:
            raise UserError(str(exc)) from exc
        from econlab.training.train import train  # ray, torch

        def show(row: dict) -> None:
            ret = row.get("episode_return_mean")
            ret_text = f"{ret:.4f}" if isinstance(ret, float) else "-"
            typer.echo(f"iter {row['iteration']:4d}  wall {row['wall_s']:8.1f}s  steps {row['env_steps']}  "
                       f"return {ret_text}")

        run_dir = train(cfg, out, ray_address=ray_address, on_iteration=show)
        typer.echo(f"run folder: {run_dir}  (policy spec: rl:{run_dir})")

    @app.command("exploit-study")
    def exploit_study_cmd(
        study: Annotated[Path, typer.Argument(help="study YAML (configs/training/study-*.yaml)")],
        out: Annotated[Path | None, typer.Option("--out", help="study folder (default: the study's out)")] = None,
        workers: Annotated[int, typer.Option("--workers", min=1, max=2, help="tournament worker processes")] = 1,
        only: Annotated[list[str] | None, typer.Option("--only", help="only these exploiters (config names)")
                        ] = None,
        no_train: Annotated[bool, typer.Option("--no-train", help="evaluate existing checkpoints only")] = False,
    ) -> None:
        """Train each exploiter, play it against the best scripted policy of its seat, report the paired gains."""
        from econlab.runfolder import check_out_dir
        from econlab.training.study import load_study, run_study

        try:
            cfg = load_study(study)
            check_out_dir(out or Path(cfg.out))
        except ValueError as exc:
            raise UserError(str(exc)) from exc
        report = run_study(cfg, out, workers=workers, only=only or (), train_missing=not no_train, echo=typer.echo)
        typer.echo(f"report: {report}")
