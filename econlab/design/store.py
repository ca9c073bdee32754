"""The search's history on disk: one JSON line per event in ``RUN/candidates.jsonl``.

Two kinds of lines, both keyed by the candidate's ``index``:

* ``{"event": "proposed", "index", "design", "source", "reasoning", "rejected"}`` is written (and flushed to disk)
  before a candidate is played: ``rejected`` lists the designer's invalid proposals with their reasons;
* ``{"event": "scored", "index", "score", "raw_score", "feasible", "violations", "metrics", "games"}`` after.

A line is appended in one ``write`` of a complete line and ``fsync``-ed, so a kill leaves at most a torn last line,
which :func:`load` ignores. Resuming: a proposed but unscored candidate is played again with the *same* design (its
tournament resumes game by game) instead of asking the designer anew, so nothing is lost or evaluated twice.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CANDIDATES = "candidates.jsonl"


@dataclass
class Candidate:
    """One candidate design and, once played, its score."""

    index: int
    design: dict[str, Any]
    source: str
    reasoning: str = ""
    rejected: list[dict[str, Any]] = field(default_factory=list)
    result: dict[str, Any] | None = None

    @property
    def scored(self) -> bool:
        """Whether the candidate was played and scored."""
        return self.result is not None

    @property
    def score(self) -> float:
        """The objective score (NaN before scoring)."""
        value = self.result.get("score") if self.result else None
        return float(value) if value is not None else float("nan")

    @property
    def feasible(self) -> bool:
        """Whether the design meets the constraints."""
        return bool(self.result and self.result["feasible"])


def append(path: Path, entry: dict[str, Any]) -> None:
    """Append one event line durably."""
    line = json.dumps(entry, sort_keys=True, allow_nan=True) + "\n"
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(line)
        fh.flush()
        os.fsync(fh.fileno())


def load(path: Path) -> list[Candidate]:
    """The candidates of a history file, by index (a torn last line is ignored)."""
    if not path.exists():
        return []
    out: dict[int, Candidate] = {}
    lines = path.read_text(encoding="utf-8").splitlines()
    for n, line in enumerate(lines):
        try:
            e = json.loads(line)
        except json.JSONDecodeError:
            if n == len(lines) - 1:
                break  # a kill while writing: the candidate is proposed again or played again
            raise ValueError(f"{path}: line {n + 1} is not JSON") from None
        i = int(e["index"])
        if e["event"] == "proposed":
            if i in out:
                raise ValueError(f"{path}: candidate {i} proposed twice")
            out[i] = Candidate(i, e["design"], e["source"], e.get("reasoning", ""), e.get("rejected", []))
        elif e["event"] == "scored":
            if i not in out:
                raise ValueError(f"{path}: candidate {i} scored before it was proposed")
            out[i].result = {k: v for k, v in e.items() if k not in ("event", "index")}
        else:
            raise ValueError(f"{path}: unknown event {e['event']!r}")
    cands = [out[i] for i in sorted(out)]
    if [c.index for c in cands] != list(range(len(cands))):
        raise ValueError(f"{path}: candidate indices are not 0..{len(cands) - 1}")
    return cands


def proposed(index: int, design: dict[str, Any], source: str, reasoning: str = "",
             rejected: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """A ``proposed`` event."""
    return {"event": "proposed", "index": index, "design": design, "source": source, "reasoning": reasoning,
            "rejected": rejected or []}


def scored(index: int, result: dict[str, Any]) -> dict[str, Any]:
    """A ``scored`` event."""
    return {"event": "scored", "index": index} | result
