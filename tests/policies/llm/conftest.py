from __future__ import annotations

from collections.abc import Iterator

import pytest
from loopback import GameScript, LoopbackServer


@pytest.fixture
def api_key(monkeypatch: pytest.MonkeyPatch) -> str:
    key = "sk-test-secret-do-not-log-1234"
    monkeypatch.setenv("OPENAI_API_KEY", key)
    return key


@pytest.fixture
def server(api_key: str) -> Iterator[LoopbackServer]:
    with LoopbackServer(GameScript()) as srv:
        yield srv
