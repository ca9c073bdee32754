"""A crash at any step of storing an answer leaves the cache without the entry or with all of it, never torn.

Crash injection (tests/crashpoint.py): a child stores two answers and dies at step k of its writes; the entry
on disk then reads back whole or is absent, and a rerun completes the cache to what an uninterrupted run has.
"""

from __future__ import annotations

from pathlib import Path

from crashpoint import run_child

from econlab.policies.llm.cache import AnswerCache, cache_key

ENTRIES = {cache_key("openai", "m", {"seed": s}, [{"role": "user", "content": "q"}], None):
           {"text": "x" * 5000 + str(s), "prompt_tokens": 10, "completion_tokens": 20 + s} for s in (1, 2)}

PUT = """
from econlab.policies.llm.cache import AnswerCache
cache = AnswerCache({folder!r})
for key, entry in {entries!r}.items():
    cache.put(key, entry)
"""


def test_a_crash_at_any_step_of_a_cache_put_leaves_whole_entries(tmp_path: Path) -> None:
    clean = run_child(PUT.format(folder=str(tmp_path / "clean"), entries=ENTRIES), tmp_path / "clean", None)
    kinds = [s.split()[0] for s in clean["log"]]
    runs = [k for i, k in enumerate(kinds) if i == 0 or kinds[i - 1] != k]
    assert runs == ["write", "fsync", "replace"] * 2, clean["log"]  # each put: written, synced, renamed
    for k in range(1, clean["steps"] + 1):
        folder = tmp_path / f"crash-{k}"
        assert run_child(PUT.format(folder=str(folder), entries=ENTRIES), folder, k)["crashed"]
        cache = AnswerCache(folder)
        for key, entry in ENTRIES.items():
            assert cache.get(key) in (None, entry), f"crash at step {k}: a torn entry"
        run_child(PUT.format(folder=str(folder), entries=ENTRIES), folder, None)  # the rerun
        assert {key: AnswerCache(folder).get(key) for key in ENTRIES} == ENTRIES
        assert len(AnswerCache(folder)) == len(ENTRIES)
