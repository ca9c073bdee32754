"""A tournament killed mid-run (SIGKILL to its process group) resumes without losing or duplicating games.

The kill window is made deterministic, not timed: before the run, the temporary file of every record after the
first ten is a FIFO, so a worker that comes to write one blocks in the middle of its write until the kill. The
run can thus never finish before the kill, and the kill always lands inside a record's write.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml

from econlab.eval.dataset import read_tables
from econlab.eval.tournament import run_tournament
from econlab.eval.tournament_config import load_tournament

CONFIG = {"name": "kill", "treatments": ["harberger", "futarchy"],
          "scenarios": [{"name": "strategic", "default": "strategic"}, {"name": "random", "default": "random"}],
          "seeds": {"start": 0, "count": 20},
          "game": {"rounds": 2, "practice_round": False, "market_ticks": 20}}


def _cli(config: Path, out: Path, workers: int) -> list[str]:
    return [sys.executable, "-m", "econlab.cli", "tournament", str(config), "--workers", str(workers),
            "--out", str(out), "--quiet", "--no-report"]


@pytest.mark.slow
def test_kill_and_resume_equals_an_uninterrupted_run(tmp_path: Path) -> None:
    config = tmp_path / "kill.yaml"
    config.write_text(yaml.safe_dump(CONFIG))
    tasks = load_tournament(config).tasks()
    total = len(tasks)  # 2 x 2 x 20 = 80
    out = tmp_path / "killed"
    records = out / "records"
    records.mkdir(parents=True)
    blocked = [records / f".{t.game_id}.record.json.tmp" for t in tasks[10:]]
    for fifo in blocked:
        os.mkfifo(fifo)
    proc = subprocess.Popen(_cli(config, out, 2), start_new_session=True, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    deadline = time.monotonic() + 600  # generous: the wait ends as soon as the ten games are done
    while time.monotonic() < deadline and len(list(records.glob("*.record.json"))) < 10:
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    done_at_kill = len(list(records.glob("*.record.json")))
    assert done_at_kill == 10, f"{done_at_kill} records at the kill"
    assert not (out / "tables").exists()
    for fifo in blocked:  # what a real kill leaves there is an ordinary, partly written file
        fifo.unlink()
        fifo.write_text('{"torn')
    # rerun: plays only the missing games
    rerun = subprocess.run(_cli(config, out, 2), capture_output=True, text=True, timeout=300, check=False)
    assert rerun.returncode == 0, rerun.stderr
    assert f"{total - done_at_kill} played, {done_at_kill} already done" in rerun.stdout.replace("\n", " ")
    finished = sorted(p.name for p in records.glob("*.record.json"))
    assert len(finished) == total and len(list(records.glob("*.decisions.json"))) == total
    # an uninterrupted run with the same seeds, in this process
    clean = tmp_path / "clean"
    run_tournament(load_tournament(config), clean)
    assert sorted(p.name for p in (clean / "records").glob("*.record.json")) == finished
    killed_tables, clean_tables = read_tables(out / "tables"), read_tables(clean / "tables")
    assert killed_tables["games"]["game_id"].is_unique and len(killed_tables["games"]) == total
    for name, df in clean_tables.items():
        pd.testing.assert_frame_equal(killed_tables[name], df, check_dtype=False)
    for p in (clean / "records").glob("*.record.json"):
        assert (records / p.name).read_bytes() == p.read_bytes()
