"""The Optuna search loop: scores, report, export to a playable scenario, and kill + resume."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from design_helpers import config

from econlab.design.config import DesignConfig
from econlab.design.export import export_design
from econlab.design.search import best, run_search
from econlab.design.store import CANDIDATES, load


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "econlab.cli", *args]


def _summary(history: list) -> list[tuple]:
    return [(c.index, json.dumps(c.design, sort_keys=True), c.source, c.score) for c in history]


def test_search_scores_reports_and_exports_a_playable_design(tmp_path: Path) -> None:
    cfg = DesignConfig.model_validate(config())
    out = tmp_path / "run"
    history = run_search(cfg, out)
    assert [c.index for c in history] == list(range(6)) and all(c.scored for c in history)
    assert history[0].design == {} and history[0].source == "default"
    assert {c.source for c in history[1:]} == {"optuna"}
    designs = [json.dumps(c.design, sort_keys=True) for c in history]
    assert len(set(designs)) == len(designs)  # no design evaluated twice
    for c in history[1:]:
        assert set(c.design) == {"tax_rate.final", "speculators.count"}
        assert 5 <= c.design["tax_rate.final"] <= 80 and 1 <= c.design["speculators.count"] <= 6
    m = history[0].result["metrics"]
    assert 0 < m["efficiency"] <= 1 and m["tax_revenue"] > 0 and history[0].result["games"] == 4
    assert m["exploit_gain"] is not None  # the truthful focal seat vs the strategic speculator, paired by seed
    for name in ("report.md", "frontier.png", "candidates.csv", "design.json"):
        assert (out / name).exists(), name
    text = (out / "report.md").read_text()
    assert "## Best designs" in text and "efficiency (Δ vs default)" in text
    # the same run again does nothing and returns the same history
    assert _summary(run_search(cfg, out)) == _summary(history)
    # a different search may not reuse the folder; a larger budget may
    with pytest.raises(ValueError, match="holds a different design search"):
        run_search(DesignConfig.model_validate(config(seeds=[0, 1])), out)
    bigger = DesignConfig.model_validate(config(designer={**config()["designer"], "candidates": 7}))
    assert _summary(run_search(bigger, out))[:6] == _summary(history)
    # export the best design and play it with `econlab play --scenario`
    top = best(history)
    assert top is not None
    scenario = export_design(cfg, top, tmp_path / "best.yaml")
    data = yaml.safe_load(scenario.read_text())
    assert data["params"]["tax_rate"]["final"] == top.design["tax_rate.final"]
    assert data["params"]["speculators"]["count"] == top.design["speculators.count"]
    proc = subprocess.run(_cli("play", "--scenario", str(scenario), "--quiet", "--out", str(tmp_path / "play")),
                          capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr + proc.stdout
    rec = json.loads(next((tmp_path / "play").rglob("*.record.json")).read_text())
    rows = {r["key"]: r["value"] for r in rec["parameters"]}
    assert rows["tax_rate_final"] == str(top.design["tax_rate.final"])
    assert rows["speculators_count"] == str(top.design["speculators.count"])
    # the CLI exports too
    proc = subprocess.run(_cli("design-export", str(out), "--out", str(tmp_path / "c2.yaml"), "--candidate", "2"),
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr + proc.stdout
    assert yaml.safe_load((tmp_path / "c2.yaml").read_text())["name"] == "tiny-c0002"


def test_interrupted_search_resumes_without_losing_or_repeating(tmp_path: Path) -> None:
    cfg = DesignConfig.model_validate(config())
    clean = run_search(cfg, tmp_path / "clean", report=False)
    out = tmp_path / "stopped"
    first = run_search(cfg, out, stop_after=2, report=False)
    assert len(first) == 2 and all(c.scored for c in first)
    # a kill between "proposed" and "scored": the proposal line is there, the score is not
    lines = (out / CANDIDATES).read_text().splitlines()
    proposal = json.loads(lines[-2])
    assert proposal["event"] == "proposed" and proposal["index"] == 1
    (out / CANDIDATES).write_text("\n".join(lines[:-1]) + "\n" + '{"event": "scor')  # and a torn last line
    assert [c.scored for c in load(out / CANDIDATES)] == [True, False]
    resumed = run_search(cfg, out, report=False)
    assert _summary(resumed) == _summary(clean)


@pytest.mark.slow
def test_sigkill_mid_search_and_resume_equals_an_uninterrupted_run(tmp_path: Path) -> None:
    cfg_data = config(designer={**config()["designer"], "candidates": 10})
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(cfg_data))
    out = tmp_path / "killed"
    # a deterministic kill window, not a timed one: candidate 5's games table is a FIFO, so the search blocks
    # while writing it (after five candidates are scored) until the kill; it can never finish before the kill
    blocked = out / "candidates" / "c0005" / "games.csv"
    blocked.parent.mkdir(parents=True)
    os.mkfifo(blocked)
    proc = subprocess.Popen(_cli("design", str(path), "--out", str(out)), start_new_session=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    history_file = out / CANDIDATES
    deadline = time.monotonic() + 600  # generous: the wait ends as soon as five candidates are scored
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()
        if history_file.exists() and history_file.read_text().count('"event": "scored"') >= 5:
            break
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    at_kill = [c for c in load(history_file) if c.scored]
    assert len(at_kill) == 5, f"{len(at_kill)} candidates scored at the kill"
    blocked.unlink()  # a real kill leaves an ordinary, partly written file
    blocked.write_text("design_id,torn")
    rerun = subprocess.run(_cli("design", str(path), "--out", str(out)), capture_output=True, text=True,
                           timeout=600, check=False)
    assert rerun.returncode == 0, rerun.stderr + rerun.stdout
    resumed = load(history_file)
    assert [c.index for c in resumed] == list(range(10)) and all(c.scored for c in resumed)
    assert _summary(resumed[: len(at_kill)]) == _summary(at_kill)  # nothing lost
    lines = [json.loads(x) for x in history_file.read_text().splitlines()]
    scored = [e["index"] for e in lines if e["event"] == "scored"]
    assert sorted(scored) == list(range(10))  # nothing scored twice
    clean = run_search(DesignConfig.model_validate(cfg_data), tmp_path / "clean", report=False)
    assert _summary(resumed) == _summary(clean)
