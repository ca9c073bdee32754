"""The ``econlab`` command line: ``play`` a game, ``replay`` a recorded lab-server trace."""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from econlab.cli_errors import ErrorHandlingGroup
from econlab.errors import UserError

app = typer.Typer(cls=ErrorHandlingGroup, add_completion=False, no_args_is_help=False, pretty_exceptions_enable=False,
                  help="econlab: economic lab experiments with scripted, LLM and RL agents.")
console = Console()

_CONDITION = {0: "No Project", 1: "Project", None: "-"}


def _fmt(x: Any) -> str:
    if isinstance(x, float):
        return f"{x:,.1f}"
    if isinstance(x, int):
        return f"{x:,}"
    return str(x)


def _show_version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            number = version("econlab")
        except PackageNotFoundError:  # running from a source tree that is not installed
            number = "unknown (not installed)"
        sys.stdout.write(f"econlab {number}\n")
        raise typer.Exit(0)


@app.callback(invoke_without_command=True)
def _root(ctx: typer.Context,
          version: Annotated[bool, typer.Option("--version", is_eager=True, callback=_show_version,
                                                help="print the version and exit")] = False) -> None:
    if ctx.invoked_subcommand is None:
        console.print(ctx.get_help())


#: ``play`` options by the scenario field they set (messages name the option)
_PLAY_OPTIONS = {"treatment": "--treatment", "rounds": "--rounds", "session": "--session",
                 "practice_round": "--practice"}
_LLM_OPTIONS = {"backend": "--llm-backend", "base_url": "--llm-base-url", "model": "--llm-model",
                "cache_dir": "--cache", "budget_usd": "--budget-usd"}


def _play_folder(sc: Any, seed: int, assignment: dict[int, str], llm: Any) -> str:
    """``play-TREATMENT-seedN-POLICIES-HASH``: readable, and distinct for every distinct set-up.

    POLICIES is the one policy of every seat, or the policy per role (``owner=truthful+...``); HASH is a digest
    of everything that shapes the game (scenario, seats, seed, LLM settings), so two runs that differ in
    anything get two folders, and the same run finds its folder again.
    """
    import hashlib
    import re
    from collections import Counter

    from econlab.eval.recording import dumps
    from econlab.games.ibex.params import ROLE_NAMES
    from econlab.games.ibex.state import make_players

    params = sc.game_params()
    role_of = {p.number: ROLE_NAMES[p.role] for p in make_players(params.owners.count, params.speculators.count)}
    base = Counter(assignment.values()).most_common(1)[0][0]
    parts = [base]
    for role in dict.fromkeys(role_of.values()):
        specs = {assignment[s] for s, r in role_of.items() if r == role}
        if len(specs) == 1 and specs != {base}:
            parts.append(f"{role}={specs.pop()}")
        elif len(specs) > 1:
            parts += [f"{s}={assignment[s]}" for s, r in role_of.items() if r == role and assignment[s] != base]
    readable = "+".join(parts)
    if sc.name != "default":
        readable = f"{sc.name}-{readable}"
    readable = re.sub(r"[^A-Za-z0-9_.=+-]", "_", readable)[:48]
    digest = hashlib.sha256(dumps({"scenario": sc.model_dump(mode="json"), "seats": {str(k): v for k, v in
                                   sorted(assignment.items())}, "seed": seed,
                                   "llm": llm.model_dump(mode="json")}).encode()).hexdigest()[:8]
    return f"play-{sc.treatment}-seed{seed}-{readable}-{digest}"


