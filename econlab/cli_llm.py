"""The LLM parts of ``econlab play``: settings from the scenario and the ``--llm-*`` options, and the report."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from rich.console import Console


def make_factory(scenario_llm: Mapping[str, Any] | None, backend: str | None, base_url: str | None,
                 model: str | None, cache: Path | None, budget_usd: float | None) -> Any:
    """The run's :class:`~econlab.policies.llm.PolicyFactory`: the scenario's ``llm:`` section, then the options.

    Raises:
        ValueError: Invalid settings (pydantic's message names the field).
    """
    from econlab.policies.llm import LLMConfig, PolicyFactory

    settings = dict(scenario_llm or {})
    for key, value in (("backend", backend), ("base_url", base_url), ("model", model), ("cache_dir", cache),
                       ("budget_usd", budget_usd)):
        if value is not None:
            settings[key] = value
    return PolicyFactory(LLMConfig.model_validate(settings))


def llm_files(result: Any) -> dict[str, Any]:
    """Files written beside the record: every LLM call as a dataset row (``<name>.llm_calls.json``)."""
    from econlab.policies.llm import call_rows

    return {"llm_calls.json": call_rows(result.llm_calls)} if result.llm_calls else {}


def report(console: Console, factory: Any, result: Any) -> int:
    """Print the LLM summary of a game; returns the exit status (1 when a replay missed the cache)."""
    from econlab.policies.llm import summarize_calls

    if not result.llm_calls and not factory.replay_misses:
        return 0
    t = summarize_calls(result.llm_calls)["total"]
    cost = f"{t['cost_usd']:.6f} USD at list price, {factory.ledger.spent_usd:.6f} USD spent this run"
    console.print(f"LLM: {t['decisions']} decisions ({t['first']} valid first time, {t['repaired']} after repair, "
                  f"{t['fallback']} fell back); {t['http_calls']} requests, {t['cache_hits']} cache hits; "
                  f"{t['prompt_tokens']} + {t['completion_tokens']} tokens; {cost}.")
    if factory.ledger.stopped_reason:
        console.print(f"[yellow]LLM calls stopped:[/yellow] {factory.ledger.stopped_reason}")
    if factory.replay_misses:
        console.print(f"[red]error:[/red] {len(factory.replay_misses)} decisions had no cached answer, first: "
                      f"{factory.replay_misses[0]}")
        return 1
    return 0
