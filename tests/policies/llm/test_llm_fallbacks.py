"""Preflight and fallbacks as data: checks before a run, ``source`` marks in rows, decisions and tables."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from llm_helpers import config, play_llm
from loopback import GameScript, LoopbackServer

from econlab.errors import UserError
from econlab.eval.dataset import GameData, tables_from_games
from econlab.eval.runner import GameResult
from econlab.policies.llm import PolicyFactory
from econlab.policies.llm.records import fallback_shares


def _tables(result: GameResult) -> dict:
    return tables_from_games([GameData("g", result.record, [d.to_json() for d in result.decisions])])


def test_preflight_lists_models_once_per_endpoint(server: LoopbackServer) -> None:
    factory = PolicyFactory(config(server.url))
    factory.build({1: "llm", 2: "llm:temperature=0.5", 3: "llm:persona=exploiter", 4: "llm:model=loopback-large"})
    assert len(factory.sessions) == 3 and server.listings == 1 and server.calls == 0


def test_preflight_without_model_listing_makes_one_tiny_call(api_key: str) -> None:
    with LoopbackServer(GameScript(), lists_models=False) as srv:
        result, factory = play_llm("voting", config(srv.url))
        assert srv.listings == 1 and srv.calls == len(result.llm_calls) + 1
        assert srv.bodies[0]["max_tokens"] == 1  # the check itself: one token
        with pytest.raises(UserError, match="model 'other' is not served"):
            PolicyFactory(config(srv.url, model="other")).make("llm")


def test_unparseable_answers_are_marked_fallback_everywhere(api_key: str) -> None:
    with LoopbackServer(GameScript(malformed=1.0)) as srv:
        # no repairs: every malformed answer falls back (a repair prompt would be answered validly)
        result, _ = play_llm("voting", config(srv.url, max_repairs=0))
    rows = result.record["llm_calls"]
    bad = [r for r in rows if r["source"] == "fallback:unparseable"]
    assert bad and all(r["outcome"] == "fallback" and r["fallback_reason"].startswith("invalid") for r in bad)
    assert all(r["source"] == "llm" for r in rows if r["outcome"] != "fallback")
    decisions = [d.to_json() for d in result.decisions]
    # every LLM decision appears with its source, including fallbacks that do nothing (chat: no action)
    assert sum(d["source"] == "fallback:unparseable" for d in decisions) == len(bad)
    assert any(d["source"] == "fallback:unparseable" and d["action"] is None for d in decisions)
    tables = _tables(result)
    assert (tables["decisions"]["source"] == "fallback:unparseable").sum() == len(bad)
    assert (tables["llm_calls"]["source"] == "fallback:unparseable").sum() == len(bad)
    assert set(tables["decisions"]["policy"]) == {"llm:persona=profit-maximiser"}
    shares = fallback_shares(rows)
    assert all(s["reasons"].get("unparseable", 0) == s["fallbacks"] for s in shares.values())


def test_backend_errors_are_marked_and_scripted_seats_keep_their_name(api_key: str) -> None:
    from llm_helpers import spec

    from econlab.eval.runner import play_game

    with LoopbackServer(GameScript(dead_seats=(2,))) as srv:
        factory = PolicyFactory(config(srv.url, max_retries=0))
        policies = factory.build({1: "truthful", 2: "llm", 3: "llm", 4: "truthful", 5: "truthful", 6: "truthful"})
        result = play_game(spec("voting"), policies)
    sources = {(d.seat, d.to_json()["source"]) for d in result.decisions}
    assert {s for seat, s in sources if seat == 2} == {"fallback:backend-error"}
    assert {s for seat, s in sources if seat == 3} == {"llm"}
    assert {s for seat, s in sources if seat == 1} == {"truthful"}
    shares = fallback_shares(result.llm_calls)
    assert shares[2]["share"] == 1.0 and shares[2]["reasons"] == {"backend-error": shares[2]["decisions"]}
    assert shares[3]["share"] == 0.0


def _tournament(tmp: Path, url: str, llm: str, *args: str) -> subprocess.CompletedProcess[str]:
    (tmp / "t.yaml").write_text(
        "name: t\ntreatments: [voting]\nscenarios:\n  - name: llm-dev\n    default: truthful\n"
        f"    seats: {{developer: llm, '3': llm}}\n    llm: {llm}\nseeds: {{start: 0, count: 2}}\n"
        "game: {rounds: 1, practice_round: false, chat_ticks: 1}\n")
    env = {**os.environ, "OPENAI_API_KEY": "sk-t", "COLUMNS": "300"}  # a dummy key for the loopback server
    return subprocess.run([sys.executable, "-m", "econlab.cli", "tournament", str(tmp / "t.yaml"), "--out",
                           str(tmp / "run"), "--quiet", "--no-report", *args], capture_output=True, text=True,
                          timeout=300, check=False, env=env)


def test_tournament_exits_3_when_a_seat_mostly_fell_back(tmp_path: Path) -> None:
    with LoopbackServer(GameScript(dead_seats=(2,))) as srv:
        proc = _tournament(tmp_path, srv.url, f"{{base_url: '{srv.url}', model: loopback-small, max_retries: 0}}")
    out = proc.stdout
    assert proc.returncode == 3, out + proc.stderr
    assert "LLM seat 2 (developer) of scenario llm-dev: 6 decisions, 6 fell back (100.0%: backend-error 6)" in out
    assert "LLM seat 3 (owner) of scenario llm-dev: 8 decisions, 0 fell back (0.0%)" in out
    decisions = pd_read(tmp_path / "run" / "tables" / "decisions.parquet")
    dev = decisions[decisions["seat"] == 2]
    assert len(dev) == 6 and (dev["source"] == "fallback:backend-error").all()
    assert set(decisions[decisions["seat"] == 1]["source"]) == {"truthful"}


def test_tournament_budget_stop_leaves_incomplete_games_and_exit_1(tmp_path: Path) -> None:
    with LoopbackServer(GameScript()) as srv:
        proc = _tournament(tmp_path, srv.url, f"{{base_url: '{srv.url}', model: loopback-small, "
                                              "budget_usd: 0.0003}")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "2 games stopped without a record (budget; first: voting__llm-dev__s0__r0)" in proc.stdout
    records = tmp_path / "run" / "records"
    assert not list(records.glob("*.record.json"))
    marked = json.loads((records / "voting__llm-dev__s0__r0.incomplete.json").read_text())
    assert marked["complete"] is False and marked["stopped"] == "budget" and marked["log"]


def pd_read(path: Path):  # noqa: ANN201 - a DataFrame
    import pandas as pd

    return pd.read_parquet(path)


def test_tournament_replay_miss_writes_no_record(tmp_path: Path) -> None:
    (tmp_path / "empty-cache").mkdir()
    proc = _tournament(tmp_path, "unused", f"{{backend: replay, model: loopback-small, cache_dir: "
                                           f"'{tmp_path / 'empty-cache'}'}}")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "2 games stopped without a record (replay-miss; first: voting__llm-dev__s0__r0)" in proc.stdout
    records = tmp_path / "run" / "records"
    assert not list(records.glob("*.record.json")) and len(list(records.glob("*.incomplete.json"))) == 2
