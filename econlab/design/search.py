"""The resumable design search: propose, validate, play, score, record, and the report at the end.

Layout of a run folder::

    RUN/design.json            the configuration (a rerun must use the same one; only the budget may grow)
    RUN/candidates.jsonl       the history (econlab.design.store): proposals, rejections, scores
    RUN/candidates/cNNNN/      each candidate's tournament (games.csv: its per-game metrics)
    RUN/report.md, RUN/frontier.png, RUN/candidates.csv     written by econlab.design.report

Candidate 0 is always the empty design (the lab's default rules under the search's game settings), the reference
every report compares with. A kill loses at most the games in flight; a rerun finishes an unscored candidate with
its recorded design, then asks the designer for the next ones.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

from econlab.design import store
from econlab.design.config import DesignConfig
from econlab.design.evaluate import check_design, score_design
from econlab.design.store import Candidate

MANIFEST = "design.json"
OnCandidate = Callable[[Candidate], None]


def make_designer(config: DesignConfig, backend: Any = None) -> Any:
    """The configured designer (``backend``: an LLM backend object for tests, else built from ``config.llm``)."""
    from econlab.design.classical import OptunaDesigner, RandomDesigner

    d = config.designer
    space = config.design_space()

    def check(design: Any) -> list[str]:
        return check_design(config, design)

    if d.kind == "optuna":
        return OptunaDesigner(space, seed=d.seed, startup=d.startup, max_attempts=d.max_attempts, check=check)
    if d.kind == "random":
        return RandomDesigner(space, seed=d.seed, max_attempts=d.max_attempts, check=check)
    from econlab.design.llm_designer import LLMDesigner

    return LLMDesigner(config, check=check, backend=backend)


def _check_manifest(out: Path, config: DesignConfig) -> None:
    path = out / MANIFEST
    mine = json.loads(config.model_dump_json())
    if path.exists():
        theirs = json.loads(path.read_text(encoding="utf-8"))
        for d in (mine, theirs):
            d["designer"] = dict(d["designer"], candidates=None)  # the budget may grow between runs
            d["workers"] = None
        if theirs != mine:
            raise ValueError(f"{out} holds a different design search ({path}); use another --out folder")
        return
    out.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(mine, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def run_search(config: DesignConfig, out_dir: str | Path, *, stop_after: int | None = None,
               on_candidate: OnCandidate | None = None, designer: Any = None, report: bool = True
               ) -> list[Candidate]:
    """Run (or resume) the search until ``config.designer.candidates`` candidates are scored.

    Args:
        config: The search.
        out_dir: The run folder (module docstring).
        stop_after: Score at most this many candidates in this call (then return, as after an interruption).
        on_candidate: Called with each newly scored candidate.
        designer: A designer object to use instead of the configured one (tests).
        report: Write the report at the end.

    Returns:
        Every candidate of the run folder, in order.
    """
    if stop_after is not None and stop_after < 0:
        raise ValueError(f"stop_after must be >= 0, got {stop_after}")
    out = Path(out_dir)
    _check_manifest(out, config)
    path = out / store.CANDIDATES
    history = store.load(path)
    if any(not c.scored for c in history[:-1]):
        raise ValueError(f"{path}: only the last candidate may be unscored")
    done_now = 0
    total = config.designer.candidates
    while True:
        pending = history[-1] if history and not history[-1].scored else None
        if pending is None and len(history) >= total:
            break
        if stop_after is not None and done_now >= stop_after:
            break
        if pending is None:
            index = len(history)
            if index == 0:
                design, source, reasoning, rejected = {}, "default", "the lab's default rules (reference)", []
            else:
                designer = designer or make_designer(config)
                design, reasoning, rejected = designer.propose([c for c in history if c.scored], index)
                source = getattr(designer, "last_source", designer.name)
                reasons = check_design(config, design)
                if reasons:
                    raise RuntimeError(f"designer {source} returned an invalid design {design}: {reasons}")
                design = config.design_space().validate_design(design)
            store.append(path, store.proposed(index, design, source, reasoning, rejected))
            pending = Candidate(index, design, source, reasoning, rejected)
            history.append(pending)
        result = score_design(config, pending.design, out / "candidates" / f"c{pending.index:04d}",
                              f"c{pending.index:04d}")
        result = _finite(result)
        store.append(path, store.scored(pending.index, result))
        pending.result = result
        done_now += 1
        if on_candidate:
            on_candidate(pending)
    if report and history:
        from econlab.design.report import write_report

        write_report(config, history, out)
    return history


def _finite(result: dict[str, Any]) -> dict[str, Any]:
    # JSON has no NaN/inf; store them as null so every line is standard JSON
    def fix(x: Any) -> Any:
        if isinstance(x, float) and not math.isfinite(x):
            return None
        if isinstance(x, dict):
            return {k: fix(v) for k, v in x.items()}
        return x

    return fix(result)


def best(history: list[Candidate]) -> Candidate | None:
    """The best scored feasible candidate (``None`` if there is none)."""
    ok = [c for c in history if c.scored and c.feasible and c.result and c.result.get("score") is not None]
    return max(ok, key=lambda c: (c.score, -c.index)) if ok else None
