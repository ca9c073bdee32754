"""The command line: ``econlab play`` and ``econlab replay`` (run as real subprocesses)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data" / "traces"
TRACES = sorted(SHARED.glob("*.jsonl"))


def _run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "econlab.cli", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=300, check=False)


def test_play_without_arguments_plays_the_default_harberger_game(tmp_path: Path) -> None:
    loud = _run("play", "--out", str(tmp_path / "loud"), cwd=tmp_path)
    assert loud.returncode == 0, loud.stderr
    assert "5 paid rounds + practice" in loud.stdout and "Round 5" in loud.stdout and "Payment" in loud.stdout
    proc = _run("play", "--quiet", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "Round" not in proc.stdout and "game:" not in proc.stdout  # --quiet: only the summary
    assert "Payment" in proc.stdout and "Per role" in proc.stdout
    records = list((tmp_path / "runs").rglob("*.record.json"))
    assert len(records) == 1
    rec = json.loads(records[0].read_text())
    assert rec["econlab"]["treatment"] == "harberger"
    assert len(rec["results"]["rounds"]) == 6  # practice round + 5 paid rounds
    assert len(rec["results"]["payment"]["rewards"]) == 12


def test_play_options_and_errors(tmp_path: Path) -> None:
    proc = _run("play", "--treatment", "voting", "--rounds", "1", "--no-practice", "--policy", "owner=truthful",
                "--seed", "4", "--out", str(tmp_path / "v"), "--quiet")
    assert proc.returncode == 0, proc.stderr
    assert list((tmp_path / "v").glob("*.record.json"))
    bad = _run("play", "--policy", "owner=nonsense", "--out", str(tmp_path / "x"), "--quiet")
    assert bad.returncode == 2 and "error: " in bad.stderr and "nonsense" in bad.stderr
    assert not (tmp_path / "x").exists()


@pytest.mark.parametrize("trace", TRACES, ids=lambda p: p.stem)
def test_replay_shared_traces_json(trace: Path) -> None:
    proc = _run("replay", str(trace), "--compat", "server", "--json")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = json.loads(proc.stdout)
    assert out["mismatches"] == []
    assert out["rounds"] and all({"round", "winning_condition", "final_price", "profits"} <= set(r)
                                 for r in out["rounds"])


def test_replay_exits_1_on_a_mismatch(tmp_path: Path) -> None:
    lines = TRACES[0].read_text().splitlines()
    out = []
    for line in lines:
        obj = json.loads(line)
        msg = obj.get("msg")
        if obj["dir"] == "recv" and isinstance(msg, dict) and msg.get("eventType") == "round-summary":
            msg["data"]["secondTaxes"] = 1.0  # corrupt what the server said
        out.append(json.dumps(obj))
    bad = tmp_path / "bad.jsonl"
    bad.write_text("\n".join(out) + "\n")
    proc = _run("replay", str(bad), "--json")
    assert proc.returncode == 1
    assert json.loads(proc.stdout)["mismatches"]
