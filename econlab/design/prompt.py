"""The LLM designer's prompt: the rules in brief, the design space, the objective, the history, the answer format.

The history lists the default design (candidate 0), the best designs so far and the most recent ones (at most
``designer.history`` rows), each with its score, feasibility and the metrics the objective reads, so the model can
see both what worked and what it tried last. The prompt is a pure function of the configuration and the history, so
the answer cache serves a rerun.
"""

from __future__ import annotations

import json
import math
from typing import Any

from econlab.design.config import DesignConfig
from econlab.design.store import Candidate

RULES = {
    "harberger": (
        "Harberger treatment: every owner and the developer hold a lot whose value depends on which condition wins "
        "(No Project or Project). Each round, holders first declare a value for each condition; the condition "
        "with the larger sum of first declarations wins. Declarations are taxed (first at tax_rate.initial "
        "percent, second at tax_rate.final percent); the taxes are paid out as a dividend per share. Speculators "
        "may 'snipe' a lot: if a declaration is below the true value, each sniper gets a share of half the gap. "
        "A market for shares runs between the declarations. Low taxes invite over- and under-statement, high "
        "taxes take more from holders; snipers keep declarations honest but take profit from holders."),
    "futarchy": (
        "Futarchy treatment: as Harberger, but the condition is chosen by the prices of two conditional share "
        "markets (one per condition) instead of by the declarations; declarations are taxed and sniped as in "
        "Harberger."),
    "voting": (
        "Voting treatment: owners and a developer; owners request compensation, the developer makes an offer, "
        "and owners vote on the Project; there are no speculators."),
}


def _fmt(x: Any) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "n/a"
    if isinstance(x, float):
        return f"{x:.4g}" if abs(x) < 1e4 else f"{x:.0f}"
    return str(x)


def history_rows(config: DesignConfig, history: list[Candidate]) -> list[Candidate]:
    """Which candidates the prompt shows: the default, the best, then the most recent (no repeats, by index)."""
    limit = config.designer.history
    scored = [c for c in history if c.scored]
    best = sorted(scored, key=lambda c: (-(c.score if math.isfinite(c.score) else -math.inf), c.index))
    chosen: dict[int, Candidate] = {}
    for c in scored[:1] + best[: limit // 2] + scored[::-1]:
        if len(chosen) >= limit:
            break
        chosen.setdefault(c.index, c)
    return [chosen[i] for i in sorted(chosen)]


def design_messages(config: DesignConfig, history: list[Candidate], index: int) -> list[dict[str, str]]:
    """The system and user messages asking for candidate ``index``."""
    space = config.design_space()
    defaults = space.defaults()
    shown = config.objective.metrics()
    example = {p.name: defaults[p.name] for p in space.params}
    system = (
        "You are a mechanism designer. You change the rules of an economic game so that a population of players, "
        "who act in their own interest, produces outcomes that score well on a social objective. You reply with "
        "one JSON object and nothing else, of the form "
        '{"type": "design", "design": {PARAMETER: VALUE, ...}, "reasoning": "one or two sentences"}. '
        "Use only the parameters listed, with values inside their ranges; parameters you leave out keep their "
        "default. Do not propose a design that was already evaluated.\n"
        f"JSON schema of the answer: {json.dumps({'title': 'DesignAnswer', 'type': 'object'})}")
    lines = [RULES[config.treatment], "",
             f"Players: {', '.join(p.name + ' (default policy ' + p.default + ')' for p in config.populations)}; "
             f"every design is played on {len(config.seed_list())} games.",
             "", "Parameters you may change (default in brackets):"]
    lines += [f"- {p.describe()} [default {defaults[p.name]}]" for p in space.params]
    lines += ["", f"Objective (higher is better): {config.objective.describe()}.",
              "A design that violates a constraint is infeasible and penalised.", "",
              "Designs tried so far:"]
    for c in history_rows(config, history):
        assert c.result is not None
        metrics = ", ".join(f"{m} {_fmt(c.result['metrics'].get(m))}" for m in shown)
        feas = "feasible" if c.feasible else "INFEASIBLE"
        lines.append(f"- #{c.index} {json.dumps(c.design, sort_keys=True)}: score {_fmt(c.result.get('score'))}, "
                     f"{feas}; {metrics}")
    lines += ["", f"Propose design #{index}: a new design likely to score higher. Example of the format: "
                  + json.dumps({"type": "design", "design": example, "reasoning": "..."})]
    return [{"role": "system", "content": system}, {"role": "user", "content": "\n".join(lines)}]


def repair_text(reasons: list[str]) -> str:
    """The follow-up message after a rejected answer."""
    return ("Your proposal was rejected: " + "; ".join(reasons) + ". Reply with one corrected JSON object "
            '{"type": "design", "design": {...}, "reasoning": "..."} and nothing else.')
