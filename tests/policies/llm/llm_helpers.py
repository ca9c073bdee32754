"""Shared set-up of the LLM tests: small games and configs against the loopback server."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from econlab.eval.recording import dumps
from econlab.eval.runner import GameResult, play_game
from econlab.games.ibex import GameParams
from econlab.games.ibex.spec import GameSpec
from econlab.policies.llm import LLMConfig, PolicyFactory

SEATS = {"harberger": 12, "futarchy": 12, "voting": 6}


def spec(treatment: str, seed: int = 3, market_ticks: int = 2, chat_ticks: int = 1) -> GameSpec:
    params = GameParams.lab_default(treatment).replace(round_count=1, practice_round=False)
    return GameSpec(params=params, seed=seed, market_ticks=market_ticks, chat_ticks=chat_ticks)


def config(url: str | None, cache: Path | None = None, **kw: Any) -> LLMConfig:
    base: dict[str, Any] = {"backend": "openai", "base_url": url, "model": "loopback-small", "timeout_s": 1.0,
                            "backoff_s": 0.01, "max_retries": 3, "max_repairs": 2, "cache_dir": cache}
    return LLMConfig.model_validate(base | kw)


def play_llm(treatment: str, cfg: LLMConfig, seed: int = 3, persona: str = "profit-maximiser",
             preflight: bool = True, **spec_kw: Any) -> tuple[GameResult, PolicyFactory]:
    factory = PolicyFactory(cfg, preflight=preflight)
    policies = factory.build({s: f"llm:persona={persona}" for s in range(1, SEATS[treatment] + 1)})
    return play_game(spec(treatment, seed, **spec_kw), policies), factory


def record_bytes(result: GameResult) -> str:
    return dumps(result.record)


def outcomes(result: GameResult) -> dict[str, int]:
    out = {"first": 0, "repaired": 0, "fallback": 0}
    for row in result.record.get("llm_calls", ()):
        out[row["outcome"]] += 1
    return out


def all_text(result: GameResult) -> str:
    return json.dumps(result.llm_calls) + dumps(result.record)
