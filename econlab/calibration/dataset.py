"""``econlab dataset human FILES... --out DIR``: the human decision dataset on disk.

Writes into DIR:

* ``tables/*.parquet``: the same tidy tables as simulated games (:func:`econlab.eval.dataset.build_tables`);
* ``examples.parquet``: one row per human decision (view, decision, answer, message; :mod:`.human`);
* ``sft.jsonl``: the chat-format SFT examples (:mod:`.sft`), one per human decision of the chosen kinds;
* ``summary.json``: counts per game and decision, the skipped messages with their reasons.

Everything is rebuilt from the files on each run (seconds), so a rerun gives the same files.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from econlab.calibration.human import load_humans
from econlab.calibration.sft import DECISIONS, sft_examples, write_jsonl


def build_human_dataset(files: Sequence[str | Path], out: str | Path, *, persona: str | None = "profit-maximiser",
                        decisions: Sequence[str] = DECISIONS, templates_dir: Path | None = None,
                        personas_dir: Path | None = None) -> dict[str, Any]:
    """Write the human dataset of ``files`` into ``out`` (module docstring) and return its summary.

    Raises:
        ValueError: No files, an unreadable record, an unknown persona or decision kind.
    """
    import pandas as pd

    from econlab.eval.dataset import build_tables, write_tables

    paths = [Path(f) for f in files]
    games = load_humans(paths)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    write_tables(build_tables(paths), out / "tables")
    examples = [e for g in games for e in g.examples]
    rows = [e.row() for e in examples]
    frame = pd.DataFrame(rows) if rows else pd.DataFrame(columns=["game_id", "decision"])
    tmp = out / ".examples.parquet.tmp"
    frame.to_parquet(tmp, index=False)
    tmp.replace(out / "examples.parquet")
    sft = sft_examples(examples, persona=persona, decisions=decisions, templates_dir=templates_dir,
                       personas_dir=personas_dir)
    write_jsonl(sft, out / "sft.jsonl")
    summary = {
        "files": [str(p) for p in paths], "persona": persona, "decisions": list(decisions),
        "examples": len(examples), "sft_examples": len(sft),
        "games": {g.game_id: {"session": g.session, "examples": len(g.examples),
                              "by_decision": dict(sorted(Counter(e.decision for e in g.examples).items())),
                              "skipped": dict(sorted(g.skipped.items()))} for g in games},
    }
    (out / "summary.json").write_text(json.dumps(summary, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return summary
