"""A full offline game with the local SmolLM2 backend (transformers on CPU, no network)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from llm_helpers import outcomes, record_bytes, spec

from econlab.eval.runner import GameResult, play_game
from econlab.policies.llm import LLMConfig, PolicyFactory
from econlab.policies.llm.backends.local_backend import smollm2_gguf


def play_mixed(cfg: LLMConfig, chat_ticks: int) -> tuple[GameResult, PolicyFactory]:
    factory = PolicyFactory(cfg)
    policies = factory.build({1: "llm", 2: "llm:persona=exploiter", 3: "truthful", 4: "truthful", 5: "truthful",
                              6: "truthful"})
    return play_game(spec("voting", seed=1, chat_ticks=chat_ticks), policies), factory


@pytest.mark.slow
def test_local_smollm2_voting_game_offline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("transformers")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("OPENAI_API_KEY", "")
    assert smollm2_gguf().suffix == ".gguf"
    cfg = LLMConfig(backend="local", max_tokens=48, max_repairs=1, cache_dir=tmp_path / "cache")
    # A full Voting game kept short for a 2-core CI machine (a 650-token prompt takes ~10 s to read there):
    # no chat ticks, the developer (offer) and owner 1 (request, vote) on SmolLM2, the other owners truthful.
    result, factory = play_mixed(cfg, chat_ticks=0)
    assert result.game.over
    rows = result.llm_calls
    assert [r["decision"] for r in rows] == ["request", "offer", "vote"] and factory.http_calls >= 3
    stats = outcomes(result)
    print(f"\nSmolLM2-135M local game: {stats} of {len(rows)} decisions; "
          f"{sum(r['completion_tokens'] for r in rows)} completion tokens")
    for r in rows:
        assert r["attempts"] and all(a["raw"] is not None for a in r["attempts"])
        if r["outcome"] == "fallback":
            assert r["fallback_reason"].startswith("invalid after")
    # the same game again comes from the cache: no generation, identical record
    again, factory2 = play_mixed(cfg.model_copy(update={"backend": "replay", "replay_of": "local"}), chat_ticks=0)
    assert factory2.http_calls == 0 and record_bytes(again) == record_bytes(result)
    assert os.environ["HF_HUB_OFFLINE"] == "1"


@pytest.mark.slow
def test_local_backend_loads_a_lora_adapter(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    peft = pytest.importorskip("peft")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    import asyncio

    from econlab.policies.llm.backends.local_backend import LocalBackend

    base = LocalBackend(LLMConfig(backend="local", max_tokens=8))
    base._load()
    adapter = peft.get_peft_model(base._model, peft.LoraConfig(r=2, target_modules=["q_proj", "v_proj"]))
    adapter.save_pretrained(tmp_path / "lora")  # a freshly initialised adapter (B = 0: same outputs)
    tuned = LocalBackend(LLMConfig(backend="local", max_tokens=8, lora=tmp_path / "lora"))
    msgs = [{"role": "user", "content": 'Reply {"type": "vote", "vote": "yes"}'}]
    answer = asyncio.run(tuned.complete(msgs, None, seed=0, where="test"))
    assert type(tuned._model).__name__ == "PeftModelForCausalLM"
    assert answer.completion_tokens >= 1 and isinstance(answer.text, str)
