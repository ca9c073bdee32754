"""Deterministic crash injection into the tournament's writes: a game's record and decisions, and the tables.

A child process plays (or writes) and dies at step k of its file writes (tests/crashpoint.py), for every k;
then a rerun resumes. Whatever the crash point: a record on disk is complete and has its decisions beside it,
the rerun ends with files byte-identical to an uninterrupted run, and a table on disk is always readable.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from crashpoint import run_child

from econlab.eval.dataset import build_tables, read_tables
from econlab.eval.tournament import record_path

CONFIG = {"name": "crash", "treatments": ["harberger"], "scenarios": [{"name": "s", "default": "strategic"}],
          "seeds": [3], "game": {"rounds": 1, "practice_round": False, "market_ticks": 3}}

PLAY = f"""
import sys
from econlab.eval.tournament import play_task
from econlab.eval.tournament_config import TournamentConfig
(task,) = TournamentConfig.model_validate({CONFIG!r}).tasks()
play_task(task, {{records!r}})
"""


def play(records: Path, crash_at: int | None) -> dict:
    return run_child(PLAY.replace("{records!r}", repr(str(records))), records, crash_at)


def files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.glob("*.json"))}


def test_a_crash_at_any_step_of_writing_a_game_resumes_to_the_same_files(tmp_path: Path) -> None:
    clean = tmp_path / "clean"
    report = play(clean, None)
    reference = files(clean)
    assert sorted(reference) == ["harberger__s__s3__r0.decisions.json", "harberger__s__s3__r0.record.json"]
    # both files were written under the crash hooks (each step of each is a crash point below)
    assert {s.split()[1].strip(".").split(".")[0] for s in report["log"] if s.startswith("write")} == {
        "harberger__s__s3__r0"} and report["steps"] >= 4, report["log"]
    for k in range(1, report["steps"] + 1):
        records = tmp_path / f"crash-{k}"
        assert play(records, k)["crashed"], f"step {k} did not crash"
        record = record_path(records, "harberger__s__s3__r0")
        if record.exists():  # a record on disk is whole and its decisions were written before it
            json.loads(record.read_text(encoding="utf-8"))
            assert (records / "harberger__s__s3__r0.decisions.json").exists(), f"crash at step {k}"
        assert not play(records, None)["crashed"]
        assert files(records) == reference, f"crash at step {k}: the resumed run differs"


def test_a_crash_while_writing_tables_leaves_only_whole_tables(tmp_path: Path) -> None:
    records = tmp_path / "records"
    play(records, None)
    tables = build_tables(records)
    assert len(tables) > 1 and len(tables["games"]) == 1
    code = f"""
from econlab.eval.dataset import build_tables, write_tables
write_tables(build_tables({str(records)!r}), {str(tmp_path / "tables")!r})
"""
    clean = run_child(code, tmp_path / "tables", None)
    assert clean["steps"] == len(tables)  # one replace per table (pyarrow writes the temporary file itself)
    for k in range(1, clean["steps"] + 1):
        folder = tmp_path / "tables"
        for p in folder.glob("*"):
            p.unlink()
        assert run_child(code, folder, k)["crashed"]
        written = {p.stem for p in folder.glob("*.parquet")}
        assert len(written) == k - 1, f"crash at step {k}: {sorted(written)}"
        for name in written:  # each table on disk is whole
            pd.testing.assert_frame_equal(pd.read_parquet(folder / f"{name}.parquet"), tables[name],
                                          check_dtype=False)
    run_child(code, tmp_path / "tables", None)
    for name, df in read_tables(tmp_path / "tables").items():
        pd.testing.assert_frame_equal(df, tables[name], check_dtype=False)
