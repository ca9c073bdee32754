"""The openai backend and the repair loop against the loopback server (real SDK, real HTTP)."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest
from llm_helpers import config, spec
from loopback import MALFORMED, GameScript, LoopbackServer, Reply, malformed_answer, valid_answer

from econlab.games.ibex.schedule import Scheduler
from econlab.games.ibex.spec import make_game
from econlab.games.ibex.view import view
from econlab.policies.llm import LLMPolicy, LLMSession
from econlab.policies.llm.backends.openai_backend import retry_after_s


def _declare_view():
    game = make_game(spec("harberger"))
    game.start()
    Scheduler(2, 1).advance(game)
    return view(game, 1)  # seat 1, an owner, first declaration


def _decide(srv: LoopbackServer, **kw):
    session = LLMSession(config(srv.url, **kw))
    policy = LLMPolicy(session)
    action, state = policy.act(_declare_view(), policy.initial_state(1, 0))
    return action, state.calls[0], session


@pytest.mark.parametrize("kind", MALFORMED)
def test_each_malformed_kind_is_handled(kind: str, api_key: str) -> None:
    def script(body, seen):
        last = body["messages"][-1]["content"]
        if last.startswith("Your answer was not accepted"):
            return Reply(text=json.dumps(valid_answer(body)))
        return Reply(text=malformed_answer(body, kind))

    with LoopbackServer(script) as srv:
        action, row, _ = _decide(srv)
    assert action is not None and action.TYPE == "declare"
    if kind in ("trailing_comma", "prose"):  # the tolerant parser reads these on the first try
        assert row["outcome"] == "first" and row["repairs"] == 0
    else:
        assert row["outcome"] == "repaired" and row["repairs"] == 1
        error = row["attempts"][0]["error"]
        assert error
        repair_prompt = srv.bodies[1]["messages"][-1]["content"]
        assert error in repair_prompt  # the model is told the precise validation error
        assert srv.bodies[1]["messages"][-2] == {"role": "assistant", "content": row["attempts"][0]["raw"]}


def test_invalid_forever_falls_back_to_truthful(api_key: str) -> None:
    with LoopbackServer(lambda body, seen: Reply(text="I refuse to answer in JSON.")) as srv:
        action, row, _ = _decide(srv, max_repairs=3)
    assert srv.calls == 4 and len(row["attempts"]) == 4
    assert row["outcome"] == "fallback" and row["fallback_reason"].startswith("invalid after 4 attempts")
    v = _declare_view()
    assert action.declaration == [float(v.my_values[0]), float(v.my_values[1])]


def test_429_retry_after_is_honoured(api_key: str) -> None:
    def script(body, seen):
        return Reply(status=429, headers={"retry-after": "0.4"}) if seen < 2 else Reply(
            text=json.dumps(valid_answer(body)))

    with LoopbackServer(script) as srv:
        t0 = time.perf_counter()
        action, row, _ = _decide(srv, backoff_s=0.001)
        elapsed = time.perf_counter() - t0
    assert action is not None and srv.statuses[429] == 2
    transport = row["telemetry"]["transport"]
    assert [t["wait_s"] for t in transport] == [0.4, 0.4]
    assert elapsed >= 0.8  # it really waited what the server asked, not the 1 ms backoff


def test_5xx_backoff_doubles_then_succeeds(api_key: str) -> None:
    with LoopbackServer(lambda b, seen: Reply(status=500) if seen < 3 else Reply(text=json.dumps(valid_answer(b)))
                        ) as srv:
        action, row, _ = _decide(srv, backoff_s=0.02, max_retries=3)
    assert action is not None
    assert [t["wait_s"] for t in row["telemetry"]["transport"]] == [0.02, 0.04, 0.08]


def test_timeout_is_retried(api_key: str) -> None:
    # the first request is held until the test ends (not a sleep that a slow machine could outlast), so it
    # times out whatever the load; the retry is answered at once, well within the generous timeout
    release = threading.Event()

    def script(body, seen):
        if seen == 0:
            release.wait(60)
        return Reply(text=json.dumps(valid_answer(body)))

    try:
        with LoopbackServer(script) as srv:
            action, row, _ = _decide(srv, timeout_s=2.0)
    finally:
        release.set()
    assert action is not None and row["outcome"] == "first"
    transport = row["telemetry"]["transport"]
    assert len(transport) == 1 and "Timeout" in transport[0]["error"]
    assert len(srv.bodies) == 2  # one timed out, one answered


def test_unreachable_endpoint_falls_back(api_key: str) -> None:
    srv = LoopbackServer(GameScript())  # bound but never started: connections hang up or are refused
    srv.httpd.server_close()
    action, row, _ = _decide(srv, max_retries=1, backoff_s=0.001, timeout_s=0.5)
    assert row["outcome"] == "fallback" and row["fallback_reason"].startswith("unreachable")
    assert action is not None and action.TYPE == "declare"


def test_structured_output_and_text_fallback(api_key: str) -> None:
    with LoopbackServer(GameScript()) as srv:
        _decide(srv)
    fmt = srv.bodies[0]["response_format"]
    assert fmt["type"] == "json_schema" and fmt["json_schema"]["schema"]["title"] == "DeclareAnswer"
    with LoopbackServer(GameScript(), structured=False) as srv:
        action, row, session = _decide(srv)
    assert action is not None and srv.statuses[400] == 1 and "response_format" not in srv.bodies[1]
    assert session.backend.structured is False
    with LoopbackServer(GameScript(), structured=False) as srv:
        _decide(srv, structured="off")
    assert srv.statuses[400] == 0 and "response_format" not in srv.bodies[0]


def test_request_carries_settings_and_key_stays_secret(api_key: str, tmp_path: Path, caplog) -> None:
    with LoopbackServer(GameScript()) as srv:
        action, row, _ = _decide(srv, temperature=0.7, seed=11, max_tokens=99)
    body = srv.bodies[0]
    assert body["model"] == "loopback-small" and body["temperature"] == 0.7 and body["max_tokens"] == 99
    assert isinstance(body["seed"], int)
    assert api_key not in json.dumps(row) and api_key not in caplog.text


def test_retry_after_header_forms() -> None:
    assert retry_after_s({"retry-after": "2"}) == 2.0
    assert retry_after_s({"retry-after-ms": "250"}) == 0.25
    assert retry_after_s({}) is None
    assert retry_after_s({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}) == 0.0
