"""econlab.eval.replay: the shared recorded games replay through the engine without a mismatch."""

from __future__ import annotations

import pytest

from econlab.eval.replay import read_trace, replay_trace

from ._helpers import TRACES, needs_traces

pytestmark = needs_traces


@pytest.mark.parametrize(("name", "treatment", "rounds"), [
    ("harberger-1", "harberger", 3),
    ("futarchy-1", "futarchy", 2),
    ("voting-1", "voting", 2),
])
def test_shared_trace_replays_without_mismatch(name, treatment, rounds):
    result = replay_trace(read_trace(str(TRACES / f"{name}.jsonl")), compat="server")
    assert result.treatment == treatment
    assert result.mismatches == []
    assert result.compared > 40
    paid = [r for r in result.rounds if r["round"] >= 1]
    assert len(paid) == rounds
    assert all(r["winning_condition"] in (0, 1) for r in paid)
    assert all(len(r["profits"]) in (6, 12) for r in paid)


def test_replay_detects_a_tampered_trace():
    lines = read_trace(str(TRACES / "harberger-1.jsonl"))
    changed = False
    for line in lines:
        msg = line.get("msg")
        if line.get("dir") == "recv" and isinstance(msg, dict) and msg.get("eventType") == "final-price":
            msg["data"]["price"] += 1
            changed = True
    assert changed
    result = replay_trace(lines, compat="server")
    assert any("final-price" in m["where"] for m in result.mismatches)
