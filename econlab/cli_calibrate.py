"""The ``econlab dataset human`` and ``econlab calibrate prompts | finetune | report`` commands.

Registered in :mod:`econlab.cli`; every command imports its machinery lazily (torch, transformers and peft
only for ``finetune``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from econlab.errors import UserError


def _refuse_other_dataset(out: Path, files: list[Path], persona: str, decisions: tuple[str, ...],
                          overwrite: bool) -> None:
    """A dataset folder is rebuilt from the same inputs freely, but one built from other inputs is kept."""
    import json

    done = out / "summary.json"
    if overwrite or not done.is_file():
        return
    try:
        theirs = json.loads(done.read_text(encoding="utf-8"))
    except json.JSONDecodeError:
        theirs = {}
    mine = {"files": [str(Path(f)) for f in files], "persona": persona, "decisions": list(decisions)}
    differ = [k for k, v in mine.items() if theirs.get(k) != v]
    if differ:
        raise UserError(f"{out} holds a dataset built from other {', '.join(differ)} ({done}) — pass --overwrite "
                        "to replace it, or choose another --out folder")


def register(app: typer.Typer) -> None:
    """Add the ``dataset`` and ``calibrate`` command groups to ``app``."""
    dataset = typer.Typer(help="Datasets of decisions (human lab records -> examples).", no_args_is_help=True)
    calibrate = typer.Typer(help="Bring LLM seats close to the lab's human subjects.", no_args_is_help=True)
    app.add_typer(dataset, name="dataset")
    app.add_typer(calibrate, name="calibrate")

    @dataset.command("human")
    def human_cmd(
        files: Annotated[list[Path], typer.Argument(help="lab record files (e.g. ../shared/data/human/*.log.json)")],
        out: Annotated[Path, typer.Option("--out", help="output folder")] = Path("runs/calibration/human"),
        persona: Annotated[str, typer.Option("--persona", help="persona rendered into the SFT prompts")
                           ] = "profit-maximiser",
        decisions: Annotated[list[str] | None, typer.Option("--decision", help="decision kinds in sft.jsonl "
                                                            "(request, offer, vote, chat; default all)")] = None,
        templates_dir: Annotated[Path | None, typer.Option("--templates-dir", help="prompt template overrides")
                                 ] = None,
        overwrite: Annotated[bool, typer.Option(help="replace a dataset of other inputs already in --out")] = False,
    ) -> None:
        """Turn lab records into per-decision examples, the tidy tables and chat-format SFT examples."""
        from econlab.calibration.dataset import build_human_dataset
        from econlab.calibration.sft import DECISIONS
        from econlab.eval.filekind import expect_kind
        from econlab.runfolder import check_out_dir

        for f in files:
            expect_kind(f, ("lab-record", "econlab-record"), "a lab record (a .log.json of a human session)")
        bad = sorted(set(decisions or ()) - set(DECISIONS))
        if bad:
            from econlab.configfile import choice_text

            raise UserError(f"--decision: {choice_text(bad[0], list(DECISIONS))}")
        check_out_dir(out)
        _refuse_other_dataset(out, files, persona, tuple(decisions or DECISIONS), overwrite)
        try:
            summary = build_human_dataset(files, out, persona=persona, decisions=tuple(decisions or DECISIONS),
                                          templates_dir=templates_dir)
        except (ValueError, OSError) as exc:
            raise UserError(str(exc)) from exc
        for gid, g in summary["games"].items():
            kinds = ", ".join(f"{k} {n}" for k, n in g["by_decision"].items())
            skipped = sum(g["skipped"].values())
            typer.echo(f"{gid} (session {g['session']}): {g['examples']} examples ({kinds}); {skipped} skipped")
        typer.echo(f"{summary['examples']} examples, {summary['sft_examples']} SFT examples -> {out}")

    @calibrate.command("prompts")
    def prompts_cmd(
        config: Annotated[Path, typer.Argument(help="search YAML (configs/calibration/*.yaml)")],
        out: Annotated[Path | None, typer.Option("--out", help="output folder (default: the config's out)")] = None,
        overwrite: Annotated[bool, typer.Option(help="replace a search of other settings already in the folder")
                             ] = False,
    ) -> None:
        """Score prompt variants against human sessions with session-level cross-validation, then write the report."""
        from econlab.calibration.report import write_report
        from econlab.calibration.search import load_config, run_search, settings_changed
        from econlab.runfolder import check_out_dir

        try:
            cfg = load_config(config)
        except ValueError as exc:
            raise UserError(str(exc)) from exc
        if out is not None:
            cfg = cfg.model_copy(update={"out": out})
        check_out_dir(cfg.out)
        changed = settings_changed(cfg)
        if changed and not overwrite:
            raise UserError(f"{cfg.out} holds a prompt search with other settings ({', '.join(changed)}) — pass "
                            "--overwrite to replace it, or choose another --out folder")
        summary = run_search(cfg, log=typer.echo)
        for fold in summary["folds"]:
            fits = ", ".join(f"{v} {x:.3f}" for v, x in fold["fit_objective"].items())
            typer.echo(f"held out {fold['held_out']}: selected {fold['selected']} (fit mean KS: {fits})")
        for key, value in sorted(summary["objective"].items()):
            typer.echo(f"  mean KS {key}: {value:.3f}")
        typer.echo(f"report: {write_report(cfg.out)}")

    @calibrate.command("finetune")
    def finetune_cmd(
        config: Annotated[Path, typer.Argument(help="finetune YAML (configs/calibration/finetune-*.yaml)")],
        out: Annotated[Path | None, typer.Option("--out", help="adapter folder (default: the config's out)")] = None,
        max_steps: Annotated[int | None, typer.Option("--max-steps", min=1, help="override the config's max_steps")
                             ] = None,
        overwrite: Annotated[bool, typer.Option(help="retrain over an adapter of other settings in the folder")
                             ] = False,
    ) -> None:
        """Train a LoRA adapter on the SFT examples; play it with ``--policy owner=llm:adapter=PATH``."""
        from econlab.calibration.finetune import finetune, load_config, settings_changed

        try:
            cfg = load_config(config)
            changes = {k: v for k, v in (("out", out), ("max_steps", max_steps)) if v is not None}
            if changes:
                cfg = cfg.model_copy(update=changes)
            from econlab.runfolder import check_out_dir

            check_out_dir(cfg.out)
            changed = settings_changed(cfg)
            if changed and not overwrite:
                raise UserError(f"{cfg.out} holds an adapter trained with other settings ({', '.join(changed)}) — "
                                "pass --overwrite to retrain it, or choose another --out folder")
            summary = finetune(cfg, log=typer.echo)
        except ValueError as exc:
            raise UserError(str(exc)) from exc
        state = "already trained" if summary.get("resumed") else f"{summary['steps']} steps in {summary['seconds']} s"
        typer.echo(f"adapter {cfg.out}: {state}; {summary['used']} examples ({summary['too_long']} too long); "
                   f"loss {summary['losses'][0]:.4f} -> {summary['losses'][-1]:.4f}")
        typer.echo(f"play it with: --policy owner=llm:adapter={cfg.out} (backend local)")

    @calibrate.command("report")
    def report_cmd(
        search_dir: Annotated[Path, typer.Argument(help="output folder of `econlab calibrate prompts`")],
    ) -> None:
        """Rewrite the held-out report of a prompt search folder."""
        from econlab.calibration.report import write_report

        try:
            typer.echo(f"report: {write_report(search_dir)}")
        except ValueError as exc:
            raise UserError(str(exc)) from exc
