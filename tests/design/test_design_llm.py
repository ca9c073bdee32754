"""The LLM designer end to end: the loopback OpenAI-compatible server, and offline with the local SmolLM2."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import pytest
from design_helpers import config

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "policies" / "llm"))
from loopback import LoopbackServer, Reply  # noqa: E402

from econlab.design.config import DesignConfig  # noqa: E402
from econlab.design.search import run_search  # noqa: E402
from econlab.design.store import CANDIDATES, load  # noqa: E402


def design_script(body: dict[str, Any], seen: int) -> Reply:
    """Candidate 1: prose, then an out-of-range design, then a valid one; candidate 2: valid in a fence;
    candidate 3: never valid (the designer falls back); later candidates: valid at once."""
    user = body["messages"][1]["content"]
    index = int(re.search(r"Propose design #(\d+)", user).group(1))
    rejected = sum(1 for m in body["messages"][2:] if m["role"] == "user")
    good = {"type": "design", "design": {"tax_rate.final": 10 + 7 * index, "speculators.count": 1 + index % 6},
            "reasoning": f"raise the tax step by step (#{index})"}
    if index == 1 and rejected == 0:
        return Reply(text="I think the taxes should go up a little.")
    if index == 1 and rejected == 1:
        return Reply(text=json.dumps(good | {"design": {"tax_rate.final": 500, "speculators.count": 2}}))
    if index == 2:
        return Reply(text="Here is my proposal:\n```json\n" + json.dumps(good) + "\n```")
    if index == 3:
        return Reply(text=json.dumps({"type": "design", "design": {"tax_rate.final": 40, "owners.count": 9},
                                      "reasoning": "more owners"}))
    return Reply(text=json.dumps(good))


def llm_config(tmp_path: Path, url: str, **designer: Any) -> DesignConfig:
    return DesignConfig.model_validate(config(
        designer={"kind": "llm", "seed": 0, "candidates": 5, "max_attempts": 3} | designer,
        llm={"backend": "openai", "base_url": url, "model": "loopback-small", "cache_dir": str(tmp_path / "cache"),
             "budget_usd": 1.0, "max_tokens": 200}))


def test_llm_designer_against_the_loopback_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-secret-do-not-log-1234")
    with LoopbackServer(design_script) as srv:
        cfg = llm_config(tmp_path, srv.url)
        history = run_search(cfg, tmp_path / "run")
        calls = srv.calls
    assert [c.source for c in history] == ["default", "llm", "llm", "llm-fallback", "llm"]
    c1, c2, c3, c4 = history[1:]
    assert c1.design == {"speculators.count": 2, "tax_rate.final": 17} and c1.reasoning == "raise the tax step by " \
                                                                                             "step (#1)"
    assert [r["reasons"] for r in c1.rejected] == [
        ["no JSON object found in the answer; reply with one JSON object and nothing else"],
        ["tax_rate.final=500 is outside its range [5, 80]"]]
    assert c2.design == {"speculators.count": 3, "tax_rate.final": 24} and c2.rejected == []
    assert len([r for r in c3.rejected if r.get("raw")]) == 3
    assert all(r["reasons"] == ["'owners.count' is not in the design space (allowed: tax_rate.final, "
                                "speculators.count)"] for r in c3.rejected if r.get("raw"))
    assert "fallback to a random valid design" in c3.reasoning
    assert c4.design == {"speculators.count": 5, "tax_rate.final": 38}
    assert calls == 3 + 1 + 3 + 1
    # the repair prompt carried the reasons; the history reached the model with scores
    body_text = json.dumps(srv.bodies[1]["messages"])
    assert "Your proposal was rejected: no JSON object found" in body_text
    last_user = srv.bodies[-1]["messages"][1]["content"]
    assert "#0 {}: score" in last_user and "#2 {\"speculators.count\": 3, \"tax_rate.final\": 24}" in last_user
    report = (tmp_path / "run" / "report.md").read_text()
    assert "## Rejected proposals" in report and "outside its range" in report
    assert "sk-test-secret" not in (tmp_path / "run" / CANDIDATES).read_text()
    # the answers are cached: the same search again from the replay backend makes no call and proposes the same
    replay = DesignConfig.model_validate(llm_config(tmp_path, srv.url).model_dump() | {
        "llm": {"backend": "replay", "replay_of": "openai", "model": "loopback-small", "max_tokens": 200,
                "cache_dir": str(tmp_path / "cache")}})
    again = run_search(replay, tmp_path / "replayed")
    assert [c.design for c in again] == [c.design for c in history]
    assert load(tmp_path / "replayed" / CANDIDATES)[1].rejected == c1.rejected


@pytest.mark.slow
def test_llm_designer_offline_with_the_local_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    cfg = DesignConfig.model_validate(config(
        designer={"kind": "llm", "seed": 0, "candidates": 2, "max_attempts": 1},
        llm={"backend": "local", "max_tokens": 60, "cache_dir": str(tmp_path / "cache")}))
    history = run_search(cfg, tmp_path / "run")
    assert len(history) == 2 and all(c.scored for c in history)
    c = history[1]
    assert c.source in ("llm", "llm-fallback")
    if c.source == "llm":
        assert cfg.design_space().check(c.design) == []
    else:  # SmolLM2-135M rarely writes a valid design: every answer was validated and rejected with reasons
        raws = [r for r in c.rejected if r.get("raw") is not None]
        assert len(raws) == 1 and all(r["reasons"] for r in raws)
        assert raws[0]["raw"].startswith('{"type": "design", ')  # the answer starts from the schema's prefix
    print(f"\nSmolLM2 designer: source {c.source}, design {c.design}, rejected {[r['reasons'] for r in c.rejected]}")
