"""The answer cache is keyed by everything that changes an answer: the per-call seed and the messages included.

Each answer of the loopback server names the seed and the prompt it was asked with, so an answer served from the
cache under the wrong key is visible in the text (not only in the hit counter).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from llm_helpers import config
from loopback import LoopbackServer, Reply

from econlab.policies.llm.session import LLMSession

SCHEMA = {"type": "object", "properties": {"seed": {"type": "integer"}, "prompt": {"type": "string"}}}


def echo(body: dict[str, Any], seen: int) -> Reply:
    return Reply(text=json.dumps({"seed": body["seed"], "prompt": body["messages"][-1]["content"]}))


def ask(session: LLMSession, prompt: str, seed: int) -> tuple[dict[str, Any], bool]:
    messages = [{"role": "system", "content": "answer in JSON"}, {"role": "user", "content": prompt}]
    comp, row = session.run_sync(session.complete(messages, SCHEMA, seed, where="test"))
    return json.loads(comp.text), row["cache_hit"]


def test_cache_key_includes_the_seed_and_the_messages(api_key: str, tmp_path: Path) -> None:
    with LoopbackServer(echo) as srv:
        session = LLMSession(config(srv.url, tmp_path / "cache"))
        assert ask(session, "bid or ask?", seed=1) == ({"seed": 1, "prompt": "bid or ask?"}, False)
        # another seed is another question: asked anew, answered for that seed
        assert ask(session, "bid or ask?", seed=2) == ({"seed": 2, "prompt": "bid or ask?"}, False)
        # other messages with a seen seed: asked anew too
        assert ask(session, "vote?", seed=1) == ({"seed": 1, "prompt": "vote?"}, False)
        assert srv.calls == 3
        # the same seed and messages again: served from the cache, each with its own answer
        assert ask(session, "bid or ask?", seed=1) == ({"seed": 1, "prompt": "bid or ask?"}, True)
        assert ask(session, "bid or ask?", seed=2) == ({"seed": 2, "prompt": "bid or ask?"}, True)
        assert ask(session, "vote?", seed=1) == ({"seed": 1, "prompt": "vote?"}, True)
        assert srv.calls == 3
        # a new session on the same folder (a rerun) finds the same three entries
        again = LLMSession(config(srv.url, tmp_path / "cache"))
        assert ask(again, "vote?", seed=1) == ({"seed": 1, "prompt": "vote?"}, True)
        assert srv.calls == 3 and len(again.cache) == 3
