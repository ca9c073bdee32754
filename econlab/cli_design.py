"""The ``econlab design``  commands (registered in :mod:`econlab.cli`).

* ``econlab design CONFIG --out RUN``: run or resume a design search (``configs/design/*.yaml``), then write
  ``RUN/report.md``; ``--export FILE`` writes the best design as a scenario for ``econlab play --scenario FILE``;
  ``--fresh N`` checks the best design against the lab default on N fresh seeds (paired 95% CI).
* ``econlab design-export RUN --out FILE``: export a candidate (default: the best) of a finished run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from econlab.errors import UserError


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``app``."""
    from rich.console import Console

    console = Console()

    @app.command("design")
    def design(
        config: Annotated[Path, typer.Argument(help="a design search YAML (configs/design/)")],
        out: Annotated[Path, typer.Option(help="run folder (a rerun resumes it)")],
        candidates: Annotated[int | None, typer.Option(help="total candidates (overrides designer.candidates)")] = None,
        designer: Annotated[str | None, typer.Option(help="optuna, random or llm (overrides designer.kind)")] = None,
        stop_after: Annotated[int | None, typer.Option(help="score at most this many candidates now")] = None,
        workers: Annotated[int | None, typer.Option(help="worker processes per tournament")] = None,
        export: Annotated[Path | None, typer.Option(help="write the best design as a scenario YAML here")] = None,
        fresh: Annotated[int, typer.Option(help="check the best design on this many fresh seeds (0: skip)")] = 0,
        fresh_start: Annotated[int, typer.Option(help="first fresh seed")] = 100_000,
    ) -> None:
        """Search the rules for the configured social objective (resumable), report, export, check."""
        from econlab.design.config import load_design_config
        from econlab.design.search import best, run_search
        from econlab.errors import UserError

        try:
            cfg = load_design_config(config)
            changes: dict = {}
            if candidates is not None or designer is not None:
                d = cfg.designer.model_dump()
                d |= {k: v for k, v in (("candidates", candidates), ("kind", designer)) if v is not None}
                changes["designer"] = d
            if workers is not None:
                changes["workers"] = workers
            if changes:
                from pydantic import ValidationError

                from econlab.configfile import validation_message

                try:
                    cfg = type(cfg).model_validate(cfg.model_dump() | changes)
                except ValidationError as exc:
                    names = {"designer.kind": "--designer", "designer.candidates": "--candidates",
                             "workers": "--workers"}
                    raise ValueError(validation_message(exc, type(cfg), names=names)) from None
            if cfg.designer.kind == "llm":
                from econlab.cli_llm import preflight

                preflight(cfg.llm)  # key, endpoint and model, before the run folder is made
            from econlab.runfolder import check_out_dir

            check_out_dir(out)
            if export is not None:
                check_out_dir(export.parent if str(export.parent) else Path("."), f"--export {export}: the folder")
        except ValueError as exc:
            raise UserError(str(exc)) from exc

        def show(c: object) -> None:
            from econlab.design.store import Candidate

            assert isinstance(c, Candidate)
            flag = "" if c.feasible else " (infeasible)"
            console.print(f"candidate {c.index:4d} [{c.source}] score {c.score:.5g}{flag}  {c.design}")

        history = run_search(cfg, out, stop_after=stop_after, on_candidate=show)
        top = best(history)
        console.print(f"{sum(c.scored for c in history)} candidates scored; report: {out / 'report.md'}")
        if top is None:
            console.print("no feasible design yet")
            return
        console.print(f"best: candidate {top.index} score {top.score:.5g} {top.design} "
                      f"(default: {history[0].score:.5g})")
        if export is not None:
            from econlab.design.export import export_design

            console.print(f"exported: {export_design(cfg, top, export)}")
        if fresh:
            from econlab.design.compare import fresh_comparison, fresh_markdown
            from econlab.design.report import write_report

            res = fresh_comparison(cfg, top.design, out / "fresh", start=fresh_start, count=fresh)
            write_report(cfg, history, out)
            console.print(fresh_markdown(res))

    @app.command("design-export")
    def design_export(
        run: Annotated[Path, typer.Argument(help="a design run folder")],
        out: Annotated[Path, typer.Option(help="scenario YAML to write")],
        candidate: Annotated[int | None, typer.Option(help="candidate index (default: the best feasible)")] = None,
        population: Annotated[str | None, typer.Option(help="which population plays it (default: the first)")] = None,
    ) -> None:
        """Export a candidate design of a run as a scenario for ``econlab play --scenario``."""
        import json

        from econlab.design.config import DesignConfig
        from econlab.design.export import export_design
        from econlab.design.search import MANIFEST, best
        from econlab.design.store import CANDIDATES, load

        if not (run / MANIFEST).is_file():
            raise UserError(f"{run} is not a design run folder (it has no {MANIFEST}) — give the --out folder of "
                            "`econlab design`")
        try:
            cfg = DesignConfig.model_validate(json.loads((run / MANIFEST).read_text(encoding="utf-8")))
            history = load(run / CANDIDATES)
            chosen = best(history) if candidate is None else next((c for c in history if c.index == candidate), None)
            if chosen is None:
                raise ValueError("no such candidate" if candidate is not None else "no feasible scored candidate")
            console.print(f"exported candidate {chosen.index}: {export_design(cfg, chosen, out, population)}")
        except (ValueError, OSError) as exc:
            raise UserError(str(exc)) from exc
