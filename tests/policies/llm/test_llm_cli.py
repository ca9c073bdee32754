"""``econlab play`` with LLM seats against the loopback server, from the cache, under a budget (subprocesses)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from loopback import GameScript, LoopbackServer

KEY = "sk-cli-secret-never-printed"


def _play(out: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, OPENAI_API_KEY=KEY, COLUMNS="200")
    return subprocess.run([sys.executable, "-m", "econlab.cli", "play", "--treatment", "voting", "--rounds", "1",
                           "--no-practice", "--seed", "5", "--out", str(out), "--quiet", *args],
                          capture_output=True, text=True, timeout=300, check=False, env=env)


def test_play_all_llm_then_replay_from_cache(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    with LoopbackServer(GameScript()) as srv:
        live = _play(tmp_path / "live", "--policy", "all=llm", "--policy", "developer=llm:persona=exploiter",
                     "--llm-base-url", srv.url, "--llm-model", "loopback-small", "--cache", str(cache))
        calls = srv.calls
    assert live.returncode == 0, live.stdout + live.stderr
    assert calls > 0 and "LLM:" in live.stdout and "0 fell back" in live.stdout
    assert KEY not in live.stdout + live.stderr
    replay = _play(tmp_path / "replay", "--policy", "all=llm", "--policy", "developer=llm:persona=exploiter",
                   "--llm-backend", "replay", "--llm-model", "loopback-small", "--cache", str(cache))
    assert replay.returncode == 0, replay.stdout + replay.stderr
    assert "0 requests" in replay.stdout
    a = next((tmp_path / "live").glob("*.record.json")).read_bytes()
    b = next((tmp_path / "replay").glob("*.record.json")).read_bytes()
    assert a == b
    record = json.loads(a)
    assert record["econlab"]["policies"]["2"] == "llm:persona=exploiter"
    rows = json.loads(next((tmp_path / "live").glob("*.llm_calls.json")).read_text())
    assert rows and {"seat", "role", "persona", "round", "phase", "prompt_hash", "messages", "raw_outputs",
                     "action", "repairs", "fallback_reason", "latency_ms", "prompt_tokens", "completion_tokens",
                     "cost_usd", "cache_hits"} <= set(rows[0])
    assert KEY not in json.dumps(rows)


def test_budget_stops_calls_cleanly(tmp_path: Path) -> None:
    with LoopbackServer(GameScript()) as srv:
        proc = _play(tmp_path / "b", "--policy", "all=llm", "--llm-base-url", srv.url, "--llm-model",
                     "loopback-small", "--budget-usd", "0.0006")
        calls = srv.calls
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "LLM calls stopped:" in proc.stdout and "budget" in proc.stdout
    rows = json.loads(next((tmp_path / "b").glob("*.llm_calls.json")).read_text())
    stopped = [r for r in rows if (r["fallback_reason"] or "").startswith("budget")]
    assert 0 < calls < len(rows) and stopped
    assert sum(r["spent_usd"] for r in rows) <= 0.0006


def test_scenario_llm_section_and_errors(tmp_path: Path) -> None:
    scenario = tmp_path / "s.yaml"
    scenario.write_text("treatment: voting\nseats: {all: llm}\nllm: {backend: replay, cache_dir: "
                        f"{tmp_path / 'empty'}, model: loopback-small}}\n")
    proc = _play(tmp_path / "m", "--scenario", str(scenario))
    assert proc.returncode == 1 and "no cached answer, first: seat 1 (owner), round 1, phase 2 (chat)" in proc.stdout
    bad = _play(tmp_path / "x", "--policy", "all=llm:persona=nobody", "--llm-backend", "replay", "--cache",
                str(tmp_path / "c"), "--llm-model", "m")
    assert bad.returncode == 2 and "unknown persona 'nobody'" in bad.stderr
    bad = _play(tmp_path / "y", "--policy", "all=llm", "--llm-backend", "gpt")
    assert bad.returncode == 2 and "backend" in bad.stderr
    bad = _play(tmp_path / "w", "--policy", "all=llm", "--llm-backend", "replay", "--llm-model", "m")
    assert bad.returncode == 2 and "needs a cache folder" in bad.stderr
    scenario.write_text("treatment: voting\nllm: {temperature: 9}\n")
    bad = _play(tmp_path / "z", "--scenario", str(scenario))
    assert bad.returncode == 2 and "temperature" in bad.stderr
