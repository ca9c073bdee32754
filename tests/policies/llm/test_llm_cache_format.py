"""The answer cache's on-disk contract: a key is the SHA-256 of one canonical JSON text, stable across versions.

Caches outlive a run (``--cache`` folders, replay), so the key's text is a format: the field names, sorted keys
and compact separators below are what old caches were written with.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from econlab.policies.llm.cache import AnswerCache, cache_key
from econlab.policies.llm.cost import Ledger, load_prices


def test_the_key_is_the_hash_of_the_canonical_request_text() -> None:
    canonical = ('{"backend":"openai","messages":[{"content":"q","role":"user"}],"model":"m",'
                 '"params":{"seed":1,"temperature":0.5},"schema":null}')
    expected = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    user = [{"role": "user", "content": "q"}]
    assert cache_key("openai", "m", {"temperature": 0.5, "seed": 1}, user, None) == expected
    # the order in which a caller built its dicts does not matter
    reordered = [{"content": "q", "role": "user"}]
    assert cache_key("openai", "m", {"seed": 1, "temperature": 0.5}, reordered, None) == expected


def test_a_cache_folder_is_created_with_its_parents(tmp_path: Path) -> None:
    cache = AnswerCache(tmp_path / "runs" / "today" / "cache")
    cache.put("ab" + "0" * 62, {"text": "x"})
    assert cache.get("ab" + "0" * 62) == {"text": "x"} and len(cache) == 1


def test_a_new_ledger_has_made_no_calls() -> None:
    ledger = Ledger(load_prices(), budget_usd=1.0)
    assert ledger.calls == 0
    ledger.charge("loopback-small", 10, 10, ledger.reserve("loopback-small", ["a prompt of forty characters"], 10))
    assert ledger.calls == 1
