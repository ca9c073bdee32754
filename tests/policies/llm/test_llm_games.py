"""Full all-LLM games against the loopback server, then the same games from the cache with zero calls."""

from __future__ import annotations

from pathlib import Path

import pytest
from llm_helpers import SEATS, all_text, config, outcomes, play_llm, record_bytes
from loopback import GameScript, LoopbackServer

from econlab.policies.llm import LLMConfig


@pytest.mark.parametrize("treatment", ["harberger", "futarchy", "voting"])
def test_full_game_then_cache_replay(treatment: str, tmp_path: Path, api_key: str) -> None:
    cache = tmp_path / "cache"
    with LoopbackServer(GameScript()) as srv:
        first, factory = play_llm(treatment, config(srv.url, cache))
        calls = srv.calls
    game = first.game
    assert game.over
    rows = first.record["llm_calls"]
    assert calls == factory.http_calls == len(rows)  # clean server: one request per decision
    assert {r["seat"] for r in rows} == set(range(1, SEATS[treatment] + 1))
    assert outcomes(first)["fallback"] == 0
    assert all(d.valid for d in first.decisions), [d.error for d in first.decisions if not d.valid]
    if treatment == "voting":
        assert any(r["decision"] == "chat" and r["action"] for r in rows)
    else:
        assert {r["decision"] for r in rows} >= {"declare1", "snipe1", "market", "declare2", "snipe2"}
    assert api_key not in all_text(first)
    # rerun: same seed, the server is gone (so no preflight), the cache answers everything
    again, factory2 = play_llm(treatment, config(srv.url, cache), preflight=False)
    assert factory2.http_calls == 0
    assert record_bytes(again) == record_bytes(first)
    assert all(r["telemetry"]["cache_hits"] == len(r["attempts"]) for r in again.llm_calls)
    # the replay backend gives the same record and never needs a URL
    replay, factory3 = play_llm(treatment, LLMConfig(backend="replay", model="loopback-small", cache_dir=cache))
    assert factory3.http_calls == 0 and not factory3.replay_misses
    assert record_bytes(replay) == record_bytes(first)


def test_replay_miss_names_seat_round_phase(tmp_path: Path) -> None:
    result, factory = play_llm("voting", LLMConfig(backend="replay", model="loopback-small", cache_dir=tmp_path))
    assert factory.replay_misses
    assert "seat 1 (owner), round 1, phase 2 (chat)" in factory.replay_misses[0]
    errors = [d.error for d in result.decisions if d.error]
    assert errors and all("ReplayMiss" in e and "no cached answer for seat" in e for e in errors)


@pytest.mark.slow
@pytest.mark.parametrize("treatment", ["harberger", "voting"])
def test_malformed_and_faults_every_game_completes(treatment: str, tmp_path: Path, api_key: str) -> None:
    script = GameScript(malformed=0.2, faults=0.1, timeout_delay_s=2.0)
    with LoopbackServer(script) as srv:
        result, factory = play_llm(treatment, config(srv.url, tmp_path / "c", timeout_s=1.0, max_repairs=2))
    assert result.game.over
    rows = result.llm_calls
    kinds = {k for k in script.used if k != "valid"}
    assert len(kinds) >= (4 if treatment == "harberger" else 2), script.used  # trouble of several kinds was sent
    failed_attempts = [a for r in rows for a in r["attempts"] if a["error"]]
    assert failed_attempts and all(a["error"] for a in failed_attempts)
    transport = [t for r in rows for t in r["telemetry"]["transport"]]
    faults = sum(script.used[k] for k in ("429", "500", "timeout"))
    # every fault is recorded with its reason (a loaded CI machine may add genuine timeouts of its own)
    assert len(transport) >= faults and all(t["error"] for t in transport)
    assert sum(1 for t in transport if t["status"] in (429, 500)) == srv.statuses[429] + srv.statuses[500]
    if treatment == "harberger":
        assert faults > 0 and srv.statuses[429] > 0
    # every invalid answer was either repaired or fell back with a reason
    for r in rows:
        assert r["outcome"] in ("first", "repaired", "fallback")
        if r["outcome"] == "fallback":
            assert r["fallback_reason"]
        if r["outcome"] == "repaired":
            assert r["attempts"][0]["error"] and not r["attempts"][-1]["error"]
    assert outcomes(result)["repaired"] > 0
    assert all(d.error is None or "policy error" not in d.error for d in result.decisions)


def test_dead_seat_falls_back_and_game_goes_on(api_key: str) -> None:
    script = GameScript(dead_seats=(2,))
    with LoopbackServer(script) as srv:
        result, _ = play_llm("voting", config(srv.url, None, max_retries=2, backoff_s=0.001))
    assert result.game.over
    dead = [r for r in result.llm_calls if r["seat"] == 2]
    assert dead and all(r["outcome"] == "fallback" and r["fallback_reason"].startswith("unreachable") for r in dead)
    assert all(len(r["telemetry"]["transport"]) == 3 for r in dead)  # 1 try + 2 retries, each recorded
    offer = next(r for r in dead if r["decision"] == "offer")
    assert offer["action"]["type"] == "compensation-offer"  # the truthful fallback offer
    others = [r for r in result.llm_calls if r["seat"] != 2]
    assert all(r["outcome"] == "first" for r in others)


def test_market_every_asks_every_kth_tick(server: LoopbackServer) -> None:
    result, factory = play_llm("harberger", config(server.url, market_every=3), market_ticks=7)
    market = [r for r in result.record["llm_calls"] if r["decision"] == "market"]
    per_seat: dict[int, int] = {}
    for r in market:
        per_seat[r["seat"]] = per_seat.get(r["seat"], 0) + 1
    # 7 ticks, asked at ticks 1, 4 and 7: three calls per seat in the one market phase
    assert per_seat == {s: 3 for s in range(1, 13)}
    assert result.game.over
    every_tick, _ = play_llm("harberger", config(server.url, market_every=1), market_ticks=7)
    assert sum(r["decision"] == "market" for r in every_tick.record["llm_calls"]) == 7 * 12


def test_market_every_default_depends_on_backend() -> None:
    assert LLMConfig(backend="openai", model="m").effective_market_every() == 1
    assert LLMConfig(backend="local").effective_market_every() == 5
    assert LLMConfig(backend="replay", replay_of="local").effective_market_every() == 5
    assert LLMConfig(backend="local", market_every=2).effective_market_every() == 2
    assert LLMConfig(backend="local").effective_max_tokens() == 64
    assert LLMConfig(backend="openai", model="m").effective_max_tokens() == 160
    with pytest.raises(ValueError, match="market_every"):
        LLMConfig(market_every=0)
