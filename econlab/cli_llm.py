"""The LLM parts of ``econlab play`` and ``tournament``: settings, incomplete records, fallback summaries.

Exit statuses: 1 when a game could not finish properly (a replay missed the cache, the budget stopped
the run; an ``.incomplete.json`` record is written instead of the record), 3
(:data:`~econlab.errors.EXIT_FALLBACK`) when an LLM seat fell back on more than ``--max-fallback-rate``
of its decisions.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape

from econlab.errors import EXIT_FALLBACK, EXIT_MISMATCH, UserError

#: default of ``--max-fallback-rate``
MAX_FALLBACK_RATE = 0.2


def make_factory(scenario_llm: Mapping[str, Any] | None, backend: str | None, base_url: str | None,
                 model: str | None, cache: Path | None, budget_usd: float | None, on_budget: str | None = None
                 ) -> Any:
    """The run's :class:`~econlab.policies.llm.PolicyFactory`: the scenario's ``llm:`` section, then the options.

    Raises:
        ValueError: Invalid settings (pydantic's message names the field).
        UserError: ``--on-budget`` is neither ``stop`` nor ``fallback``.
    """
    from econlab.policies.llm import LLMConfig, PolicyFactory

    if on_budget is not None and on_budget not in ("stop", "fallback"):
        raise UserError(f"--on-budget must be stop or fallback, got {on_budget!r}")
    settings = dict(scenario_llm or {})
    for key, value in (("backend", backend), ("base_url", base_url), ("model", model), ("cache_dir", cache),
                       ("budget_usd", budget_usd), ("on_budget", on_budget)):
        if value is not None:
            settings[key] = value
    return PolicyFactory(LLMConfig.model_validate(settings))


def llm_files(result: Any) -> dict[str, Any]:
    """Files written beside the record: every LLM call as a dataset row (``<name>.llm_calls.json``)."""
    from econlab.policies.llm import call_rows

    return {"llm_calls.json": call_rows(result.llm_calls)} if result.llm_calls else {}


def preflight(settings: Mapping[str, Any]) -> None:
    """Check the LLM backend of ``settings`` (an ``llm:`` section) before work starts (``econlab design``).

    Raises:
        UserError: The backend cannot answer (:mod:`econlab.policies.llm.preflight`).
        ValueError: Invalid settings.
    """
    from econlab.policies.llm import LLMConfig
    from econlab.policies.llm.preflight import Preflight

    Preflight().check(LLMConfig.model_validate(dict(settings)))


def check_rate(rate: float) -> float:
    """``--max-fallback-rate`` between 0 and 1.

    Raises:
        UserError: Outside [0, 1].
    """
    if not 0.0 <= rate <= 1.0:
        raise UserError(f"--max-fallback-rate must be between 0 and 1, got {rate}")
    return rate


def write_record(writer: Any, factory: Any, result: Any, extra: dict[str, Any]) -> tuple[Any, bool]:
    """``(path, complete)``: the record, or an ``.incomplete.json`` when a replay missed the cache."""
    if not factory.replay_misses:
        return writer.finish(result.record, extra | llm_files(result)), True
    message = (f"{len(factory.replay_misses)} decisions had no cached answer (first: {factory.replay_misses[0]}); "
               "their seats did nothing, so this is not the game the live run played")
    content = {"record": result.record, "decisions": extra.get("decisions.json", []),
               "llm_calls": llm_files(result).get("llm_calls.json", [])}
    return writer.abandon("replay-miss", message, content), False


def stopped(console: Console, writer: Any, stop: Any, spec_meta: Mapping[str, Any]) -> int:
    """Write the incomplete record of a run stopped by a policy (the budget); returns the exit status."""
    from econlab.policies.llm import call_rows

    message = (f"{stop}; rerun with a larger --budget-usd (or --on-budget fallback) and the same --cache to "
               "resume: cached answers are not paid again")
    content = {"econlab": dict(spec_meta), "log": stop.partial.get("log", []),
               "decisions": stop.partial.get("decisions", []),
               "llm_calls": call_rows(stop.partial.get("llm_calls", []))}
    path = writer.abandon(stop.reason, message, content)
    console.print(f"[yellow]stopped: {escape(stop.reason)}[/yellow] — {escape(message)}")
    console.print(f"Incomplete record: {path}")
    return EXIT_MISMATCH


def seat_summaries(console: Console, rows: list[dict[str, Any]], max_rate: float, key: Any = None,
                   label: Any = None) -> bool:
    """Print one fallback line per LLM seat; whether any seat's share exceeds ``max_rate``."""
    from econlab.policies.llm.records import fallback_line, fallback_shares

    over = False
    for k, s in fallback_shares(rows, key).items():
        name = label(k, s) if label is not None else f"LLM seat {k} ({s['role']})"
        flag = s["share"] > max_rate
        over |= flag
        console.print(escape(fallback_line(name, s)) + (f" [red]> {max_rate:.0%} allowed[/red]" if flag else ""))
    return over


def report(console: Console, factory: Any, result: Any, max_rate: float = MAX_FALLBACK_RATE) -> int:
    """Print the LLM summary of a game; returns the exit status (module docstring)."""
    from econlab.policies.llm import summarize_calls

    if not result.llm_calls and not factory.replay_misses:
        return 0
    t = summarize_calls(result.llm_calls)["total"]
    cost = f"{t['cost_usd']:.6f} USD at list price, {factory.ledger.spent_usd:.6f} USD spent this run"
    console.print(f"LLM: {t['decisions']} decisions ({t['first']} valid first time, {t['repaired']} after repair, "
                  f"{t['fallback']} fell back); {t['http_calls']} requests, {t['cache_hits']} cache hits; "
                  f"{t['prompt_tokens']} + {t['completion_tokens']} tokens; {cost}.")
    over = seat_summaries(console, result.llm_calls, max_rate)
    if factory.ledger.stopped_reason:
        console.print(f"[yellow]LLM calls stopped:[/yellow] {factory.ledger.stopped_reason}")
    if factory.replay_misses:
        console.print(f"[red]error:[/red] {len(factory.replay_misses)} decisions had no cached answer, first: "
                      f"{factory.replay_misses[0]}; the record is marked incomplete")
        return EXIT_MISMATCH
    if over:
        console.print(f"[red]error:[/red] LLM seats fell back on more than {max_rate:.0%} of their decisions "
                      "(--max-fallback-rate); the results are not the model's play")
        return EXIT_FALLBACK
    return 0


def tournament_report(console: Console, records: Path, summary: Any, max_rate: float) -> int:
    """Fallback lines per scenario and LLM seat of a tournament, and its exit status (module docstring)."""
    import json

    rows: list[dict[str, Any]] = []
    for path in sorted(records.glob("*.record.json")):
        record = json.loads(path.read_text(encoding="utf-8"))
        scenario = (record.get("econlab") or {}).get("scenario")
        rows += [dict(r, scenario=scenario) for r in record.get("llm_calls") or ()]
    over = seat_summaries(console, rows, max_rate, key=lambda r: (str(r["scenario"]), int(r["seat"])),
                          label=lambda k, s: f"LLM seat {k[1]} ({s['role']}) of scenario {k[0]}") if rows else False
    if summary.incomplete:
        reasons = ", ".join(sorted({r for _, r in summary.incomplete}))
        console.print(f"[red]error:[/red] {len(summary.incomplete)} games stopped without a record ({reasons}; "
                      f"first: {summary.incomplete[0][0]}); see records/*.incomplete.json, a rerun plays them again")
        return EXIT_MISMATCH
    if over:
        console.print(f"[red]error:[/red] LLM seats fell back on more than {max_rate:.0%} of their decisions "
                      "(--max-fallback-rate); the results are not the models' play")
        return EXIT_FALLBACK
    return 0
