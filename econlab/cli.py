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

app = typer.Typer(add_completion=False, no_args_is_help=False,
                  help="econlab: economic lab experiments with scripted, LLM and RL agents.")
console = Console()

_CONDITION = {0: "No Project", 1: "Project", None: "-"}


def _fmt(x: Any) -> str:
    if isinstance(x, float):
        return f"{x:,.1f}"
    if isinstance(x, int):
        return f"{x:,}"
    return str(x)


@app.callback(invoke_without_command=True)
def _root(ctx: typer.Context) -> None:
    if ctx.invoked_subcommand is None:
        console.print(ctx.get_help())


@app.command()
def play(
    treatment: Annotated[str | None, typer.Option(help="harberger, futarchy or voting")] = None,
    policy: Annotated[list[str] | None, typer.Option("--policy", help="ROLE_OR_SEAT=NAME, repeatable")] = None,
    scenario: Annotated[Path | None, typer.Option(help="a scenario YAML (configs/scenarios/)")] = None,
    seed: Annotated[int, typer.Option(help="seed of the game and its policies")] = 0,
    rounds: Annotated[int | None, typer.Option(help="paid rounds (1-5)")] = None,
    session: Annotated[int | None, typer.Option(help="lab value/signal session (1-11)")] = None,
    practice: Annotated[bool | None, typer.Option("--practice/--no-practice", help="play the practice round")] = None,
    out: Annotated[Path | None, typer.Option(help="run folder for the record")] = None,
    quiet: Annotated[bool, typer.Option(help="no progress display")] = False,
    llm_backend: Annotated[str | None, typer.Option(help="LLM seats: openai, local or replay")] = None,
    llm_base_url: Annotated[str | None, typer.Option(help="OpenAI-compatible endpoint of LLM seats")] = None,
    llm_model: Annotated[str | None, typer.Option(help="model of LLM seats (local: a model folder)")] = None,
    cache: Annotated[Path | None, typer.Option(help="LLM answer cache folder (replay reads it)")] = None,
    budget_usd: Annotated[float | None, typer.Option(help="LLM spending limit of the run (USD)")] = None,
) -> None:
    """Play one full game with scripted, LLM (``llm``, ``llm:persona=exploiter``) or other policies."""
    from econlab.cli_llm import llm_files, make_factory
    from econlab.cli_llm import report as llm_report
    from econlab.eval.recording import RecordWriter
    from econlab.eval.runner import GameSpec, play_game
    from econlab.eval.scenario import Scenario, load_scenario
    from econlab.game.jsnum import index as js_index

    try:
        sc = load_scenario(scenario) if scenario else Scenario()
        changes: dict[str, Any] = {}
        if treatment is not None:
            changes["treatment"] = treatment
        for key, val in (("rounds", rounds), ("session", session), ("practice_round", practice)):
            if val is not None:
                changes[key] = val
        if changes:
            sc = Scenario.model_validate(sc.model_dump() | changes)
        params = sc.game_params()
        assignment = sc.assignment(policy or ())
        factory = make_factory(sc.llm, llm_backend, llm_base_url, llm_model, cache, budget_usd)
        policies = factory.build(assignment)
        spec = GameSpec(params=params, seed=seed, values=sc.values, market_ticks=sc.market_ticks,
                        chat_ticks=sc.chat_ticks, compat=sc.compat)
    except (ValueError, OSError) as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    folder = out or Path("runs") / f"play-{sc.treatment}-seed{seed}"
    writer = RecordWriter(folder, f"{sc.treatment}-seed{seed}")
    n_rounds = params.round_count + (1 if params.practice_round else 0)
    console.print(f"[bold]{sc.treatment.capitalize()}[/bold] game: {n_rounds} round(s), session "
                  f"{params.session_number}, seed {seed}, {len(assignment)} seats")
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
        progress.advance(task)

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, disable=quiet, transient=True) as progress:
        task = progress.add_task("rounds", total=n_rounds)
        result = play_game(spec, policies, on_round=show_round, on_log=writer.append_log)
    decisions = [d.to_json() for d in result.decisions]
    path = writer.finish(result.record, {"decisions.json": decisions} | llm_files(result))
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
    console.print(f"Record: {path}")
    status = llm_report(console, factory, result)
    if status:
        raise typer.Exit(status)


@app.command()
def replay(
    trace: Annotated[Path, typer.Argument(help="a lab-server trace (.jsonl)")],
    compat: Annotated[str, typer.Option(help="server (reproduce the lab server) or strict")] = "server",
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Feed a recorded lab-server game through the engine and compare every outcome; exit 1 on a mismatch."""
    from econlab.eval.replay import read_trace, replay_trace

    if compat not in ("server", "strict"):
        console.print(f"[red]error:[/red] --compat must be server or strict, got {compat!r}")
        raise typer.Exit(2)
    try:
        result = replay_trace(read_trace(str(trace)), compat=compat)  # type: ignore[arg-type]
    except (ValueError, OSError) as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
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