@app.command()
def play(
    treatment: Annotated[str | None, typer.Option(help="harberger, futarchy or voting")] = None,
    policy: Annotated[list[str] | None, typer.Option("--policy", help="ROLE_OR_SEAT=NAME, repeatable")] = None,
    scenario: Annotated[Path | None, typer.Option(help="a scenario YAML (configs/scenarios/)")] = None,
    seed: Annotated[int, typer.Option(help="seed of the game and its policies")] = 0,
    rounds: Annotated[int | None, typer.Option(help="paid rounds (1-5)")] = None,
    session: Annotated[int | None, typer.Option(help="lab value/signal session (1-11)")] = None,
    practice: Annotated[bool | None, typer.Option("--practice/--no-practice", help="play the practice round")] = None,
    out: Annotated[Path | None, typer.Option(help="run folder for the record (default: a new runs/play-TREATMENT-"
                                                  "seedN-POLICIES-HASH[-K] per run)")] = None,
    overwrite: Annotated[bool, typer.Option(help="replace a record of the same game already in the folder "
                                                 "(default folder: reuse it instead of a new -K one)")] = False,
    quiet: Annotated[bool, typer.Option(help="print only the summary (no progress, no round tables)")] = False,
    llm_backend: Annotated[str | None, typer.Option(help="LLM seats: openai, local or replay")] = None,
    llm_base_url: Annotated[str | None, typer.Option(help="OpenAI-compatible endpoint of LLM seats")] = None,
    llm_model: Annotated[str | None, typer.Option(help="model of LLM seats (local: a model folder)")] = None,
    cache: Annotated[Path | None, typer.Option(help="LLM answer cache folder (replay reads it)")] = None,
    budget_usd: Annotated[float | None, typer.Option(help="LLM spending limit of the run (USD)")] = None,
    on_budget: Annotated[str | None, typer.Option(help="at the budget: stop (default; resumable) or fallback")] = None,
    max_fallback_rate: Annotated[float, typer.Option(help="exit 3 when an LLM seat fell back more often")] = 0.2,
) -> None:
    """Play one full game with scripted, LLM (``llm``, ``llm:persona=exploiter``) or other policies."""
    from pydantic import ValidationError

    from econlab.cli_llm import check_rate, make_factory, stopped, write_record
    from econlab.cli_llm import report as llm_report
    from econlab.configfile import validation_message
    from econlab.eval.recording import RecordWriter
    from econlab.eval.runner import play_game
    from econlab.eval.scenario import Scenario, load_scenario
    from econlab.games.ibex.jsnum import index as js_index
    from econlab.games.ibex.spec import GameSpec
    from econlab.policies.base import StopRun
    from econlab.runfolder import check_out_dir, refuse_overwrite

    if seed < 0:
        raise UserError(f"--seed {seed}: seeds are whole numbers >= 0 — give e.g. --seed 0")
    try:
        sc = load_scenario(scenario) if scenario else Scenario()
        changes: dict[str, Any] = {}
        if treatment is not None:
            changes["treatment"] = treatment
        for key, val in (("rounds", rounds), ("session", session), ("practice_round", practice)):
            if val is not None:
                changes[key] = val
        if changes:
            try:
                sc = Scenario.model_validate(sc.model_dump() | changes)
            except ValidationError as exc:
                raise UserError(validation_message(exc, Scenario, scenario, names=_PLAY_OPTIONS)) from None
        params = sc.game_params()
        assignment = sc.checked_assignment(policy or ())
        check_rate(max_fallback_rate)
        try:
            factory = make_factory(sc.llm, llm_backend, llm_base_url, llm_model, cache, budget_usd, on_budget)
        except ValidationError as exc:
            from econlab.policies.llm import LLMConfig

            raise UserError(validation_message(exc, LLMConfig, names=_LLM_OPTIONS)) from None
        policies = factory.build(assignment)  # LLM seats: preflight of key, endpoint and model
        spec = GameSpec(params=params, seed=seed, values=sc.values, market_ticks=sc.market_ticks,
                        chat_ticks=sc.chat_ticks, compat=sc.compat)
    except (ValueError, OSError) as exc:
        raise UserError(str(exc)) from exc
    name = f"{sc.treatment}-seed{seed}"
    if out is None:  # a fresh folder per run: runs/play-...-HASH, then -2, -3, ... when played again
        base = Path("runs") / _play_folder(sc, seed, assignment, factory.config)
        folder, n = base, 1
        while (folder / f"{name}.record.json").exists() and not overwrite:
            n += 1
            folder = base.with_name(f"{base.name}-{n}")
        check_out_dir(folder)
    else:  # the user's folder: a record already there is kept unless --overwrite
        folder = check_out_dir(out)
        refuse_overwrite([folder / f"{name}.record.json"], overwrite, "the record of a game played earlier")
    writer = RecordWriter(folder, name)
    n_rounds = params.round_count + (1 if params.practice_round else 0)
    if not quiet:
        paid = f"{params.round_count} paid round{'s' if params.round_count != 1 else ''}"
        console.print(f"[bold]{sc.treatment.capitalize()}[/bold] game: {paid}"
                      f"{' + practice' if params.practice_round else ''}, session {params.session_number}, "
                      f"seed {seed}, {len(assignment)} seats")
    roles: dict[int, str] = {}

    def show_round(game: Any, rnd: int) -> None:
        r = next(x for x in game.results if x.round == rnd)
        if not roles:
            roles.update({p.number: p.tag for p in game.players})
        if game.treatment != "voting":
            detail = (f", final price {_fmt(r.final_price)}, {len(r.trades)} trades, "
                      f"{len(r.snipe_outcomes1) + len(r.snipe_outcomes2)} snipes")
        else:
            votes = sum(1 for d in r.final_decisions.values() if d == [1])
            offer = js_index(r.offer, 1) if isinstance(r.offer, list) and r.offer else "none"
            detail = f", offer {_fmt(offer)}, {votes} of {len(r.final_decisions)} owners voted for the project"
        progress.advance(task)
        if quiet:
            return
        console.print(f"[bold]Round {rnd}[/bold]{' (practice, unpaid)' if rnd == 0 else ''}: "
                      f"{_CONDITION.get(r.condition, r.condition)}{detail}")
        table = Table()
        table.add_column("seat", justify="right")
        table.add_column("role")
        table.add_column("policy")
        table.add_column("round profit", justify="right")
        for p in game.players:
            table.add_row(str(p.number), p.tag, assignment[p.number], _fmt(r.profits.get(p.number)))
        console.print(table)

    try:
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      console=console, disable=quiet, transient=True) as progress:
            task = progress.add_task("rounds", total=n_rounds)
            result = play_game(spec, policies, on_round=show_round, on_log=writer.append_log)
    except StopRun as stop:  # the LLM budget with --on-budget stop
        raise typer.Exit(stopped(console, writer, stop, spec.meta())) from None
    decisions = [d.to_json() for d in result.decisions]
    path, complete = write_record(writer, factory, result, {"decisions.json": decisions})
    game = result.game
    table = Table(title=f"Payment (paid round {game.reward_round})", title_justify="left")
    for col in ("seat", "role", "policy", "profit (points)", "reward (EUR)"):
        table.add_column(col, justify="right" if col not in ("role", "policy") else "left")
    by_role: dict[str, list[float]] = defaultdict(list)
    for rw in game.rewards:
        p = game.by_seat[rw["number"]]
        table.add_row(str(p.number), p.tag, assignment[p.number], _fmt(rw["profit"]), f"{rw['reward']:.2f}")
        by_role[p.tag.split(" ")[0]].append(rw["reward"])
    console.print(table)
    summary = ", ".join(f"{role}: {sum(v) / len(v):.2f} EUR avg" for role, v in by_role.items())
    invalid = sum(1 for d in result.decisions if not d.valid)
    console.print(f"Per role: {summary}. Decisions: {len(decisions)} ({invalid} rejected).")
    console.print(f"{'Record' if complete else 'Incomplete record'}: {path}")
    status = llm_report(console, factory, result, max_fallback_rate)
    if status:
        raise typer.Exit(status)


