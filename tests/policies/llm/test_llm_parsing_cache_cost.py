"""JSON extraction, the content-addressed cache and the cost ledger."""

from __future__ import annotations

from pathlib import Path

import pytest

from econlab.policies.llm.cache import AnswerCache, cache_key
from econlab.policies.llm.cost import BudgetExceeded, Ledger, Price, load_prices
from econlab.policies.llm.parsing import extract_json
from econlab.policies.llm.schemas import AnswerError


@pytest.mark.parametrize(("text", "expected"), [
    ('{"a": 1}', {"a": 1}),
    ('Here you go: {"a": [1, 2,], "b": "x, }"} thanks', {"a": [1, 2], "b": "x, }"}),
    ('```json\n{"a": {"b": 2,},}\n```', {"a": {"b": 2}}),
    ('{"t": "brace } inside \\" quote"}', {"t": 'brace } inside " quote'}),
])
def test_extract_json(text: str, expected: object) -> None:
    assert extract_json(text) == expected


@pytest.mark.parametrize(("text", "message"), [
    ("", "empty"), ("no json here", "no JSON object"), ('{"a": 1', "not closed"), ("{'a': 1}", "does not decode"),
])
def test_extract_json_errors(text: str, message: str) -> None:
    with pytest.raises(AnswerError, match=message):
        extract_json(text)


def test_cache_is_content_addressed(tmp_path: Path) -> None:
    msgs = [{"role": "user", "content": "hi"}]
    k1 = cache_key("openai", "m", {"temperature": 0}, msgs, None)
    assert k1 == cache_key("openai", "m", {"temperature": 0}, [dict(msgs[0])], None)
    assert k1 != cache_key("openai", "m", {"temperature": 0.5}, msgs, None)
    assert k1 != cache_key("local", "m", {"temperature": 0}, msgs, None)
    cache = AnswerCache(tmp_path)
    assert cache.get(k1) is None
    cache.put(k1, {"text": "a"})
    cache.put(k1, {"text": "b"})  # first answer wins
    assert cache.get(k1) == {"text": "a"} and len(cache) == 1
    (tmp_path / k1[:2] / f"{k1}.json").write_text("{broken")
    with pytest.raises(ValueError, match="unreadable"):
        cache.get(k1)


def test_prices_and_budget(tmp_path: Path) -> None:
    prices = load_prices()
    assert prices["loopback-small"] == Price(0.15, 0.60)
    ledger = Ledger(prices, budget_usd=0.001)
    assert ledger.cost("loopback-small", 1000, 1000) == pytest.approx(0.00075)
    # first call: prompt chars / 4, completion at the worst case (the prior)
    assert ledger.estimate_tokens("loopback-small", ["x" * 3000], 100) == (751, 100)
    reserved = ledger.reserve("loopback-small", ["x" * 3000], 100)
    assert reserved == pytest.approx(Price(0.15, 0.60).cost(751, 100))
    assert ledger.charge("loopback-small", 1000, 20, reserved, prompt_chars=3000) == pytest.approx(0.000162)
    # measured: 3 chars per token, one completion of 20 tokens -> (100 + 20) / 2 = 60
    assert ledger.estimate_tokens("loopback-small", ["x" * 3000], 100) == (1001, 60)
    with pytest.raises(BudgetExceeded, match="budget: spent"):
        ledger.reserve("loopback-small", ["x" * 30000], 1000)
    assert ledger.stopped_reason and ledger.reserved_usd == 0
    with pytest.raises(ValueError, match="needs a price"):
        Ledger(prices, budget_usd=1).check_model("unknown-model")
    bad = tmp_path / "p.yaml"
    bad.write_text("models: {x: {input_per_mtok: 1}}\n")
    with pytest.raises(ValueError, match="output_per_mtok"):
        load_prices(bad)


def test_lora_adapter_content_is_part_of_the_cache_key(tmp_path: Path) -> None:
    from econlab.policies.llm import LLMConfig
    from econlab.policies.llm.session import LLMSession

    adapter = tmp_path / "adapter"
    adapter.mkdir()
    (adapter / "adapter_model.safetensors").write_bytes(b"weights v1")
    first = LLMSession(LLMConfig(backend="local", lora=adapter)).sampling_params(1)["lora"]
    assert first.startswith(str(adapter) + "#")
    (adapter / "adapter_model.safetensors").write_bytes(b"weights v2")  # retrained into the same folder
    second = LLMSession(LLMConfig(backend="local", lora=adapter)).sampling_params(1)["lora"]
    assert second != first and LLMSession(LLMConfig(backend="local")).sampling_params(1)["lora"] is None
