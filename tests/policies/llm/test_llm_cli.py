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


def test_budget_stop_writes_a_marked_incomplete_record_and_resumes_from_the_cache(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    with LoopbackServer(GameScript()) as srv:
        proc = _play(tmp_path / "b", "--policy", "all=llm", "--llm-base-url", srv.url, "--llm-model",
                     "loopback-small", "--budget-usd", "0.002", "--cache", str(cache))
        paid = srv.calls
        assert proc.returncode == 1, proc.stdout + proc.stderr
        assert "stopped: budget" in proc.stdout and "Incomplete record:" in proc.stdout
        assert not list((tmp_path / "b").glob("*.record.json"))  # no complete-looking record
        marked = json.loads((tmp_path / "b" / "voting-seed5.incomplete.json").read_text())
        assert marked["complete"] is False and marked["stopped"] == "budget" and marked["log"]
        assert sum(r["spent_usd"] for r in marked["llm_calls"]) <= 0.002 and 0 < paid
        # resume: same seed and cache, no budget; the answers already paid for come from the cache
        again = _play(tmp_path / "b", "--policy", "all=llm", "--llm-base-url", srv.url, "--llm-model",
                      "loopback-small", "--cache", str(cache))
        resumed_calls = srv.calls - paid
        fresh = _play(tmp_path / "fresh", "--policy", "all=llm", "--llm-base-url", srv.url, "--llm-model",
                      "loopback-small")
    assert again.returncode == 0 and fresh.returncode == 0, again.stdout + again.stderr + fresh.stdout
    assert not (tmp_path / "b" / "voting-seed5.incomplete.json").exists()
    rows = json.loads((tmp_path / "b" / "voting-seed5.llm_calls.json").read_text())
    assert resumed_calls == len(rows) - sum(1 for r in rows if r["cache_hits"]) < len(rows)
    assert (tmp_path / "b" / "voting-seed5.record.json").read_bytes() == \
        (tmp_path / "fresh" / "voting-seed5.record.json").read_bytes()


def test_budget_fallback_is_marked_everywhere_and_exits_3(tmp_path: Path) -> None:
    with LoopbackServer(GameScript()) as srv:
        proc = _play(tmp_path / "b", "--policy", "all=llm", "--llm-base-url", srv.url, "--llm-model",
                     "loopback-small", "--budget-usd", "0.0006", "--on-budget", "fallback")
        calls = srv.calls
    assert proc.returncode == 3, proc.stdout + proc.stderr
    assert "LLM calls stopped:" in proc.stdout and "--max-fallback-rate" in proc.stdout
    assert "LLM seat 1 (owner):" in proc.stdout and "budget" in proc.stdout
    folder = tmp_path / "b"
    rows = json.loads((folder / "voting-seed5.llm_calls.json").read_text())
    stopped = [r for r in rows if r["source"] == "fallback:budget"]
    assert 0 < calls < len(rows) and stopped and all(r["fallback_reason"].startswith("budget") for r in stopped)
    assert sum(r["spent_usd"] for r in rows) <= 0.0006
    record = json.loads((folder / "voting-seed5.record.json").read_text())
    assert sum(r["source"] == "fallback:budget" for r in record["llm_calls"]) == len(stopped)
    decisions = json.loads((folder / "voting-seed5.decisions.json").read_text())
    assert sum(d["source"] == "fallback:budget" for d in decisions) == len(stopped)
    assert {d["source"] for d in decisions} <= {"llm", "fallback:budget"}
    # the tables carry the same marks
    from econlab.eval.dataset import build_tables

    tables = build_tables(folder)
    assert (tables["decisions"]["source"] == "fallback:budget").sum() == len(stopped)
    assert (tables["llm_calls"]["source"] == "fallback:budget").sum() == len(stopped)


def test_scenario_llm_section_and_errors(tmp_path: Path) -> None:
    scenario = tmp_path / "s.yaml"
    scenario.write_text("treatment: voting\nseats: {all: llm}\nllm: {backend: replay, cache_dir: "
                        f"{tmp_path / 'empty'}, model: loopback-small}}\n")
    (tmp_path / "empty").mkdir()
    proc = _play(tmp_path / "m", "--scenario", str(scenario))
    assert proc.returncode == 1 and "no cached answer, first: seat 1 (owner), round 1, phase 2 (chat)" in proc.stdout
    # a replay with misses is not the live game: no complete record, the partial one marked incomplete
    assert not list((tmp_path / "m").glob("*.record.json")) and "Incomplete record:" in proc.stdout
    marked = json.loads((tmp_path / "m" / "voting-seed5.incomplete.json").read_text())
    assert marked["complete"] is False and marked["stopped"] == "replay-miss" and marked["record"]["log"]
    (tmp_path / "c").mkdir()
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
