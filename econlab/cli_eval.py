"""The ``econlab tournament | report | compare`` commands (registered in :mod:`econlab.cli`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from econlab.errors import UserError

console = Console()


def tournament(
    config: Annotated[Path, typer.Argument(help="a tournament YAML (configs/tournaments/)")],
    workers: Annotated[int, typer.Option(help="worker processes of the local pool")] = 1,
    ray: Annotated[str | None, typer.Option("--ray", help="run on the Ray cluster at this address (needs ray)")] = None,
    out: Annotated[Path | None, typer.Option(help="run folder (default runs/tournament-NAME)")] = None,
    quiet: Annotated[bool, typer.Option(help="no progress bar")] = False,
    with_report: Annotated[bool, typer.Option("--report/--no-report", help="also write OUT/report.html")] = True,
    max_fallback_rate: Annotated[float, typer.Option(help="exit 3 when an LLM seat fell back more often")] = 0.2,
) -> None:
    """Play every game of a tournament (skipping finished ones), write the tables (OUT/tables) and the report."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from econlab.cli_llm import check_rate, tournament_report
    from econlab.eval.tournament import RECORDS, check_policies, check_run_folder, run_tournament
    from econlab.eval.tournament_config import load_tournament
    from econlab.runfolder import check_out_dir

    if workers < 1:
        raise UserError(f"--workers {workers}: needs at least 1 worker process — give --workers 1 or more")
    try:
        check_rate(max_fallback_rate)
        cfg = load_tournament(config)
        folder = check_out_dir(out or Path("runs") / f"tournament-{cfg.name}")
        check_run_folder(folder, cfg)
        check_policies(cfg.tasks())  # builds every seat once (rl: checkpoints load), before anything is written
    except (ValueError, OSError) as exc:
        raise UserError(str(exc)) from exc
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  TextColumn("ETA"), TimeRemainingColumn(), console=console, disable=quiet) as progress:
        task = progress.add_task(f"{cfg.name}: games", total=None)

        def show(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        summary = run_tournament(cfg, folder, workers=workers, ray_address=ray, on_progress=show)
    console.print(f"{summary.total} games ({summary.played} played, {summary.skipped} already done) in "
                  f"{summary.wall_s:.1f} s with {'Ray' if ray else f'{workers} worker(s)'}; "
                  f"tables: {folder / 'tables'}")
    if with_report:
        from econlab.eval.report import write_report

        console.print(f"Report: {write_report(folder)}")
    status = tournament_report(console, folder / RECORDS, summary, max_fallback_rate)
    if status:
        raise typer.Exit(status)


def report(
    run_dir: Annotated[Path, typer.Argument(help="a tournament run folder")],
    out: Annotated[Path | None, typer.Option(help="the HTML file (default RUN_DIR/report.html)")] = None,
    n_boot: Annotated[int, typer.Option(help="bootstrap replicates")] = 1000,
    seed: Annotated[int, typer.Option(help="seed of the bootstrap")] = 0,
) -> None:
    """Write a self-contained HTML report (tables and plots) of a tournament run."""
    from econlab.eval.report import write_report

    _check_report_inputs(run_dir, out, n_boot)
    try:
        path = write_report(run_dir, out, n_boot=n_boot, seed=seed)
    except (ValueError, OSError) as exc:
        raise UserError(str(exc)) from exc
    console.print(f"Report: {path}")


def _check_report_inputs(run_dir: Path, out: Path | None, n_boot: int) -> None:
    """The checks ``report`` and ``compare`` make before reading anything."""
    from econlab.eval.filekind import expect_kind
    from econlab.runfolder import check_out_dir

    if n_boot < 1:
        raise UserError(f"--n-boot {n_boot}: the confidence intervals need at least 1 bootstrap replicate — "
                        "give e.g. --n-boot 1000")
    expect_kind(run_dir, ("tournament-run", "folder"), "a tournament run folder (the --out of econlab tournament)")
    if out is not None:
        if out.is_dir():
            raise UserError(f"--out {out} is a folder — give the HTML file to write, e.g. {out / 'report.html'}")
        check_out_dir(out.parent if str(out.parent) else Path("."), f"--out {out}: the folder")


def compare(
    run_dir: Annotated[Path, typer.Argument(help="a tournament run folder with Voting games")],
    human: Annotated[list[Path], typer.Option("--human", help="human record files (lab .log.json)")],
    out: Annotated[Path | None, typer.Option(help="the HTML file (default RUN_DIR/compare.html)")] = None,
    n_boot: Annotated[int, typer.Option(help="bootstrap replicates")] = 1000,
    seed: Annotated[int, typer.Option(help="seed of the bootstrap")] = 0,
) -> None:
    """Compare simulated and human Voting statistics (means, Wasserstein and KS distances with bootstrap CIs)."""
    from rich.table import Table

    from econlab.eval.compare import write_comparison
    from econlab.eval.filekind import expect_kind

    _check_report_inputs(run_dir, out, n_boot)
    for f in human:
        expect_kind(f, ("lab-record", "econlab-record"), "a lab record (a .log.json of a human session)")
    try:
        path, table = write_comparison(run_dir, human, out, n_boot=n_boot, seed=seed)
    except (ValueError, OSError) as exc:
        raise UserError(str(exc)) from exc
    view = Table(title="simulated vs human (95% bootstrap CIs)", title_justify="left")
    for col in ("scenario", "statistic", "human", "simulated", "Wasserstein", "KS"):
        view.add_column(col, justify="left" if col in ("scenario", "statistic") else "right")
    for r in table.itertuples():
        view.add_row(r.scenario, r.statistic, f"{r.human:.3g} [{r.human_low:.3g}, {r.human_high:.3g}]",
                     f"{r.simulated:.3g} [{r.sim_low:.3g}, {r.sim_high:.3g}]",
                     f"{r.wasserstein:.3g} [{r.wasserstein_low:.3g}, {r.wasserstein_high:.3g}]",
                     f"{r.ks:.3g} [{r.ks_low:.3g}, {r.ks_high:.3g}]")
    console.print(view)
    console.print(f"Comparison: {path} (table: {path.with_suffix('.csv')})")
