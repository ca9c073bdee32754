"""``econlab play`` run folders: distinct set-ups get distinct folders, nothing is overwritten without asking."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

GAME = ("--rounds", "1", "--no-practice", "--quiet")


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "econlab.cli", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=300, check=False)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_play_twice_with_other_policies_keeps_both_records(tmp_path: Path) -> None:
    first = _run("play", *GAME, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    [record] = list((tmp_path / "runs").rglob("*.record.json"))
    kept = _digest(record)
    second = _run("play", *GAME, "--policy", "owner=truthful", cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    folders = sorted(p.name for p in (tmp_path / "runs").iterdir())
    assert len(folders) == 2, folders
    assert any("owner=truthful" in f for f in folders) and all(f.startswith("play-harberger-seed0-") for f in folders)
    assert _digest(record) == kept  # the first game's record is untouched


def test_the_same_set_up_again_gets_a_new_default_folder(tmp_path: Path) -> None:
    assert _run("play", *GAME, cwd=tmp_path).returncode == 0
    [first] = list((tmp_path / "runs").iterdir())
    kept = _digest(first / "harberger-seed0.record.json")
    again = _run("play", *GAME, cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert sorted(p.name for p in (tmp_path / "runs").iterdir()) == [first.name, f"{first.name}-2"]
    assert _digest(first / "harberger-seed0.record.json") == kept
    # the same seed and policies give the same game (determinism), in its own folder
    assert _digest(tmp_path / "runs" / f"{first.name}-2" / "harberger-seed0.record.json") == kept


def test_the_same_game_again_is_refused_unless_overwrite(tmp_path: Path) -> None:
    assert _run("play", *GAME, "--out", "r", cwd=tmp_path).returncode == 0
    record = tmp_path / "r" / "harberger-seed0.record.json"
    kept, mtime = _digest(record), record.stat().st_mtime_ns
    other = _run("play", *GAME, "--out", "r", "--policy", "owner=truthful", cwd=tmp_path)
    assert other.returncode == 2
    assert other.stderr.startswith("error: r/harberger-seed0.record.json already exists") and \
        "--overwrite" in other.stderr
    assert other.stdout == "" and record.stat().st_mtime_ns == mtime and _digest(record) == kept
    again = _run("play", *GAME, "--out", "r", "--policy", "owner=truthful", "--overwrite", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert _digest(record) != kept  # replaced, because it was asked for


def test_quiet_prints_only_the_summary_and_the_header_counts_paid_rounds(tmp_path: Path) -> None:
    quiet = _run("play", *GAME, cwd=tmp_path)
    assert quiet.returncode == 0, quiet.stderr
    assert "Round 1" not in quiet.stdout and "game:" not in quiet.stdout
    assert "Per role:" in quiet.stdout and "Record:" in quiet.stdout
    loud = _run("play", "--rounds", "2", "--treatment", "voting", "--out", "v", cwd=tmp_path)
    assert loud.returncode == 0, loud.stderr
    assert "Voting game: 2 paid rounds + practice, session 1, seed 0, 6 seats" in loud.stdout
    assert "Round 0 (practice, unpaid)" in loud.stdout and "Round 2" in loud.stdout
    one = _run("play", "--rounds", "1", "--no-practice", "--out", "o", cwd=tmp_path)
    assert "game: 1 paid round, session" in one.stdout


def test_version(tmp_path: Path) -> None:
    proc = _run("--version", cwd=tmp_path)
    assert proc.returncode == 0 and proc.stdout.startswith("econlab ")