@app.command()
def replay(
    trace: Annotated[Path, typer.Argument(help="a lab-server trace (.jsonl)")],
    compat: Annotated[str, typer.Option(help="server (reproduce the lab server) or strict")] = "server",
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
    partial: Annotated[bool, typer.Option(help="accept a trace that stops before the game ended (exit 0 when "
                                               "what it holds matches)")] = False,
) -> None:
    """Feed a recorded lab-server game through the engine and compare every outcome; exit 1 on a mismatch.

    A trace that stops before the game ended is compared as far as it goes; the command then exits 2 unless
    ``--partial`` is given.
    """
    from econlab.configfile import choice_text
    from econlab.eval.filekind import expect_kind
    from econlab.eval.replay import read_trace, replay_trace

    if compat not in ("server", "strict"):
        raise UserError(f"--compat: {choice_text(compat, ['server', 'strict'])}")
    expect_kind(trace, ("trace", "other"), "a lab-server trace (.jsonl)")
    try:
        result = replay_trace(read_trace(str(trace)), compat=compat)  # type: ignore[arg-type]
    except (ValueError, OSError) as exc:
        raise UserError(f"{exc} — give a complete trace (a trace cut at a line boundary replays with --partial)"
                        ) from exc
    if as_json:
        sys.stdout.write(json.dumps(result.to_json()) + "\n")
    else:
        for r in result.rounds:
            console.print(f"round {r['round']}: {_CONDITION.get(r['winning_condition'], r['winning_condition'])}"
                          + (f", final price {r['final_price']}" if r["final_price"] is not None else ""))
            console.print("  profits: " + ", ".join(f"{s}: {_fmt(v)}" for s, v in r["profits"].items()))
        console.print(f"{result.compared} items compared, {len(result.mismatches)} mismatches")
        for m in result.mismatches[:20]:
            console.print(f"[red]mismatch[/red] {m['where']}: server {m['server']} engine {m['engine']}")
    if result.truncated is not None:
        where = f"round {result.truncated['round']}, phase {result.truncated['phase']}"
        message = (f"{trace} ends in {where} before game over — only what it holds was compared "
                   f"({result.compared} items)")
        if not partial and not result.mismatches:
            raise UserError(f"{message}; pass --partial to accept a partial trace")
        sys.stderr.write(f"warning: {message}\n")
    if result.mismatches:
        raise typer.Exit(1)


from econlab.cli_eval import compare, report, tournament  # noqa: E402 - light module; heavy imports inside

app.command("tournament")(tournament)
app.command("report")(report)
app.command("compare")(compare)

from econlab.cli_protocol import connect, create_game, serve  # noqa: E402 - light module; heavy imports inside

app.command("serve")(serve)
app.command("connect")(connect)
app.command("create-game")(create_game)

# each of these light modules adds its own commands (heavy imports happen inside the commands)
from econlab import cli_calibrate, cli_design, cli_train  # noqa: E402

cli_train.register(app)
cli_calibrate.register(app)
cli_design.register(app)


def main() -> None:
    """Entry point of the ``econlab`` script."""
    app()


if __name__ == "__main__":
    main()
