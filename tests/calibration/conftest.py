"""Fixtures of the calibration tests: the shared human sessions and the loopback OpenAI-compatible server."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

# the loopback server and its game script live with the LLM tests; reuse them (no copy)
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "policies" / "llm"))

from loopback import GameScript, LoopbackServer  # noqa: E402

SHARED = Path(os.environ.get("ECONLAB_SHARED", Path(__file__).resolve().parents[3] / "shared"))
HUMAN = sorted((SHARED / "data" / "human").glob("*.log.json"))


@pytest.fixture(scope="session")
def human_files() -> list[Path]:
    """The two shared human Voting sessions (fails loudly when ../shared is missing)."""
    names = [p.name for p in HUMAN]
    assert names == ["voting-223.log.json", "voting-224.log.json"], f"expected the shared human sessions, got {names}"
    return HUMAN


@pytest.fixture
def loopback(monkeypatch: pytest.MonkeyPatch) -> Iterator[LoopbackServer]:
    """A running loopback server answering legal JSON actions, with a fake API key in the environment."""
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-calibration-0000")
    with LoopbackServer(GameScript()) as srv:
        yield srv
