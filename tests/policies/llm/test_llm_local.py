"""A full offline game with the local SmolLM2 backend (transformers on CPU, no network)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

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
def test_local_smollm2_voting_game_offline_and_lora(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import transformers  # noqa: F401 - installed by the test extra; fail loudly if it is missing
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
    backend = next(iter(factory.sessions.values())).backend
    check_prefix_cache(backend)
    import peft  # noqa: F401
    check_lora(backend._model, tmp_path / "lora")


def check_prefix_cache(backend: Any) -> None:
    """A cached system message gives the same answer as a freshly encoded one, whatever the LRU holds."""
    from econlab.policies.llm.backends.local_backend import LocalBackend

    def ask(b: LocalBackend, system: str) -> str:
        msgs = [{"role": "system", "content": system}, {"role": "user", "content": "Vote now."}]
        return b._generate(msgs, 0, '{"type": "vote", ').text

    tiny = LocalBackend(LLMConfig(backend="local", max_tokens=12, local_prefix_cache=1))
    tiny._model, tiny._tokenizer = backend._model, backend._tokenizer
    a, b = "You vote in a lab game. Answer in JSON.", "You are an owner in a lab game. Answer in JSON."
    first = [ask(tiny, a), ask(tiny, b)]  # two misses; the LRU of one entry now holds b only
    assert (tiny.prefix_misses, tiny.prefix_hits) == (2, 0)
    assert ask(tiny, b) == first[1] and tiny.prefix_hits == 1  # hit
    assert ask(tiny, a) == first[0] and tiny.prefix_misses == 3  # evicted, encoded again: same answer



def check_lora(loaded: Any, folder: Path) -> None:
    """A LoRA adapter (made from the already loaded model, so CI loads SmolLM2 only twice) loads through peft."""
    import asyncio

    import peft

    from econlab.policies.llm.backends.local_backend import LocalBackend

    adapter = peft.get_peft_model(loaded, peft.LoraConfig(r=2, target_modules=["q_proj", "v_proj"]))
    adapter.save_pretrained(folder)  # a freshly initialised adapter (B = 0: same outputs as the base)
    tuned = LocalBackend(LLMConfig(backend="local", max_tokens=8, lora=folder))
    schema = {"properties": {"type": {"const": "vote"}}}
    answer = asyncio.run(tuned.complete([{"role": "user", "content": "Vote yes or no."}], schema, seed=0, where="t"))
    assert isinstance(tuned._model, peft.PeftModel)
    assert answer.text.startswith('{"type": "vote", ') and answer.completion_tokens >= 1


def test_answer_prefix_fixes_what_the_schema_leaves_no_choice_about() -> None:
    from econlab.policies.llm.backends.local_backend import answer_prefix
    from econlab.policies.llm.schemas import answer_schema

    assert answer_prefix(answer_schema("declare1")) == '{"type": "declare", "no_project": '
    assert answer_prefix(answer_schema("vote")) == '{"type": "vote", "vote": '
    assert answer_prefix(answer_schema("snipe1")) == '{"type": "snipe", "no_project": ['  # optional, first, a list
    assert answer_prefix(answer_schema("market")) == '{"type": "'  # post, cancel or wait
    assert answer_prefix(answer_schema("chat")) == '{"type": "chat", "to": ['

    assert answer_prefix(None) == ""
    assert answer_prefix({"properties": {"type": {"const": "vote"}}}) == '{"type": "vote", '
